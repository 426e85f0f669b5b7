import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from courses import cache
from enrollments import selectors as enrollment_selectors
from enrollments.models import Enrollment
from quizzes.tests.factories import QuizFactory

pytestmark = pytest.mark.django_db


def test_a_quiz_saved_or_deleted_bumps_the_catalog_version_once_committed(django_capture_on_commit_callbacks):
    quiz = QuizFactory()
    before = cache.catalog_version()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        quiz.title = "Renamed"
        quiz.save()
    assert cache.catalog_version() == before  # nothing moves before the commit
    for callback in callbacks:
        callback()
    after_save = cache.catalog_version()
    assert after_save > before
    with django_capture_on_commit_callbacks(execute=True):
        quiz.delete()
    assert cache.catalog_version() > after_save


def _declared(course) -> set[str]:
    from enrollments.models import CourseRequirement

    return set(CourseRequirement.objects.filter(course=course).values_list("key", flat=True))


def test_a_required_quiz_is_declared_a_course_requirement_and_counts_toward_progress():
    first = QuizFactory(is_required=True)
    course = first.course
    learner = Enrollment.objects.create(user=UserFactory(), course=course, enrolled_at=timezone.now())
    assert _declared(course) == {f"quiz:{first.pk}"}
    second = QuizFactory(module=first.module, is_required=True)
    QuizFactory(module=first.module, is_required=False)
    assert _declared(course) == {f"quiz:{first.pk}", f"quiz:{second.pk}"}
    progress = enrollment_selectors.progress_for(learner)
    assert progress.required_total == 1 + 2  # the lesson and the two required quizzes
    assert enrollment_selectors.progress_counted(learner).required_total == 3


def test_a_quiz_no_longer_required_moved_or_deleted_is_withdrawn_where_it_was():
    from quizzes.tests.factories import published_course

    quiz = QuizFactory(is_required=True)
    course = quiz.course
    quiz.is_required = False
    quiz.save()
    assert _declared(course) == set()
    quiz.is_required = True
    quiz.save()
    other = published_course()
    quiz.module = other.modules.first()
    quiz.save()  # Quiz.save() keeps its course that of its module
    assert (_declared(course), _declared(other)) == (set(), {f"quiz:{quiz.pk}"})
    quiz.delete()
    assert _declared(other) == set()


def test_saving_a_required_quiz_twice_declares_it_once():
    from enrollments.models import CourseRequirement

    quiz = QuizFactory(is_required=True)
    quiz.save()
    quiz.save()
    assert CourseRequirement.objects.filter(key=quiz.requirement_key).count() == 1


def test_the_data_migration_declares_every_required_quiz():
    import importlib

    from django.apps import apps

    from enrollments.models import CourseRequirement

    migration = importlib.import_module("quizzes.migrations.0003_required_quizzes_as_course_requirements")
    required, optional = QuizFactory(is_required=True), QuizFactory(is_required=False)
    CourseRequirement.objects.all().delete()  # as before the migration
    migration.declare(apps, None)
    assert set(CourseRequirement.objects.values_list("course_id", "key")) == {
        (required.course_id, f"quiz:{required.pk}")
    }
    migration.declare(apps, None)  # run twice: nothing doubles
    assert CourseRequirement.objects.count() == 1
    migration.withdraw(apps, None)
    assert not CourseRequirement.objects.exists() and optional.pk


def test_course_pages_list_the_quizzes_of_the_course_and_of_the_lesson(client):
    quiz = QuizFactory(title="Module check")
    lesson = quiz.course.lessons.get()
    on_lesson = QuizFactory(module=None, lesson=lesson, title="Lesson check")
    learner = UserFactory()
    Enrollment.objects.create(user=learner, course=quiz.course, enrolled_at=timezone.now())
    client.force_login(learner)
    page = client.get(f"/courses/{quiz.course.slug}/").content.decode()
    syllabus = page.split('id="syllabus"')[1]
    # In outline order: the lesson, the quiz placed after it, the module's own quiz last.
    assert syllabus.index(lesson.title) < syllabus.index("Lesson check") < syllabus.index("Module check")
    page = client.get(f"/courses/{quiz.course.slug}/lessons/{lesson.pk}/").content.decode()
    after_lesson = page.split('id="items-heading"')[1].split("</section>")[0]
    assert "Lesson check" in after_lesson and "Module check" not in after_lesson
    assert f"/quizzes/{on_lesson.pk}/" in after_lesson
