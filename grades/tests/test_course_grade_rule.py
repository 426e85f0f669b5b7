"""The course grade as a completion rule ("at least X %", a course requirement checked
whenever a learner's grade changes, in the background) and on the certificate."""

from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from certificates.models import Certificate
from enrollments import services as enrollment_services
from enrollments.models import CourseRequirement, Enrollment, RequirementCompletion
from grades import services
from grades.models import ManualItem, course_grade_key
from quizzes.models import Quiz
from quizzes.tests.factories import published_course, single

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    course = published_course()
    teacher = course.instructors.first()
    learner = UserFactory(first_name="Ada", last_name="Grade")
    enrollment_services.enrollment_create(user=learner, course=course)
    item = ManualItem.objects.create(course=course, title="Exam", points=Decimal(100))
    return {"course": course, "teacher": teacher, "learner": learner, "key": f"manual:{item.pk}"}


def _set(world, percent, capture):
    with capture(execute=True):
        services.override_set(
            course=world["course"], user=world["learner"], item_key=world["key"], percent=Decimal(percent),
            reason="exam", by=world["teacher"],
        )  # fmt: skip


def _read_the_lesson(world, capture):
    with capture(execute=True):
        enrollment_services.lesson_complete(user=world["learner"], lesson=world["course"].lessons.get())


def _status(world) -> str:
    return Enrollment.objects.get(user=world["learner"], course=world["course"]).status


def test_a_course_grade_rule_holds_completion_until_the_grade_reaches_it(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.gradebook_update(course=world["course"], data={"pass_percent": Decimal(70)})
    assert CourseRequirement.objects.filter(course=world["course"], key__startswith="grade:course:").exists()
    _read_the_lesson(world, django_capture_on_commit_callbacks)
    _set(world, 60, django_capture_on_commit_callbacks)
    assert _status(world) == "active"
    _set(world, 85, django_capture_on_commit_callbacks)
    assert _status(world) == "completed"


def test_a_grade_falling_below_the_rule_withdraws_it_for_an_active_learner(world, django_capture_on_commit_callbacks):
    quiz = Quiz.objects.create(module=world["course"].modules.first(), title="Q", is_required=True)
    single(quiz)  # a second requirement, not met: the course stays active
    with django_capture_on_commit_callbacks(execute=True):
        services.gradebook_update(course=world["course"], data={"pass_percent": Decimal(70)})
    _read_the_lesson(world, django_capture_on_commit_callbacks)
    _set(world, 90, django_capture_on_commit_callbacks)
    assert RequirementCompletion.objects.filter(key__startswith="grade:course:").exists()
    _set(world, 40, django_capture_on_commit_callbacks)
    assert not RequirementCompletion.objects.filter(key__startswith="grade:course:").exists()


def test_setting_the_rule_checks_every_learner_already_graded(world, django_capture_on_commit_callbacks):
    _set(world, 95, django_capture_on_commit_callbacks)  # graded before there was a rule
    other = UserFactory()
    enrollment_services.enrollment_create(user=other, course=world["course"])
    with django_capture_on_commit_callbacks(execute=True):
        services.gradebook_update(course=world["course"], data={"pass_percent": Decimal(50)})
    assert RequirementCompletion.objects.filter(key__startswith="grade:course:").count() == 1  # the graded learner only
    assert services.course_grades_check(course=world["course"]) == 1  # again: the same, nothing added
    assert RequirementCompletion.objects.filter(key__startswith="grade:course:").count() == 1


def test_a_bad_rule_is_refused_by_field(world):
    with pytest.raises(Exception) as refused:
        services.gradebook_update(course=world["course"], data={"pass_percent": Decimal(120)})
    assert "pass_percent" in refused.value.extra["errors"]


def test_the_certificate_shows_the_final_grade_when_the_course_says_so(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.gradebook_update(course=world["course"], data={"show_on_certificate": True, "pass_percent": 80})
    _read_the_lesson(world, django_capture_on_commit_callbacks)
    _set(world, 92.5, django_capture_on_commit_callbacks)
    assert _status(world) == "completed"
    certificate = Certificate.objects.get(user=world["learner"])
    assert certificate.final_grade == "92.50% (A)"
    page = client.get(f"/certificates/{certificate.code}/").content.decode()
    assert "Final grade" in page and "92.50% (A)" in page


def test_a_graded_attempt_or_a_released_assignment_grade_checks_the_rule(world, django_capture_on_commit_callbacks):
    from assignments.models import Submission
    from assignments.signals import grade_released
    from quizzes.models import Attempt
    from quizzes.signals import attempt_graded

    with django_capture_on_commit_callbacks(execute=True):
        services.gradebook_update(course=world["course"], data={"pass_percent": Decimal(50)})
    ManualItem.objects.filter(course=world["course"]).update(points=Decimal(100))
    from grades.models import Override

    Override.objects.create(  # a grade there already, the check not yet run
        course=world["course"], user=world["learner"], item_key=world["key"], percent=Decimal(75), reason="r"
    )
    for signal, sender in ((attempt_graded, Attempt), (grade_released, Submission)):
        RequirementCompletion.objects.filter(key__startswith="grade:course:").delete()
        with django_capture_on_commit_callbacks(execute=True):
            signal.send(sender=sender, user_id=world["learner"].pk, course_id=world["course"].pk)
        assert RequirementCompletion.objects.filter(key__startswith="grade:course:").exists()


def test_each_course_keeps_its_own_rule_whatever_another_course_saves(world):
    other = published_course()
    services.gradebook_update(course=world["course"], data={"pass_percent": Decimal(70)})
    services.gradebook_update(course=other, data={"pass_percent": Decimal(60)})
    services.gradebook_update(course=other, data={"pass_percent": None})  # another course drops its rule
    assert CourseRequirement.objects.filter(course=world["course"], key=course_grade_key(world["course"].pk)).exists()
    assert not CourseRequirement.objects.filter(course=other, key__startswith="grade:course:").exists()
