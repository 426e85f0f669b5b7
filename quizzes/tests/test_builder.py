"""The quiz builder's server side: a quiz added from the course builder, questions added
in one step each through quizzes.services, duplicated, deleted; scope and refusals."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from courses.tests.factories import InstructorFactory
from quizzes.models import Question, Quiz
from quizzes.tests.factories import published_course, single

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return InstructorFactory()


@pytest.fixture
def course(owner):
    return published_course(instructor=owner)


@pytest.fixture
def quiz(course):
    return Quiz.objects.create(module=course.modules.first(), title="Check")


@pytest.fixture
def builder(client, owner, quiz):
    client.force_login(owner)
    return reverse("admin:quizzes_quiz_builder", args=[quiz.pk])


def test_a_quiz_added_from_the_course_builder_opens_its_questions(client, owner, course):
    client.force_login(owner)
    back = reverse("admin:courses_course_builder", args=[course.pk])
    response = client.post(
        reverse("admin:quizzes_quiz_quick_add"), {"module": course.modules.first().pk, "title": "Final", "next": back}
    )
    quiz = Quiz.objects.get(title="Final")
    assert response["Location"] == reverse("admin:quizzes_quiz_builder", args=[quiz.pk])
    assert quiz.is_required and quiz.module_id == course.modules.first().pk


def test_a_quiz_cannot_be_added_to_another_instructor_s_module_nor_send_you_elsewhere(client, course):
    client.force_login(InstructorFactory())
    response = client.post(
        reverse("admin:quizzes_quiz_quick_add"),
        {"module": course.modules.first().pk, "title": "Mine", "next": "https://evil.example.com/"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert not Quiz.objects.exists()
    assert client.get(reverse("admin:quizzes_quiz_quick_add")).status_code == 404


@pytest.mark.parametrize(
    "fields, check",
    [
        (
            {"kind": "single", "choices": "3\n*4\n 5 "},
            lambda q: (
                [(c.text, c.is_correct) for c in q.choices.order_by("position")]
                == [("3", False), ("4", True), ("5", False)]
            ),
        ),
        ({"kind": "multiple", "choices": "*2\n*4\n5"}, lambda q: q.choices.filter(is_correct=True).count() == 2),
        ({"kind": "true_false", "correct_bool": "false"}, lambda q: q.correct_bool is False),
        (
            {"kind": "short_text", "accepted_answers": "Paris\n paris city \n"},
            lambda q: q.accepted_answers == ["Paris", "paris city"],
        ),
        (
            {"kind": "numeric", "numeric_value": "3.14", "numeric_tolerance": "0.01"},
            lambda q: str(q.numeric_value) == "3.140000",
        ),
    ],
)
def test_each_kind_is_added_in_one_step_with_its_own_key(client, builder, quiz, fields, check):
    response = client.post(builder, {"do": "add_question", "prompt": "Q?", "points": "2", **fields})
    assert response.status_code == 302, response.content.decode()[-2000:]
    question = Question.objects.get(quiz=quiz)
    assert question.kind == fields["kind"] and question.points == 2
    assert check(question)


@pytest.mark.parametrize(
    "fields, error",
    [
        ({"kind": "single", "choices": "*a\n*b"}, "exactly one correct choice"),
        ({"kind": "single", "choices": "only one"}, "at least two choices"),
        ({"kind": "true_false"}, "true or false"),
        ({"kind": "numeric"}, "correct value"),
        ({"kind": "short_text", "accepted_answers": "  \n"}, "accepted answer"),
        ({"kind": "single", "choices": "a\n*b", "points": "0"}, "greater than or equal to 0.01"),
    ],
)
def test_a_refused_question_shows_why_and_keeps_what_was_typed(client, builder, quiz, fields, error):
    response = client.post(builder, {"do": "add_question", "prompt": "Kept prompt", "points": "1", **fields})
    assert response.status_code == 200
    page = response.content.decode()
    assert error in page
    assert "Kept prompt" in page
    assert not Question.objects.exists()


def test_a_question_is_duplicated_after_itself_and_deleted(client, builder, quiz):
    first, second = single(quiz), single(quiz, correct="other")
    Question.objects.filter(pk=first.pk).update(position=1)
    Question.objects.filter(pk=second.pk).update(position=2)
    client.post(builder, {"do": "duplicate_question", "question": first.pk})
    order = list(quiz.questions.order_by("position", "id").values_list("pk", flat=True))
    assert order[0] == first.pk and order[2] == second.pk and len(order) == 3
    client.post(builder, {"do": "delete_question", "question": second.pk})
    assert not Question.objects.filter(pk=second.pk).exists()


def test_a_question_of_another_quiz_is_left_alone(client, builder, course):
    other = single(Quiz.objects.create(module=course.modules.first(), title="Other"))
    response = client.post(builder, {"do": "delete_question", "question": other.pk}, follow=True)
    assert Question.objects.filter(pk=other.pk).exists()
    assert any("no longer in this quiz" in str(m) for m in get_messages(response.wsgi_request))


def test_the_builder_lists_questions_in_a_fixed_number_of_queries(client, builder, quiz, django_assert_max_num_queries):
    for i in range(15):
        single(quiz, correct=f"right {i}")
    with django_assert_max_num_queries(12):
        page = client.get(builder)
    assert page.content.decode().count('class="builder-badge">Single choice') == 15


def test_another_instructor_s_quiz_builder_does_not_exist(client, quiz):
    client.force_login(InstructorFactory())
    assert client.get(reverse("admin:quizzes_quiz_builder", args=[quiz.pk])).status_code == 404
