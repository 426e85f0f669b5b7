"""Quizzes, questions and choices through the API: the admin's rules (quizzes.services),
the course's scope, one atomic request per reorder."""

import pytest

from accounts.tests.factories import UserFactory
from courses.models import Lesson, Module
from courses.tests.factories import InstructorFactory
from enrollments.models import CourseRequirement
from quizzes import services
from quizzes.models import Choice, Question, Quiz
from quizzes.tests.factories import published_course, single

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return InstructorFactory()


@pytest.fixture
def course(owner):
    return published_course(instructor=owner)


@pytest.fixture
def client(api_client, owner):
    api_client.force_authenticate(owner)
    return api_client


@pytest.fixture
def quiz(course):
    return Quiz.objects.create(module=course.modules.first(), title="Check")


SINGLE = {
    "kind": "single",
    "prompt": "2 + 2?",
    "choices": [{"text": "3"}, {"text": "4", "is_correct": True}, {"text": "5"}],
}


def test_a_quiz_is_created_on_a_module_and_becomes_a_requirement(client, course):
    module = course.modules.first()
    response = client.post("/api/v1/quizzes/", {"module": module.pk, "title": "Final", "pass_mark": 80}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["course"], body["module"], body["lesson"], body["pass_mark"]) == (course.slug, module.pk, None, 80)
    assert CourseRequirement.objects.filter(course=course, key=f"quiz:{body['id']}").exists()


def test_a_retried_quiz_creation_with_the_same_key_creates_one_quiz(client, course):
    body = {"module": course.modules.first().pk, "title": "Once"}
    first = client.post("/api/v1/quizzes/", body, format="json", HTTP_IDEMPOTENCY_KEY="quiz-once")
    again = client.post("/api/v1/quizzes/", body, format="json", HTTP_IDEMPOTENCY_KEY="quiz-once")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert Quiz.objects.filter(title="Once").count() == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"title": "Nowhere"}, "module"),
        ({"title": "Both", "module": "M", "lesson": "L"}, "module"),
        ({"title": "Bad mark", "module": "M", "pass_mark": 101}, "pass_mark"),
        ({"title": "", "module": "M"}, "title"),
        ({"title": "Zero", "module": "M", "time_limit_minutes": 0}, "time_limit_minutes"),
        ({"title": "x\x00y", "module": "M"}, "title"),
    ],
)
def test_a_bad_quiz_is_a_400_naming_the_field(client, course, body, field):
    ids = {"M": course.modules.first().pk, "L": Lesson.objects.filter(course=course).first().pk}
    body = {k: ids.get(v, v) if k in ("module", "lesson") else v for k, v in body.items()}
    response = client.post("/api/v1/quizzes/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Quiz.objects.exists()


def test_a_quiz_cannot_be_put_in_a_course_one_does_not_teach(api_client, course):
    api_client.force_authenticate(InstructorFactory())
    response = api_client.post(
        "/api/v1/quizzes/", {"module": course.modules.first().pk, "title": "Mine"}, format="json"
    )
    assert response.status_code == 403
    assert not Quiz.objects.exists()


def test_a_quiz_moves_to_a_lesson_of_its_course_but_not_elsewhere(client, course, quiz, owner):
    lesson = Lesson.objects.get(course=course)
    response = client.patch(f"/api/v1/quizzes/{quiz.pk}/", {"lesson": lesson.pk, "is_required": False}, format="json")
    assert response.status_code == 200, response.content
    quiz.refresh_from_db()
    assert (quiz.lesson_id, quiz.module_id, quiz.is_required) == (lesson.pk, None, False)
    assert not CourseRequirement.objects.filter(course=course, key=f"quiz:{quiz.pk}").exists()
    other = published_course(instructor=owner)
    response = client.patch(f"/api/v1/quizzes/{quiz.pk}/", {"module": other.modules.first().pk}, format="json")
    assert response.status_code == 400
    assert Quiz.objects.get(pk=quiz.pk).course_id == course.pk


def test_a_quiz_with_attempts_is_not_deleted_409_one_without_is(client, course, quiz):
    single(quiz)
    learner = UserFactory()
    from enrollments import services as enrollment_services

    enrollment_services.enrollment_create(user=learner, course=course)
    services.attempt_start(user=learner, quiz=quiz)
    response = client.delete(f"/api/v1/quizzes/{quiz.pk}/")
    assert response.status_code == 409
    assert response.json()["code"] == "quiz_attempted"
    fresh = Quiz.objects.create(module=course.modules.first(), title="Unused")
    assert client.delete(f"/api/v1/quizzes/{fresh.pk}/").status_code == 204
    assert not Quiz.objects.filter(pk=fresh.pk).exists()


def test_a_single_choice_question_is_added_with_its_choices_in_order(client, quiz):
    response = client.post(f"/api/v1/quizzes/{quiz.pk}/questions/", SINGLE, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(c["text"], c["is_correct"], c["position"]) for c in body["choices"]] == [
        ("3", False, 1), ("4", True, 2), ("5", False, 3),
    ]  # fmt: skip
    assert body["position"] == 1
    second = client.post(f"/api/v1/quizzes/{quiz.pk}/questions/", {**SINGLE, "prompt": "3 + 3?"}, format="json")
    assert second.json()["position"] == 2


@pytest.mark.parametrize(
    "body, field",
    [
        ({**SINGLE, "choices": [{"text": "a", "is_correct": True}]}, "choices"),
        ({**SINGLE, "choices": [{"text": "a", "is_correct": True}, {"text": "b", "is_correct": True}]}, "choices"),
        ({"kind": "multiple", "prompt": "p", "choices": [{"text": "a"}, {"text": "b"}]}, "choices"),
        ({"kind": "true_false", "prompt": "p"}, "correct_bool"),
        ({"kind": "numeric", "prompt": "p"}, "numeric_value"),
        ({"kind": "short_text", "prompt": "p", "accepted_answers": ["  "]}, "accepted_answers"),
        ({"kind": "short_text", "prompt": "p", "accepted_answers": "Paris"}, "accepted_answers"),
        ({"kind": "essay", "prompt": "p"}, "kind"),
        ({**SINGLE, "points": 0}, "points"),
        ({**SINGLE, "choices": [{"text": "a" * 501, "is_correct": True}, {"text": "b"}]}, "choices"),
    ],
)
def test_a_question_that_breaks_its_kind_s_rules_is_a_400_and_nothing_is_saved(client, quiz, body, field):
    response = client.post(f"/api/v1/quizzes/{quiz.pk}/questions/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Question.objects.exists()
    assert not Choice.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "true_false", "prompt": "The sky is blue.", "correct_bool": True},
        {"kind": "numeric", "prompt": "Pi?", "numeric_value": "3.14", "numeric_tolerance": "0.01"},
        {"kind": "short_text", "prompt": "Capital of France?", "accepted_answers": ["Paris"]},
        {"kind": "multiple", "prompt": "Primes?", "choices": [{"text": "2", "is_correct": True}, {"text": "4"}]},
    ],
)
def test_each_kind_of_question_is_added_with_its_own_key(client, quiz, body):
    response = client.post(f"/api/v1/quizzes/{quiz.pk}/questions/", body, format="json")
    assert response.status_code == 201, response.content
    question = Question.objects.get()
    assert question.kind == body["kind"]
    assert response.json()["prompt_html"].startswith("<p>")


def test_the_key_moves_from_one_choice_to_another_in_one_request(client, quiz):
    question = client.post(f"/api/v1/quizzes/{quiz.pk}/questions/", SINGLE, format="json").json()
    three, four, five = question["choices"]
    response = client.patch(
        f"/api/v1/questions/{question['id']}/",
        {"choices": [{"id": five["id"], "text": "5", "is_correct": True}, {"id": four["id"], "text": "four"}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    choices = response.json()["choices"]
    assert [(c["id"], c["text"], c["is_correct"]) for c in choices] == [
        (five["id"], "5", True),
        (four["id"], "four", False),
    ]
    assert not Choice.objects.filter(pk=three["id"]).exists()


def test_a_choice_of_another_question_cannot_be_taken_over(client, quiz):
    mine = client.post(f"/api/v1/quizzes/{quiz.pk}/questions/", SINGLE, format="json").json()
    theirs = client.post(f"/api/v1/quizzes/{quiz.pk}/questions/", {**SINGLE, "prompt": "other"}, format="json").json()
    response = client.patch(
        f"/api/v1/questions/{mine['id']}/",
        {"choices": [{"id": theirs["choices"][0]["id"], "text": "stolen", "is_correct": True}, {"text": "b"}]},
        format="json",
    )
    assert response.status_code == 400
    assert Choice.objects.get(pk=theirs["choices"][0]["id"]).text == "3"


def test_changing_the_kind_is_checked_against_the_choices_it_keeps(client, quiz):
    question = client.post(
        f"/api/v1/quizzes/{quiz.pk}/questions/",
        {
            "kind": "multiple",
            "prompt": "p",
            "choices": [{"text": "a", "is_correct": True}, {"text": "b", "is_correct": True}],
        },
        format="json",
    ).json()
    response = client.patch(f"/api/v1/questions/{question['id']}/", {"kind": "single"}, format="json")
    assert response.status_code == 400
    assert Question.objects.get(pk=question["id"]).kind == "multiple"


def test_questions_are_reordered_in_one_request_and_a_stale_order_is_refused(client, quiz):
    ids = [
        client.post(f"/api/v1/quizzes/{quiz.pk}/questions/", {**SINGLE, "prompt": f"Q{i}"}, format="json").json()["id"]
        for i in range(3)
    ]
    response = client.put(f"/api/v1/quizzes/{quiz.pk}/questions/order/", {"order": ids[::-1]}, format="json")
    assert response.status_code == 200
    assert [q["id"] for q in response.json()] == ids[::-1]
    assert (
        client.put(f"/api/v1/quizzes/{quiz.pk}/questions/order/", {"order": ids[:2]}, format="json").status_code == 400
    )
    assert list(quiz.questions.order_by("position").values_list("pk", flat=True)) == ids[::-1]


def test_a_question_is_duplicated_right_after_itself_with_its_choices(client, quiz):
    ids = [
        client.post(f"/api/v1/quizzes/{quiz.pk}/questions/", {**SINGLE, "prompt": f"Q{i}"}, format="json").json()["id"]
        for i in range(2)
    ]
    response = client.post(f"/api/v1/questions/{ids[0]}/duplicate/")
    assert response.status_code == 201, response.content
    copy = response.json()
    assert copy["prompt"] == "Q0"
    assert [c["text"] for c in copy["choices"]] == ["3", "4", "5"]
    order = list(quiz.questions.order_by("position", "id").values_list("pk", flat=True))
    assert order == [ids[0], copy["id"], ids[1]]


def test_a_question_is_deleted(client, quiz):
    question = client.post(f"/api/v1/quizzes/{quiz.pk}/questions/", SINGLE, format="json").json()
    assert client.delete(f"/api/v1/questions/{question['id']}/").status_code == 204
    assert not Question.objects.exists()


def test_the_question_list_reads_the_keys_in_two_queries_whatever_its_length(
    client, quiz, django_assert_max_num_queries
):
    for i in range(12):
        single(quiz, correct=f"right {i}")
    with django_assert_max_num_queries(8):  # session/auth, quiz with course, teaching, questions, choices
        response = client.get(f"/api/v1/quizzes/{quiz.pk}/questions/")
    assert len(response.json()) == 12
    assert all(len(q["choices"]) == 2 for q in response.json())


@pytest.mark.parametrize("who", ["learner", "other_instructor"])
def test_keys_and_edits_are_the_course_s_instructors_only(api_client, quiz, who):
    question = single(quiz)
    api_client.force_authenticate(UserFactory() if who == "learner" else InstructorFactory())
    calls = [
        api_client.get(f"/api/v1/quizzes/{quiz.pk}/questions/"),
        api_client.post(f"/api/v1/quizzes/{quiz.pk}/questions/", SINGLE, format="json"),
        api_client.put(f"/api/v1/quizzes/{quiz.pk}/questions/order/", {"order": [question.pk]}, format="json"),
        api_client.get(f"/api/v1/questions/{question.pk}/"),
        api_client.patch(f"/api/v1/questions/{question.pk}/", {"prompt": "x"}, format="json"),
        api_client.delete(f"/api/v1/questions/{question.pk}/"),
        api_client.post(f"/api/v1/questions/{question.pk}/duplicate/"),
        api_client.patch(f"/api/v1/quizzes/{quiz.pk}/", {"title": "x"}, format="json"),
        api_client.delete(f"/api/v1/quizzes/{quiz.pk}/"),
    ]
    assert [c.status_code for c in calls] == [403] * len(calls)
    assert Question.objects.count() == 1
    assert Quiz.objects.get(pk=quiz.pk).title == "Check"


def test_in_a_draft_course_the_quiz_and_its_questions_do_not_exist_for_others(api_client, course, quiz):
    question = single(quiz)
    course.status = "draft"
    course.save()
    api_client.force_authenticate(InstructorFactory())
    assert api_client.get(f"/api/v1/questions/{question.pk}/").status_code == 404
    assert api_client.get(f"/api/v1/quizzes/{quiz.pk}/questions/").status_code == 404
    assert (
        api_client.post(
            "/api/v1/quizzes/", {"module": Module.objects.get(course=course).pk, "title": "x"}, format="json"
        ).status_code
        == 404
    )
