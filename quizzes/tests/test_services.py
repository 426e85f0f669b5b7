"""Attempt lifecycle rules on the database."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from accounts.tests.factories import UserFactory
from enrollments.models import Enrollment, RequirementCompletion
from lms import metrics
from lms.exceptions import ConflictError, PermissionDeniedError
from lms.tests.helpers import run_at_once
from quizzes import services
from quizzes.models import Attempt, Choice, Question
from quizzes.tests.conftest import right_answers
from quizzes.tests.factories import QuizFactory, single

pytestmark = pytest.mark.django_db


def test_only_enrolled_learners_and_instructors_may_start(quiz, learner):
    with pytest.raises(PermissionDeniedError):
        services.attempt_start(user=UserFactory(), quiz=quiz)
    attempt, created = services.attempt_start(user=learner, quiz=quiz)
    assert created and attempt.counts
    instructor = quiz.course.instructors.first()
    own_try, _ = services.attempt_start(user=instructor, quiz=quiz)
    assert own_try.counts is False


def test_starting_again_returns_the_attempt_in_progress(quiz, learner):
    first, created = services.attempt_start(user=learner, quiz=quiz)
    again, created_again = services.attempt_start(user=learner, quiz=quiz)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert again.paper == first.paper  # a reload shows the same paper


def test_max_attempts_is_enforced(quiz, learner):
    quiz.max_attempts = 2
    quiz.save()
    for _ in range(2):
        attempt, _ = services.attempt_start(user=learner, quiz=quiz)
        services.attempt_submit(attempt=attempt)
    with pytest.raises(ConflictError) as refused:
        services.attempt_start(user=learner, quiz=quiz)
    assert refused.value.code == "attempt_limit_reached"


def test_instructor_attempts_do_not_use_up_the_limit(quiz):
    quiz.max_attempts = 1
    quiz.save()
    instructor = quiz.course.instructors.first()
    for _ in range(3):
        attempt, _ = services.attempt_start(user=instructor, quiz=quiz)
        services.attempt_submit(attempt=attempt)
    assert Attempt.objects.filter(user=instructor, counts=False).count() == 3


def test_full_marks_pass_and_count_toward_completion(quiz, learner, django_capture_on_commit_callbacks):
    before = metrics.QUIZ_SUBMISSIONS.labels(passed="true")._value.get()
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    services.attempt_save_answers(attempt=attempt, answers=right_answers(attempt))
    with django_capture_on_commit_callbacks(execute=True):
        result = services.attempt_submit(attempt=attempt)
    assert (result.score, result.max_score, result.percent, result.passed) == (
        Decimal(6),
        Decimal(6),
        Decimal("100.00"),
        True,
    )
    assert RequirementCompletion.objects.filter(enrollment__user=learner, key=f"quiz:{quiz.pk}").exists()
    assert metrics.QUIZ_SUBMISSIONS.labels(passed="true")._value.get() == before + 1


def test_failing_below_the_pass_mark(quiz, learner):
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    answers = right_answers(attempt)
    keep = [q["id"] for q in attempt.paper if q["kind"] in ("single", "true_false")]
    services.attempt_save_answers(attempt=attempt, answers={k: v for k, v in answers.items() if k in keep})
    result = services.attempt_submit(attempt=attempt)
    assert result.score == Decimal(2)
    assert result.passed is False
    assert not RequirementCompletion.objects.exists()


def test_submitting_twice_returns_the_same_result(quiz, learner):
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    services.attempt_save_answers(attempt=attempt, answers=right_answers(attempt))
    first = services.attempt_submit(attempt=attempt)
    later = services.attempt_submit(attempt=attempt, now=timezone.now() + timedelta(hours=1))
    assert (later.score, later.submitted_at, later.passed) == (first.score, first.submitted_at, first.passed)


def test_answers_after_the_deadline_are_refused_and_late_submit_is_graded_as_of_the_deadline(quiz, learner):
    quiz.time_limit_minutes = 10
    quiz.save()
    start = timezone.now()
    attempt, _ = services.attempt_start(user=learner, quiz=quiz, now=start)
    answers = right_answers(attempt)
    first_id = attempt.paper[0]["id"]
    services.attempt_save_answers(
        attempt=attempt, answers={first_id: answers[first_id]}, now=start + timedelta(minutes=5)
    )
    with pytest.raises(ConflictError) as refused:
        services.attempt_save_answers(attempt=attempt, answers=answers, now=start + timedelta(minutes=11))
    assert refused.value.code == "deadline_passed"
    result = services.attempt_submit(attempt=attempt, now=start + timedelta(hours=2))
    assert result.submitted_at == attempt.deadline
    assert result.score == Decimal(attempt.paper[0]["points"])  # only what was saved in time


def test_overdue_sweep_grades_open_attempts_once(quiz, learner):
    quiz.time_limit_minutes = 5
    quiz.save()
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    assert services.attempts_close_overdue() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert services.attempts_close_overdue() == 1
        assert services.attempts_close_overdue() == 0  # beat running twice changes nothing
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED
    assert attempt.submitted_at == attempt.deadline


def test_starting_after_an_overdue_attempt_grades_it_first(quiz, learner):
    quiz.time_limit_minutes = 5
    quiz.save()
    first, _ = services.attempt_start(user=learner, quiz=quiz)
    with time_machine.travel(timezone.now() + timedelta(minutes=30)):
        second, created = services.attempt_start(user=learner, quiz=quiz)
    first.refresh_from_db()
    assert created and second.number == 2
    assert first.status == Attempt.Status.SUBMITTED


def test_saving_a_question_not_on_the_paper_is_refused(quiz, learner):
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    other = single(QuizFactory())
    with pytest.raises(ConflictError):
        services.attempt_save_answers(attempt=attempt, answers={other.pk: {"choice": 1}})


def test_paper_draws_the_configured_number_of_questions(quiz, learner):
    quiz.questions_per_attempt = 3
    quiz.shuffle_questions = True
    quiz.save()
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    ids = [q["id"] for q in attempt.paper]
    assert len(ids) == len(set(ids)) == 3
    assert set(ids) <= set(quiz.questions.values_list("pk", flat=True))


def test_editing_a_question_never_changes_an_old_result(quiz, learner):
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    services.attempt_save_answers(attempt=attempt, answers=right_answers(attempt))
    result = services.attempt_submit(attempt=attempt)
    question = quiz.questions.get(kind="single")
    Choice.objects.filter(question=question).update(is_correct=False)
    Choice.objects.filter(question=question, text="wrong").update(is_correct=True)
    result.refresh_from_db()
    assert result.score == Decimal(6)


def test_regrade_applies_a_corrected_key_and_completes_newly_passing_learners(quiz, learner):
    quiz.pass_mark = 100
    quiz.save()
    question = quiz.questions.get(kind="single")
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    answers = right_answers(attempt)
    answers[question.pk] = {"choice": question.choices.get(text="wrong").pk}  # wrong under the old key
    services.attempt_save_answers(attempt=attempt, answers=answers)
    assert services.attempt_submit(attempt=attempt).passed is False

    # The instructor finds the key was wrong.
    Choice.objects.filter(question=question).update(is_correct=False)
    Choice.objects.filter(question=question, text="wrong").update(is_correct=True)
    preview = services.regrade_preview(question=question)
    assert (preview["attempts_changed"], preview["newly_passing"]) == (1, 1)
    instructor = quiz.course.instructors.first()
    regrade = services.regrade_request(question=question, requested_by=instructor)
    regrade = services.regrade_run(regrade_id=regrade.pk)
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (Decimal(6), True)
    assert regrade.attempts_changed == 1 and regrade.finished_at is not None
    assert RequirementCompletion.objects.filter(key=f"quiz:{quiz.pk}", enrollment__user=learner).exists()
    assert services.regrade_run(regrade_id=regrade.pk).attempts_changed == 1  # a second run changes nothing


def test_drop_and_credit_all_corrections(quiz, learner):
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    services.attempt_submit(attempt=attempt)  # blank paper: 0 / 6
    question = quiz.questions.get(kind="multiple")
    Question.objects.filter(pk=question.pk).update(credit_all=True)
    question.refresh_from_db()
    regrade = services.regrade_run(regrade_id=services.regrade_request(question=question, requested_by=learner).pk)
    attempt.refresh_from_db()
    assert (attempt.score, attempt.max_score) == (Decimal(2), Decimal(6))
    Question.objects.filter(pk=question.pk).update(credit_all=False, dropped=True)
    question.refresh_from_db()
    services.regrade_run(regrade_id=services.regrade_request(question=question, requested_by=learner).pk)
    attempt.refresh_from_db()
    assert (attempt.score, attempt.max_score) == (Decimal(0), Decimal(4))
    assert regrade.requested_by == learner


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_starts_never_exceed_max_attempts(quiz, learner):
    quiz.max_attempts = 1
    quiz.save()

    def start():
        try:
            attempt, created = services.attempt_start(user=learner, quiz=quiz)
        except ConflictError:
            return "refused"
        services.attempt_submit(attempt=attempt)
        return "created" if created else "resumed"

    outcomes = run_at_once([start] * 8)
    assert set(outcomes) <= {"created", "resumed", "refused"}, outcomes
    assert Attempt.objects.filter(user=learner, quiz=quiz).count() == 1
    assert outcomes.count("created") == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_submits_grade_once(quiz, learner):
    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    services.attempt_save_answers(attempt=attempt, answers=right_answers(attempt))
    results = [r.submitted_at if not isinstance(r, Exception) else r for r in run_at_once(
        [lambda: services.attempt_submit(attempt=attempt)] * 6
    )]  # fmt: skip
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == 1
    assert RequirementCompletion.objects.filter(enrollment__user=learner).count() == 1
    assert Enrollment.objects.get(user=learner).requirements.count() == 1


def test_submit_stores_each_answers_points_and_correctness(quiz, learner):
    from quizzes.models import Answer

    attempt, _ = services.attempt_start(user=learner, quiz=quiz)
    answers = right_answers(attempt)
    wrong_id = next(q["id"] for q in attempt.paper if q["kind"] == "true_false")
    answers[wrong_id] = {"value": False}  # the key is True
    services.attempt_save_answers(attempt=attempt, answers=answers)
    attempt = services.attempt_submit(attempt=attempt)
    stored = {a.question_id_snapshot: (a.points_awarded, a.is_correct) for a in Answer.objects.filter(attempt=attempt)}
    assert stored.pop(wrong_id) == (Decimal(0), False)
    assert len(stored) == 4 and all(correct is True and points > 0 for points, correct in stored.values()), stored
    assert sum(points for points, _ in stored.values()) == attempt.score
