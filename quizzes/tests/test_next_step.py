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


# --- the outline lists every item of a module, in order, with its state -----------------------


def _course_with_two_quizzes():
    """One module: lesson 1, its optional quiz, lesson 2; and the module's required quiz
    at its end."""
    from courses.models import Lesson

    required = QuizFactory(is_required=True, title="Module check")
    course = required.course
    first = course.lessons.get()
    second = Lesson.objects.create(module=first.module, course=course, title="Second lesson", position=2)
    optional = QuizFactory(module=None, lesson=first, is_required=False, title="Practice")
    return course, first, second, optional, required


def test_the_outline_places_a_quiz_after_its_lesson_and_a_module_quiz_at_the_end():
    from courses import selectors as course_selectors

    course, first, second, optional, required = _course_with_two_quizzes()
    items = course_selectors.outline_for(course.pk).items
    assert [(e.item_type, e.pk) for e in items] == [
        ("lesson", first.pk),
        ("quiz", optional.pk),
        ("lesson", second.pk),
        ("quiz", required.pk),
    ]
    assert items[1].url == f"/quizzes/{optional.pk}/" and items[3].key == required.requirement_key


def test_an_optional_quiz_is_never_the_next_step_and_shows_done_once_passed(client):
    from accounts.tests.factories import UserFactory
    from enrollments import selectors
    from quizzes import services as quiz_services
    from quizzes.tests.factories import single

    course, first, second, optional, _required = _course_with_two_quizzes()
    single(optional)
    learner = UserFactory()
    enrollment, _ = enrollment_services.enrollment_create(user=learner, course=course)
    enrollment_services.lesson_complete(user=learner, lesson=first)
    progress = selectors.progress_for(enrollment)
    assert progress.next_item.pk == second.pk  # the practice quiz is skipped as a next step
    attempt, _ = quiz_services.attempt_start(user=learner, quiz=optional)
    choice = next(c["id"] for c in attempt.paper[0]["choices"] if c["text"] == "right")
    quiz_services.attempt_save_answers(attempt=attempt, answers={str(attempt.paper[0]["id"]): {"choice": choice}})
    quiz_services.attempt_submit(attempt=attempt)
    progress = selectors.progress_for(enrollment)
    quiz_item = next(e for e in course_outline_items(course) if e.pk == optional.pk)
    assert progress.state_of(quiz_item) == "done"
    assert progress.steps_left == 2  # an optional quiz counts for nothing: lesson 2 and the module check
    enrollment.refresh_from_db()
    assert enrollment.status == "active"
    client.force_login(learner)
    syllabus = client.get(f"/courses/{course.slug}/").content.decode().split('id="syllabus"')[1]
    practice = syllabus[syllabus.index("Practice") - 200 : syllabus.index("Practice") + 200]
    assert "item-quiz done" in practice and "(done)" in practice


def course_outline_items(course):
    from courses import selectors as course_selectors

    return course_selectors.outline_for(course.pk).items


def test_the_course_page_shows_an_enrolled_learner_the_state_of_every_item(client):
    from accounts.tests.factories import UserFactory

    course, first, second, _optional, _required = _course_with_two_quizzes()
    learner = UserFactory()
    enrollment_services.enrollment_create(user=learner, course=course)
    enrollment_services.lesson_complete(user=learner, lesson=first)
    enrollment_services.lesson_visit(user=learner, lesson=second)
    client.force_login(learner)
    syllabus = client.get(f"/courses/{course.slug}/").content.decode().split('id="syllabus"')[1]
    lines = {title: next(line for line in syllabus.splitlines() if title in line) for title in (
        first.title, "Practice", "Second lesson", "Module check"
    )}  # fmt: skip
    assert 'class="item-lesson done"' in lines[first.title] and "(done)" in lines[first.title]
    assert 'class="item-lesson started next"' in lines["Second lesson"] and "(in progress)" in lines["Second lesson"]
    assert "Required" in lines["Module check"] and 'href="/quizzes/' in lines["Module check"]
    assert "Required" not in lines["Practice"]


def test_a_visitor_sees_the_quizzes_in_the_syllabus_linked_to_their_pages(client):
    course, _first, _second, _optional, required = _course_with_two_quizzes()
    syllabus = client.get(f"/courses/{course.slug}/").content.decode().split('id="syllabus"')[1]
    assert "Module check" in syllabus and "Practice" in syllabus
    assert f'href="/quizzes/{required.pk}/"' in syllabus  # the quiz's page says how to take it


def test_continue_after_a_lesson_goes_to_the_required_quiz_placed_after_it(client):
    from accounts.tests.factories import UserFactory

    quiz = QuizFactory(is_required=True)
    course = quiz.course
    lesson = course.lessons.get()
    quiz.module, quiz.lesson = None, lesson
    quiz.save()
    learner = UserFactory()
    enrollment_services.enrollment_create(user=learner, course=course)
    client.force_login(learner)
    response = client.post(f"/courses/{course.slug}/lessons/{lesson.pk}/complete/", {"next": "continue"})
    assert response["Location"] == f"/quizzes/{quiz.pk}/"


def test_the_progress_api_lists_every_item_with_its_state_and_the_next_step(api_client):
    from accounts.tests.factories import UserFactory

    course, first, second, optional, required = _course_with_two_quizzes()
    learner = UserFactory()
    enrollment, _ = enrollment_services.enrollment_create(user=learner, course=course)
    enrollment_services.lesson_complete(user=learner, lesson=first)
    enrollment_services.lesson_complete(user=learner, lesson=second)
    api_client.force_authenticate(learner)
    body = api_client.get(f"/api/v1/enrollments/{enrollment.pk}/progress/").json()
    assert body["next_step"] == {"type": "quiz", "id": required.pk, "title": "Module check", "is_required": True}
    assert body["steps_left"] == 1
    states = [(i["type"], i["id"], i["state"]) for i in body["modules"][0]["items"]]
    assert states == [
        ("lesson", first.pk, "done"),
        ("quiz", optional.pk, "todo"),
        ("lesson", second.pk, "done"),
        ("quiz", required.pk, "current"),
    ]
    # The answer to a lesson completed says the same (counted there, not read from a cache).
    body = api_client.post(f"/api/v1/lessons/{second.pk}/complete/").json()
    assert body["next_step"]["id"] == required.pk and body["steps_left"] == 1


def test_the_course_api_lists_every_item_of_a_module_in_order(api_client):
    course, first, second, optional, required = _course_with_two_quizzes()
    body = api_client.get(f"/api/v1/courses/{course.slug}/").json()
    items = [(i["type"], i["id"], i["is_required"]) for i in body["modules"][0]["items"]]
    assert items == [
        ("lesson", first.pk, True),
        ("quiz", optional.pk, False),
        ("lesson", second.pk, True),
        ("quiz", required.pk, True),
    ]
