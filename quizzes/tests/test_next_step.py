"""The learner is always shown a next step: the next lesson, then the required quiz left
once the lessons are done, and how many steps are left (course page, lesson page,
dashboard)."""

import pytest

from enrollments import services as enrollment_services
from quizzes.tests.factories import QuizFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def only_the_quiz_left(client):
    quiz = QuizFactory(is_required=True)
    course = quiz.course
    from accounts.tests.factories import UserFactory

    learner = UserFactory()
    enrollment_services.enrollment_create(user=learner, course=course)
    for lesson in course.lessons.all():
        enrollment_services.lesson_complete(user=learner, lesson=lesson)
    client.force_login(learner)
    return client, course, quiz


def test_with_only_the_quiz_left_every_page_leads_to_the_quiz(only_the_quiz_left):
    client, course, quiz = only_the_quiz_left
    lesson = course.lessons.order_by("position", "id").last()
    quiz_url = f"/quizzes/{quiz.pk}/"
    for path in (f"/courses/{course.slug}/", f"/courses/{course.slug}/lessons/{lesson.pk}/", "/dashboard/"):
        body = client.get(path).content.decode()
        assert f'href="{quiz_url}"' in body and f"Take the quiz: {quiz.title}" in body, path
        assert "1 step left" in body, path


def test_with_lessons_left_the_next_step_is_the_next_lesson(client):
    quiz = QuizFactory(is_required=True)
    course = quiz.course
    from accounts.tests.factories import UserFactory

    learner = UserFactory()
    enrollment_services.enrollment_create(user=learner, course=course)
    client.force_login(learner)
    body = client.get(f"/courses/{course.slug}/").content.decode()
    first = course.lessons.order_by("position", "id").first()
    assert f"/courses/{course.slug}/lessons/{first.pk}/" in body
    assert "Take the quiz" not in body


def test_a_completed_course_shows_no_step_left(only_the_quiz_left):
    client, course, quiz = only_the_quiz_left
    from enrollments.models import Enrollment

    enrollment = Enrollment.objects.get(course=course)
    enrollment_services.requirement_complete(user=enrollment.user, course_id=course.pk, key=quiz.requirement_key)
    body = client.get(f"/courses/{course.slug}/").content.decode()
    assert "You completed this course." in body
    assert "step left" not in body and "Take the quiz" not in body
