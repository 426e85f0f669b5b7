"""Quiz admin: choice validation, item analysis, corrections, instructor scoping."""

import pytest

from accounts import services as account_services
from accounts.models import User
from accounts.tests.factories import AdminFactory
from quizzes import services
from quizzes.models import Attempt, Choice, Regrade
from quizzes.tests.conftest import right_answers
from quizzes.tests.factories import QuizFactory

pytestmark = pytest.mark.django_db


def _instructor(quiz):
    instructor = quiz.course.instructors.first()
    account_services.user_set_role(user=instructor, role=User.Role.INSTRUCTOR)
    return instructor


def _question_form(quiz, kind, choices):
    data = {
        "quiz": quiz.pk, "kind": kind, "position": 1, "prompt": "Pick", "points": "1", "explanation": "",
        "accepted_answers": "[]", "numeric_tolerance": "0",
        "choices-TOTAL_FORMS": str(len(choices)), "choices-INITIAL_FORMS": "0",
        "choices-MIN_NUM_FORMS": "0", "choices-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for i, (text, correct) in enumerate(choices):
        data[f"choices-{i}-text"] = text
        data[f"choices-{i}-position"] = str(i)
        if correct:
            data[f"choices-{i}-is_correct"] = "on"
    return data


@pytest.mark.parametrize(
    ("kind", "choices", "ok"),
    [
        ("single", [("a", True), ("b", False)], True),
        ("single", [("a", True), ("b", True)], False),
        ("single", [("a", False), ("b", False)], False),
        ("multiple", [("a", True), ("b", True), ("c", False)], True),
        ("multiple", [("a", False), ("b", False)], False),
        ("single", [("a", True)], False),
    ],
)
def test_question_admin_validates_the_choices(client, kind, choices, ok):
    quiz = QuizFactory()
    client.force_login(AdminFactory())
    response = client.post("/admin/quizzes/question/add/", _question_form(quiz, kind, choices))
    assert (response.status_code == 302) is ok
    assert quiz.questions.exists() is ok


def test_instructor_sees_only_their_quizzes_and_attempts(client, quiz, learner):
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    other = QuizFactory()
    client.force_login(_instructor(quiz))
    quizzes = client.get("/admin/quizzes/quiz/")
    assert list(quizzes.context["cl"].result_list) == [quiz]
    assert client.get(f"/admin/quizzes/quiz/{other.pk}/change/").status_code == 302  # not found → admin index
    attempts = client.get("/admin/quizzes/attempt/")
    assert list(attempts.context["cl"].result_list) == [attempt]


def test_item_analysis_on_the_quiz_page(client, quiz, learner):
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    services.attempt_save_answers(attempt=attempt, answers=right_answers(attempt))
    services.attempt_submit(attempt=attempt)
    client.force_login(_instructor(quiz))
    page = client.get(f"/admin/quizzes/quiz/{quiz.pk}/change/")
    assert page.status_code == 200
    assert b"Discrimination" in page.content
    assert b"100.0" in page.content


def test_regrade_action_previews_then_queues(client, quiz, learner, django_capture_on_commit_callbacks):
    question = quiz.questions.get(kind="single")
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    services.attempt_save_answers(
        attempt=attempt, answers={question.pk: {"choice": question.choices.get(text="wrong").pk}}
    )
    services.attempt_submit(attempt=attempt)
    Choice.objects.filter(question=question).update(is_correct=False)
    Choice.objects.filter(question=question, text="wrong").update(is_correct=True)
    client.force_login(_instructor(quiz))
    data = {"action": "regrade_attempts", "_selected_action": [question.pk]}
    preview = client.post("/admin/quizzes/question/", data)
    assert preview.status_code == 200
    assert b"1 attempt(s) change" in preview.content
    assert not Regrade.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post("/admin/quizzes/question/", {**data, "confirm": "yes"})
    assert done.status_code == 302
    regrade = Regrade.objects.get()
    assert regrade.finished_at is not None  # tasks run inline in tests
    assert Attempt.objects.get(pk=attempt.pk).score == 1


def test_attempts_csv_export(client, quiz, learner):
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    services.attempt_submit(attempt=attempt)
    client.force_login(AdminFactory())
    response = client.post("/admin/quizzes/attempt/", {"action": "export_csv", "_selected_action": [attempt.pk]})
    assert response["Content-Type"].startswith("text/csv")
    assert learner.email in response.content.decode()


def test_item_analysis_counts_an_unanswered_question_as_wrong(quiz, learner):
    """Two learners saw every question; one answered them all right, the other answered
    nothing: each question is 50 % correct, with one attempt that left it unanswered (not
    100 % correct over the one answer given)."""
    from accounts.tests.factories import UserFactory
    from enrollments.models import Enrollment
    from quizzes import selectors

    answered, _ = services.attempt_start(user=learner, quiz=quiz)
    services.attempt_save_answers(attempt=answered, answers=right_answers(answered))
    services.attempt_submit(attempt=answered)
    silent_learner = UserFactory()
    Enrollment.objects.create(user=silent_learner, course=quiz.course, enrolled_at=answered.started_at)
    silent, _ = services.attempt_start(user=silent_learner, quiz=quiz)
    services.attempt_submit(attempt=silent)

    rows = selectors.item_analysis(quiz)
    assert rows and all(r["attempts"] == 2 for r in rows)
    assert all(r["unanswered"] == 1 for r in rows)
    assert all(r["percent_correct"] == 50.0 for r in rows)
