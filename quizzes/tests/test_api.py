"""Quiz API: no answer leaks before submission, review as the policy allows, other
people's attempts are 404."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.tests.factories import AdminFactory, UserFactory
from quizzes.models import Attempt, Quiz
from quizzes.tests.conftest import right_answers
from quizzes.tests.factories import QuizFactory, single

pytestmark = pytest.mark.django_db

LEAKS = (
    "is_correct",
    "correct_bool",
    "accepted_answers",
    "numeric_value",
    "numeric_tolerance",
    "explanation",
    "Paris",
    "correct_answer",
)


def _assert_no_leak(payload) -> None:
    """No key material anywhere; the learner's own responses are left out of the check."""
    if isinstance(payload, dict) and "questions" in payload:
        payload = {
            **payload,
            "questions": [{k: v for k, v in q.items() if k != "response"} for q in payload["questions"]],
        }
    raw = json.dumps(payload)
    for marker in LEAKS:
        assert marker not in raw, f"{marker} leaked: {raw[:300]}"


def _client(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def test_quiz_detail_shows_rules_and_standing_but_no_questions(api_client, quiz, learner):
    body = _client(api_client, learner).get(f"/api/v1/quizzes/{quiz.pk}/").json()
    assert body["question_count"] == 5
    assert (body["attempts_used"], body["best_percent"], body["passed"]) == (0, None, False)
    assert "questions" not in body
    _assert_no_leak(body)


def test_no_key_leaks_in_any_response_before_submission(api_client, quiz, learner):
    client = _client(api_client, learner)
    started = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/")
    assert started.status_code == 201
    _assert_no_leak(started.json())
    attempt = Attempt.objects.get(pk=started.json()["id"])
    resumed = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/")
    assert resumed.status_code == 200 and resumed.json()["id"] == attempt.pk
    _assert_no_leak(resumed.json())
    _assert_no_leak(client.get(f"/api/v1/attempts/{attempt.pk}/").json())
    saved = client.patch(f"/api/v1/attempts/{attempt.pk}/", {"answers": right_answers(attempt)}, format="json")
    assert saved.status_code == 200
    _assert_no_leak(saved.json())
    _assert_no_leak(client.get(f"/api/v1/quizzes/{quiz.pk}/attempts/").json())


def test_submit_returns_score_and_review_when_allowed(api_client, quiz, learner):
    client = _client(api_client, learner)
    attempt_id = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()["id"]
    attempt = Attempt.objects.get(pk=attempt_id)
    client.patch(f"/api/v1/attempts/{attempt_id}/", {"answers": right_answers(attempt)}, format="json")
    result = client.post(f"/api/v1/attempts/{attempt_id}/submit/").json()
    assert (result["percent"], result["passed"], result["review_available"]) == ("100.00", True, True)
    assert all(q["review"]["is_correct"] for q in result["questions"])
    again = client.post(f"/api/v1/attempts/{attempt_id}/submit/").json()
    assert again["submitted_at"] == result["submitted_at"]
    # The answer is built from the attempt as graded in the submit, not read back: it must
    # be what the attempt, read back, says (and so must a repeated submit).
    stored = client.get(f"/api/v1/attempts/{attempt_id}/").json()
    assert result == stored == again


@pytest.mark.parametrize("answered", ["none", "one_right"])
def test_the_first_submit_answer_is_byte_for_byte_the_later_reads(api_client, quiz, learner, answered):
    """Decimals have one spelling: "0.00" on the first answer as on every read, never "0"."""
    client = _client(api_client, learner)
    attempt_id = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()["id"]
    if answered == "one_right":
        attempt = Attempt.objects.get(pk=attempt_id)
        first = dict([next(iter(right_answers(attempt).items()))])
        client.patch(f"/api/v1/attempts/{attempt_id}/", {"answers": first}, format="json")
    submitted = client.post(f"/api/v1/attempts/{attempt_id}/submit/")
    read = client.get(f"/api/v1/attempts/{attempt_id}/")
    resubmitted = client.post(f"/api/v1/attempts/{attempt_id}/submit/")
    assert submitted.content == read.content == resubmitted.content
    body = submitted.json()
    assert body["score"] == ("0.00" if answered == "none" else "1.00") and body["max_score"] == "6.00"
    assert all(q["review"]["points_awarded"].count(".") == 1 for q in body["questions"])


def test_review_policy_never_hides_answers_after_submission(api_client, quiz, learner):
    Quiz.objects.filter(pk=quiz.pk).update(review_policy=Quiz.ReviewPolicy.NEVER)
    client = _client(api_client, learner)
    attempt_id = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()["id"]
    result = client.post(f"/api/v1/attempts/{attempt_id}/submit/").json()
    assert result["review_available"] is False
    _assert_no_leak(result["questions"])


def test_review_after_final_waits_for_the_last_attempt_or_a_pass(api_client, quiz, learner):
    Quiz.objects.filter(pk=quiz.pk).update(review_policy=Quiz.ReviewPolicy.AFTER_FINAL, max_attempts=2)
    client = _client(api_client, learner)
    first = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()["id"]
    failed = client.post(f"/api/v1/attempts/{first}/submit/").json()
    assert failed["review_available"] is False
    second = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()["id"]
    last = client.post(f"/api/v1/attempts/{second}/submit/").json()
    assert last["review_available"] is True
    assert client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").status_code == 409


def test_other_learners_attempts_are_404(api_client, quiz, learner):
    attempt_id = _client(api_client, learner).post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()["id"]
    intruder = UserFactory()
    client = _client(api_client, intruder)
    assert client.get(f"/api/v1/attempts/{attempt_id}/").status_code == 404
    assert client.patch(f"/api/v1/attempts/{attempt_id}/", {"answers": {}}, format="json").status_code == 404
    assert client.post(f"/api/v1/attempts/{attempt_id}/submit/").status_code == 404


def test_instructor_sees_learner_attempt_with_review_but_cannot_answer_it(api_client, quiz, learner):
    attempt_id = _client(api_client, learner).post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()["id"]
    instructor = quiz.course.instructors.first()
    client = _client(api_client, instructor)
    assert client.get(f"/api/v1/attempts/{attempt_id}/").status_code == 200
    assert client.post(f"/api/v1/attempts/{attempt_id}/submit/").status_code == 404
    other_instructor_course_quiz = QuizFactory()
    assert (
        _client(api_client, other_instructor_course_quiz.course.instructors.first())
        .get(f"/api/v1/attempts/{attempt_id}/")
        .status_code
        == 404
    )


def test_unenrolled_learner_cannot_start(api_client, quiz):
    response = _client(api_client, UserFactory()).post(f"/api/v1/quizzes/{quiz.pk}/attempts/")
    assert response.status_code == 403
    assert response.json()["code"] == "not_enrolled"


def test_quiz_of_a_draft_course_is_404(api_client):
    quiz = QuizFactory()
    single(quiz)
    quiz.course.status = "draft"
    quiz.course.save()
    assert _client(api_client, UserFactory()).get(f"/api/v1/quizzes/{quiz.pk}/").status_code == 404
    api_client.force_authenticate(None)
    assert api_client.get(f"/api/v1/quizzes/{quiz.pk}/").status_code == 404


def test_saving_after_the_deadline_is_409(api_client, quiz, learner):
    Quiz.objects.filter(pk=quiz.pk).update(time_limit_minutes=1)
    client = _client(api_client, learner)
    body = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()
    assert 0 < body["seconds_left"] <= 60
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        response = client.patch(f"/api/v1/attempts/{body['id']}/", {"answers": {}}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "deadline_passed"


@pytest.mark.parametrize(
    "payload",
    [{"answers": "nope"}, {"answers": {"abc": {"choice": 1}}}, {"answers": {"999999": {"choice": 1}}}, {}],
)
def test_bad_answer_payloads_are_4xx(api_client, quiz, learner, payload):
    client = _client(api_client, learner)
    attempt_id = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()["id"]
    response = client.patch(f"/api/v1/attempts/{attempt_id}/", payload, format="json")
    assert response.status_code in (400, 409)


def test_staff_sees_every_attempt(api_client, quiz, learner):
    attempt_id = _client(api_client, learner).post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()["id"]
    assert _client(api_client, AdminFactory()).get(f"/api/v1/attempts/{attempt_id}/").status_code == 200


def test_attempt_view_runs_a_constant_number_of_queries(api_client, learner, quiz, django_assert_max_num_queries):
    client = _client(api_client, learner)
    small = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()["id"]
    big_quiz = QuizFactory(module=quiz.module)
    for _ in range(40):
        single(big_quiz)
    big = client.post(f"/api/v1/quizzes/{big_quiz.pk}/attempts/").json()["id"]
    for attempt_id in (small, big):
        with django_assert_max_num_queries(12):
            assert client.get(f"/api/v1/attempts/{attempt_id}/").status_code == 200
