"""The instructor's actions on a course's learners (enrollments.services, the admin list's
actions): drop, bring back, reset progress; and the per-learner drill-down."""

from __future__ import annotations

import pytest
from django.utils import timezone

from courses.tests.factories import CourseFactory, InstructorFactory, LessonFactory, ModuleFactory
from enrollments import services
from enrollments.models import Enrollment, LessonProgress, RequirementCompletion
from enrollments.tests.factories import EnrollmentFactory, LessonProgressFactory
from lms.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from quizzes.models import Attempt, Quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    course = CourseFactory(instructors=[InstructorFactory()])
    module = ModuleFactory(course=course)
    for n in (1, 2, 3):
        LessonFactory(module=module, position=n)
    return course


def _teacher(course):
    return course.instructors.get()


def test_a_dropped_learner_comes_back_with_their_progress_even_after_enrolment_closed(course):
    enrollment = EnrollmentFactory(course=course)
    LessonProgressFactory(enrollment=enrollment, lesson=course.lessons.first())
    services.enrollment_drop(enrollment=enrollment)
    course.enrollment_closes_at = timezone.now()
    course.save(update_fields=["enrollment_closes_at"])
    back = services.enrollment_reactivate(enrollment=enrollment, by=_teacher(course))
    assert back.status == Enrollment.Status.ACTIVE and back.dropped_at is None
    assert LessonProgress.objects.filter(enrollment=enrollment).count() == 1
    course.refresh_from_db()
    assert course.enrollment_count == 1


def test_bringing_back_respects_the_seats_and_the_teacher(course):
    course.capacity = 1
    course.save(update_fields=["capacity"])
    gone = EnrollmentFactory(course=course)
    services.enrollment_drop(enrollment=gone)
    EnrollmentFactory(course=course)  # the last seat taken meanwhile
    with pytest.raises(ApplicationError) as full:
        services.enrollment_reactivate(enrollment=gone, by=_teacher(course))
    assert full.value.code == "course_full"
    with pytest.raises(PermissionDeniedError):
        services.enrollment_reactivate(enrollment=gone, by=InstructorFactory())


def test_reset_removes_lessons_and_requirements_and_keeps_attempts(course):
    enrollment = EnrollmentFactory(course=course)
    for lesson in course.lessons.all()[:2]:
        LessonProgressFactory(enrollment=enrollment, lesson=lesson)
    RequirementCompletion.objects.create(enrollment=enrollment, key="quiz:1", completed_at=timezone.now())
    quiz = Quiz.objects.create(module=course.modules.get(), title="Check", pass_mark=50)
    Attempt.objects.create(quiz=quiz, user=enrollment.user, number=1, started_at=timezone.now())
    services.enrollment_progress_reset(enrollment=enrollment, by=_teacher(course))
    assert not LessonProgress.objects.filter(enrollment=enrollment).exists()
    assert not RequirementCompletion.objects.filter(enrollment=enrollment).exists()
    assert Attempt.objects.filter(user=enrollment.user).count() == 1


def test_a_completed_course_cannot_be_reset_nor_by_another_teacher(course):
    done = EnrollmentFactory(course=course, completed=True)
    with pytest.raises(ConflictError):
        services.enrollment_progress_reset(enrollment=done, by=_teacher(course))
    with pytest.raises(PermissionDeniedError):
        services.enrollment_progress_reset(enrollment=EnrollmentFactory(course=course), by=InstructorFactory())


def _act(client, action, enrollments, **extra):
    return client.post(
        "/admin/enrollments/enrollment/",
        {"action": action, "_selected_action": [e.pk for e in enrollments], **extra},
        follow=True,
    )


def test_the_admin_drops_and_brings_back_the_selected_learners(client, course):
    a, b = EnrollmentFactory(course=course), EnrollmentFactory(course=course)
    client.force_login(_teacher(course))
    page = _act(client, "drop", [a, b]).content.decode()
    assert "2 learner(s) dropped" in page
    assert set(Enrollment.objects.values_list("status", flat=True)) == {"dropped"}
    page = _act(client, "reactivate", [a]).content.decode()
    assert "1 learner(s) back in their course" in page
    a.refresh_from_db()
    assert a.status == "active"


def test_the_admin_asks_before_resetting_progress(client, course):
    enrollment = EnrollmentFactory(course=course)
    LessonProgressFactory(enrollment=enrollment, lesson=course.lessons.first())
    client.force_login(_teacher(course))
    ask = _act(client, "reset_progress", [enrollment])
    assert "Yes, reset their progress" in ask.content.decode()
    assert LessonProgress.objects.filter(enrollment=enrollment).exists()  # nothing yet
    done = _act(client, "reset_progress", [enrollment], confirm="yes")
    assert "1 learner(s) start the course over." in done.content.decode()
    assert not LessonProgress.objects.filter(enrollment=enrollment).exists()


def test_another_instructor_cannot_act_on_learners_of_a_course_they_do_not_teach(client, course):
    enrollment = EnrollmentFactory(course=course)
    client.force_login(InstructorFactory())
    _act(client, "drop", [enrollment])
    enrollment.refresh_from_db()
    assert enrollment.status == "active"  # not in their list: the action never sees it


def test_the_drill_down_shows_each_lesson_and_attempt_to_the_teacher_only(
    client, course, django_assert_max_num_queries
):
    enrollment = EnrollmentFactory(course=course)
    first = course.lessons.order_by("position").first()
    LessonProgressFactory(enrollment=enrollment, lesson=first)
    quiz = Quiz.objects.create(module=course.modules.get(), title="Check", pass_mark=50)
    Attempt.objects.create(
        quiz=quiz, user=enrollment.user, number=1, started_at=timezone.now(), submitted_at=timezone.now(),
        status=Attempt.Status.SUBMITTED, percent=80, passed=True,
    )  # fmt: skip
    client.force_login(_teacher(course))
    client.get(f"/reports/learners/{enrollment.pk}/")  # the outline, kept afterwards
    with django_assert_max_num_queries(6):
        response = client.get(f"/reports/learners/{enrollment.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 / 3 (33 %)" in page and "80.0 %" in page and first.title in page
    client.force_login(InstructorFactory())
    assert client.get(f"/reports/learners/{enrollment.pk}/").status_code == 404
