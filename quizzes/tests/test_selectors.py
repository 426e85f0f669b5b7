import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from courses import cache
from enrollments import selectors as enrollment_selectors
from enrollments.models import Enrollment
from quizzes import selectors
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


def test_a_new_required_quiz_counts_toward_progress_once_committed(
    django_assert_num_queries, django_capture_on_commit_callbacks
):
    first = QuizFactory(is_required=True)
    course = first.course
    learner = Enrollment.objects.create(user=UserFactory(), course=course, enrolled_at=timezone.now())
    assert selectors.required_quiz_keys([course.pk]) == {course.pk: {f"quiz:{first.pk}"}}
    with django_assert_num_queries(0):  # kept in the process until the catalog changes
        assert [q.pk for q in selectors.course_quizzes([course.pk])[course.pk]] == [first.pk]
    with django_capture_on_commit_callbacks(execute=True):
        second = QuizFactory(module=first.module, is_required=True)
        QuizFactory(module=first.module, is_required=False)
    assert selectors.required_quiz_keys([course.pk]) == {course.pk: {f"quiz:{first.pk}", f"quiz:{second.pk}"}}
    progress = enrollment_selectors.progress_for(learner)
    assert progress.required_total == 1 + 2  # the lesson and the two required quizzes


def test_course_pages_list_the_quizzes_of_the_course_and_of_the_lesson(client):
    quiz = QuizFactory(title="Module check")
    lesson = quiz.course.lessons.get()
    on_lesson = QuizFactory(module=None, lesson=lesson, title="Lesson check")
    learner = UserFactory()
    Enrollment.objects.create(user=learner, course=quiz.course, enrolled_at=timezone.now())
    client.force_login(learner)
    page = client.get(f"/courses/{quiz.course.slug}/").content.decode()
    assert "Module check" in page and "Lesson check" in page
    page = client.get(f"/courses/{quiz.course.slug}/lessons/{lesson.pk}/").content.decode()
    assert "Lesson check" in page and "Module check" not in page
    assert f"/quizzes/{on_lesson.pk}/" in page
