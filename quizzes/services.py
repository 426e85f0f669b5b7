"""Quiz rules: drawing a paper, starting, saving, submitting, grading, regrading.

The API, pages, admin and tasks call these functions; grading itself is quizzes.grading.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from courses import access
from enrollments import selectors as enrollment_selectors
from enrollments import services as enrollment_services
from lms import events, metrics, ordering
from lms.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from quizzes import grading, selectors, signals
from quizzes.errors import ErrorCode
from quizzes.models import Answer, Attempt, Choice, Question, Quiz, Regrade

logger = logging.getLogger(__name__)


def question_snapshot(
    question: Question,
    *,
    choice_order: list[int] | None = None,
    shuffle: bool = False,
    choices: Iterable[Choice] | None = None,
) -> dict:
    """The question as it is now, with its key: what an attempt stores and grades against.

    `choices`: the question's choices in order, when the caller holds them (the benchmark
    seeder, which writes rows without saving them); its own otherwise."""
    choices = [
        {"id": c.pk, "text": c.text, "is_correct": c.is_correct}
        for c in (question.choices.all() if choices is None else choices)
    ]
    if choice_order is not None:
        rank = {cid: i for i, cid in enumerate(choice_order)}
        choices.sort(key=lambda c: rank.get(c["id"], len(rank)))
    elif shuffle:
        random.SystemRandom().shuffle(choices)
    return {
        "id": question.pk,
        "kind": question.kind,
        "prompt_html": question.prompt_html,
        "explanation": question.explanation,
        "points": str(question.points),
        "choices": choices,
        "correct_bool": question.correct_bool,
        "accepted_answers": list(question.accepted_answers or []),
        "numeric_value": None if question.numeric_value is None else str(question.numeric_value),
        "numeric_tolerance": str(question.numeric_tolerance),
        "credit_all": question.credit_all,
        "dropped": question.dropped,
    }


def draw_paper(quiz: Quiz) -> list[dict]:
    questions = list(quiz.questions.prefetch_related("choices").order_by("position", "id"))
    rng = random.SystemRandom()
    if quiz.questions_per_attempt and quiz.questions_per_attempt < len(questions):
        picked = set(q.pk for q in rng.sample(questions, quiz.questions_per_attempt))
        questions = [q for q in questions if q.pk in picked]
    if quiz.shuffle_questions:
        rng.shuffle(questions)
    return [question_snapshot(q, shuffle=quiz.shuffle_choices) for q in questions]


def _counts_for(user, quiz: Quiz) -> bool:
    """Learners' attempts count; the course's instructors (and staff) try without counting."""
    return not access.can_edit_course(user, quiz.course)


def _ensure_can_take(user, quiz: Quiz) -> None:
    if access.can_edit_course(user, quiz.course):
        return
    if enrollment_selectors.seated_enrollment_for(user, course_id=quiz.course_id) is None:
        raise PermissionDeniedError("Enrol in this course to take its quizzes.", code=ErrorCode.NOT_ENROLLED)


@transaction.atomic
def attempt_start(*, user, quiz: Quiz, now: datetime | None = None) -> tuple[Attempt, bool]:
    """Start an attempt, or return the one in progress. (attempt, created)

    The user's row is locked while attempts are counted, so parallel starts can never
    exceed `max_attempts`; an overdue open attempt is graded first.
    """
    now = now or timezone.now()
    _ensure_can_take(user, quiz)
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    open_attempt = Attempt.objects.filter(user=user, quiz=quiz, status=Attempt.Status.IN_PROGRESS).first()
    if open_attempt is not None:
        if open_attempt.deadline is None or now <= open_attempt.deadline:
            return open_attempt, False
        attempt_submit(attempt=open_attempt, now=now)
    counts = _counts_for(user, quiz)
    allowance = selectors.allowance_for(user, quiz) if counts or quiz.time_limit_minutes else None
    if counts and allowance.max_attempts:
        used = Attempt.objects.filter(user=user, quiz=quiz, counts=True).count()
        if used >= allowance.max_attempts:
            raise ConflictError("You have used all your attempts at this quiz.", code=ErrorCode.ATTEMPT_LIMIT_REACHED)
    number = (Attempt.objects.filter(user=user, quiz=quiz).aggregate(n=Max("number"))["n"] or 0) + 1
    minutes = allowance.time_limit_minutes if allowance else None
    deadline = now + timedelta(minutes=minutes) if minutes else None
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                user=user,
                quiz=quiz,
                number=number,
                counts=counts,
                started_at=now,
                deadline=deadline,
                paper=draw_paper(quiz),
            )
    except IntegrityError as exc:  # another request opened one first (the constraint holds)
        existing = Attempt.objects.filter(user=user, quiz=quiz, status=Attempt.Status.IN_PROGRESS).first()
        if existing is None:
            raise ConflictError(
                "Another attempt is being started; try again.", code=ErrorCode.ATTEMPT_CONFLICT
            ) from exc
        return existing, False
    logger.info("attempt_started", extra={"attempt_id": attempt.pk, "quiz_id": quiz.pk})
    return attempt, True


def _question_map(attempt: Attempt) -> dict[int, dict]:
    return {q["id"]: q for q in attempt.paper}


@transaction.atomic
def attempt_save_answers(*, attempt: Attempt, answers: Mapping, now: datetime | None = None) -> Attempt:
    """Save (autosave) answers while the attempt is open and before its deadline."""
    now = now or timezone.now()
    attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        raise ConflictError("This attempt has been submitted.", code=ErrorCode.ATTEMPT_SUBMITTED)
    if attempt.deadline is not None and now > attempt.deadline:
        raise ConflictError("The time for this attempt is over.", code=ErrorCode.DEADLINE_PASSED)
    questions = _question_map(attempt)
    cleaned: dict[int, dict] = {}
    for key, response in answers.items():
        try:
            question_id = int(key)
        except (TypeError, ValueError):
            question_id = None
        if question_id not in questions:
            raise ConflictError("That question is not on this paper.", code=ErrorCode.UNKNOWN_QUESTION)
        cleaned[question_id] = grading.validate_response(questions[question_id], response)
    for question_id, response in cleaned.items():
        Answer.objects.update_or_create(
            attempt=attempt, question_id_snapshot=question_id, defaults={"response": response, "saved_at": now}
        )
    return attempt


def _grade_attempt(attempt: Attempt, answers: dict[int, Answer]) -> tuple[Decimal, Decimal, list[Answer]]:
    score, maximum, changed = Decimal(0), Decimal(0), []
    for question in attempt.paper:
        answer = answers.get(question["id"])
        points, correct = grading.grade(question, answer.response if answer else {})
        # Each question's points as stored (two places), so the score is their sum.
        points = points.quantize(grading.TWO_PLACES, rounding=ROUND_HALF_UP)
        score += points
        maximum += grading.max_points(question)
        if answer is not None:
            answer.points_awarded, answer.is_correct = points, correct
            changed.append(answer)
    # Kept as the database keeps them, so the attempt in hand reads as the one read back.
    places = grading.TWO_PLACES
    return score.quantize(places, rounding=ROUND_HALF_UP), maximum.quantize(places, rounding=ROUND_HALF_UP), changed


def _save_grades(answers: list[Answer]) -> None:
    """Write each answer's points and correctness: one statement run for every row
    (psycopg pipelines it), instead of bulk_update's CASE WHEN per row and field, whose
    expression building alone was a large part of a submit (docs/performance.md)."""
    if not answers:
        return
    connection = connections[router.db_for_write(Answer)]
    quote = connection.ops.quote_name
    table, points = quote(Answer._meta.db_table), quote(Answer._meta.get_field("points_awarded").column)
    correct = quote(Answer._meta.get_field("is_correct").column)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {points} = %s, {correct} = %s WHERE id = %s",  # noqa: S608  # nosec B608: names from the model
            [(a.points_awarded, a.is_correct, a.pk) for a in answers],
        )


def _percent(score: Decimal, maximum: Decimal) -> Decimal:
    if maximum <= 0:
        return Decimal(100)
    return (score * 100 / maximum).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def quiz_requirement_sync(*, quiz: Quiz, deleted: bool = False) -> None:
    """A required quiz is a requirement of its course (`quiz.requirement_key`); a quiz no
    longer required, moved to another course or deleted is no longer one where it was.
    Called whenever a quiz is saved or deleted (quizzes.receivers)."""
    enrollment_services.requirement_set(
        course_id=quiz.course_id, key=quiz.requirement_key, required=quiz.is_required and not deleted
    )


def _report_pass(attempt: Attempt) -> None:
    """A quiz passed is reported met, required or not: the outline shows it done, and it
    counts at once if the course requires it later."""
    quiz = attempt.quiz
    if attempt.passed and attempt.counts:
        enrollment_services.requirement_complete(user=attempt.user, course_id=quiz.course_id, key=quiz.requirement_key)
    if attempt.counts:
        signals.attempt_graded.send(sender=Attempt, user_id=attempt.user_id, course_id=quiz.course_id)


@transaction.atomic
def attempt_submit(*, attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Grade and close the attempt. Submitting again returns the same result. After the
    deadline the attempt counts as submitted at its deadline, with what was saved by then.
    The attempt returned carries its quiz, course and graded answers."""
    now = now or timezone.now()
    # Lock the attempt only: locking its quiz and user rows too (select_related) queued every
    # submit of the same quiz behind the one before it.
    # The answers come with it (graded in place), so the caller can answer with the
    # attempt returned instead of reading it again.
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("quiz__course", "user")
        .prefetch_related("answers")
        .get(pk=attempt.pk)
    )
    if attempt.status == Attempt.Status.SUBMITTED:
        return attempt
    answers = {a.question_id_snapshot: a for a in attempt.answers.all()}
    score, maximum, graded = _grade_attempt(attempt, answers)
    _save_grades(graded)
    attempt.status = Attempt.Status.SUBMITTED
    attempt.submitted_at = min(now, attempt.deadline) if attempt.deadline else now
    attempt.score, attempt.max_score = score, maximum
    attempt.percent = _percent(score, maximum)
    attempt.passed = attempt.percent >= attempt.quiz.pass_mark
    attempt.save(update_fields=["status", "submitted_at", "score", "max_score", "percent", "passed", "updated_at"])
    events.emit(
        "attempt.submitted",
        {
            "attempt_id": attempt.pk,
            "user_id": attempt.user_id,
            "quiz_id": attempt.quiz_id,
            "course_id": attempt.quiz.course_id,
            "number": attempt.number,
            "score": grading.decimal_text(attempt.score),
            "max_score": grading.decimal_text(attempt.max_score),
            "percent": grading.decimal_text(attempt.percent),
            "passed": attempt.passed,
            "counts": attempt.counts,
            "submitted_at": attempt.submitted_at.isoformat(),
        },
    )
    passed_label = "true" if attempt.passed else "false"
    transaction.on_commit(lambda: metrics.QUIZ_SUBMISSIONS.labels(passed=passed_label).inc())
    _report_pass(attempt)
    logger.info("attempt_submitted", extra={"attempt_id": attempt.pk, "passed": attempt.passed})
    return attempt


def attempts_close_overdue(*, now: datetime | None = None) -> int:
    """Grade every open attempt past its deadline (the beat sweep). Safe to run twice, and
    in parallel: each attempt is locked and graded once."""
    now = now or timezone.now()
    closed = 0
    overdue = Attempt.objects.filter(status=Attempt.Status.IN_PROGRESS, deadline__lt=now).values_list("pk", flat=True)
    for attempt_id in list(overdue[:1000]):
        with transaction.atomic():
            attempt = (
                Attempt.objects.select_for_update(skip_locked=True)
                .filter(pk=attempt_id, status=Attempt.Status.IN_PROGRESS)
                .first()
            )
            if attempt is not None:
                attempt_submit(attempt=attempt, now=now)
                closed += 1
    return closed


# --- corrections -----------------------------------------------------------------------------


def _regraded(attempt: Attempt, question: Question) -> tuple[list[dict], Decimal, Decimal, bool, list[Answer]]:
    paper = []
    for item in attempt.paper:
        if item["id"] == question.pk:
            item = question_snapshot(question, choice_order=[c["id"] for c in item["choices"]])
        paper.append(item)
    answers = {a.question_id_snapshot: a for a in attempt.answers.all()}
    probe = Attempt(paper=paper)
    score, maximum, graded = _grade_attempt(probe, answers)
    percent = _percent(score, maximum)
    return paper, score, maximum, percent >= attempt.quiz.pass_mark, graded


def regrade_preview(*, question: Question) -> dict:
    """What applying the question's current definition to past attempts would change."""
    changes = []
    attempts = Attempt.objects.filter(quiz=question.quiz, status=Attempt.Status.SUBMITTED).select_related("quiz")
    for attempt in attempts.prefetch_related("answers"):
        if not any(item["id"] == question.pk for item in attempt.paper):
            continue
        _paper, score, _maximum, passed, _answers = _regraded(attempt, question)
        if score != attempt.score or passed != attempt.passed:
            changes.append(
                {
                    "attempt": attempt.pk,
                    "old_score": grading.decimal_text(attempt.score),
                    "new_score": grading.decimal_text(score),
                    "old_passed": attempt.passed,
                    "new_passed": passed,
                }
            )
    return {
        "attempts_changed": len(changes),
        "newly_passing": sum(1 for c in changes if c["new_passed"] and not c["old_passed"]),
        "newly_failing": sum(1 for c in changes if c["old_passed"] and not c["new_passed"]),
        "changes": changes,
    }


def regrade_request(*, question: Question, requested_by) -> Regrade:
    """Record the correction and queue the regrade (run by quizzes.tasks.regrade_run)."""
    from quizzes import tasks

    with transaction.atomic():
        regrade = Regrade.objects.create(quiz=question.quiz, question=question, requested_by=requested_by)
        tasks.regrade_run.delay_on_commit(regrade.pk)
    return regrade


def regrade_run(*, regrade_id: int) -> Regrade:
    """Apply a recorded correction to every submitted attempt that had the question:
    new snapshot, scores and pass/fail; newly passing learners progress (and may complete
    the course). Newly failing ones keep what was already awarded. Runs once."""
    with transaction.atomic():
        regrade = Regrade.objects.select_for_update(of=("self",)).select_related("question", "quiz").get(pk=regrade_id)
        if regrade.finished_at is not None or regrade.question is None:
            return regrade
        question = Question.objects.prefetch_related("choices").get(pk=regrade.question_id)
        changes = []
        attempts = Attempt.objects.filter(quiz=regrade.quiz, status=Attempt.Status.SUBMITTED).select_related(
            "quiz", "user"
        )
        for attempt in attempts.select_for_update(of=("self",)).prefetch_related("answers"):
            if not any(item["id"] == question.pk for item in attempt.paper):
                continue
            paper, score, maximum, passed, graded = _regraded(attempt, question)
            _save_grades(graded)
            old_score, old_passed = attempt.score, attempt.passed
            attempt.paper, attempt.score, attempt.max_score = paper, score, maximum
            attempt.percent, attempt.passed = _percent(score, maximum), passed
            attempt.save(update_fields=["paper", "score", "max_score", "percent", "passed", "updated_at"])
            if old_score != score or old_passed != passed:
                changes.append(
                    {
                        "attempt": attempt.pk,
                        "old_score": grading.decimal_text(old_score),
                        "new_score": grading.decimal_text(score),
                        "new_passed": passed,
                    }
                )
            if passed and not old_passed:
                _report_pass(attempt)
        regrade.summary = {"changes": changes}
        regrade.attempts_changed = len(changes)
        regrade.finished_at = timezone.now()
        regrade.save(update_fields=["summary", "attempts_changed", "finished_at"])
    logger.info("regrade_finished", extra={"regrade_id": regrade.pk, "attempts_changed": len(changes)})
    return regrade


# Authoring: quizzes, questions and choices, for the admin, the course builder and the API.

QUIZ_FIELDS = (
    "title", "instructions", "pass_mark", "max_attempts", "time_limit_minutes", "shuffle_questions",
    "shuffle_choices", "questions_per_attempt", "review_policy", "is_required", "lesson", "module",
)  # fmt: skip
QUESTION_FIELDS = (
    "kind", "prompt", "explanation", "points", "position", "correct_bool", "accepted_answers", "numeric_value",
    "numeric_tolerance", "credit_all", "dropped",
)  # fmt: skip
CHOICE_KINDS = (Question.Kind.SINGLE, Question.Kind.MULTIPLE)


def _invalid(errors: Mapping[str, list[str]]) -> ApplicationError:
    return ApplicationError("Invalid input.", code=ErrorCode.INVALID, extra={"errors": dict(errors)})


def _full_clean(instance, *, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise _invalid(exc.message_dict) from exc


def _apply(instance, data: Mapping, fields: tuple[str, ...]) -> None:
    for name in fields:
        if name in data:
            setattr(instance, name, data[name])


def choices_check(kind: str, choices: list[tuple[str, bool]]) -> str | None:
    """What is wrong with these (text, is correct) choices for a question of `kind`, or
    None: single choice has exactly one correct choice, multiple choice at least one, and
    both two choices or more. Other kinds ignore choices. The admin's choice table and the
    API both ask this."""
    if kind not in CHOICE_KINDS:
        return None
    correct = sum(1 for _text, is_correct in choices if is_correct)
    if len(choices) < 2:
        return str(_("Give at least two choices."))
    if kind == Question.Kind.SINGLE and correct != 1:
        return str(_("A single-choice question needs exactly one correct choice."))
    if kind == Question.Kind.MULTIPLE and correct < 1:
        return str(_("A multiple-choice question needs at least one correct choice."))
    return None


def _lock_quiz(quiz_id: int) -> None:
    Quiz.objects.select_for_update().filter(pk=quiz_id).values_list("pk", flat=True).first()


def _check_placement(quiz: Quiz, *, course_id: int | None) -> None:
    """A quiz hangs on a lesson or a module of the course it belongs to (one of them)."""
    lesson, module = quiz.lesson, quiz.module
    if bool(lesson) == bool(module):
        raise _invalid({"module": [str(_("Attach the quiz to a lesson or to a module (one of them)."))]})
    target_course = lesson.course_id if lesson else module.course_id
    if course_id is not None and target_course != course_id:
        field = "lesson" if lesson else "module"
        raise _invalid({field: [str(_("A quiz stays in its course: pick a lesson or module of that course."))]})


@transaction.atomic
def quiz_create(*, data: Mapping) -> Quiz:
    """A quiz on `data["lesson"]` or `data["module"]`; the caller has checked that the
    requester teaches that course."""
    quiz = Quiz()
    _apply(quiz, data, QUIZ_FIELDS)
    _check_placement(quiz, course_id=None)
    quiz.course_id = quiz.lesson.course_id if quiz.lesson else quiz.module.course_id
    _full_clean(quiz, exclude=["course"])
    quiz.save()
    return quiz


@transaction.atomic
def quiz_update(*, quiz: Quiz, data: Mapping) -> Quiz:
    """Change a quiz's rules or text; it may move to another lesson or module of its
    course (giving one clears the other)."""
    if data.get("lesson") is not None:
        quiz.module = None
    elif data.get("module") is not None:
        quiz.lesson = None
    _apply(quiz, {k: v for k, v in data.items() if k not in ("lesson", "module") or v is not None}, QUIZ_FIELDS)
    _check_placement(quiz, course_id=quiz.course_id)
    _full_clean(quiz, exclude=["course"])
    quiz.save()
    return quiz


@transaction.atomic
def quiz_delete(*, quiz: Quiz) -> None:
    """A quiz nobody has attempted; once attempted it is a record of grades (409): make it
    optional or unpublish the course instead."""
    if Attempt.objects.filter(quiz=quiz).exists():
        raise ConflictError(
            "This quiz has attempts: it cannot be deleted (make it optional instead).", code=ErrorCode.QUIZ_ATTEMPTED
        )
    quiz.delete()


def _next_position(queryset) -> int:
    return (queryset.order_by("-position").values_list("position", flat=True).first() or 0) + 1


def _choices_apply(question: Question, choices: list[Mapping]) -> None:
    """Make the question's choices exactly `choices`, in that order: an item with an id
    keeps (and updates) that choice, one without is new, a choice not listed is removed.
    Grading reads each attempt's own snapshot, so past attempts are unchanged."""
    existing = {c.pk: c for c in question.choices.all()}
    listed = [item.get("id") for item in choices if item.get("id") is not None]
    unknown = sorted(set(listed) - set(existing))
    if unknown or len(listed) != len(set(listed)):
        raise _invalid({"choices": [f"Unknown or repeated choice ids: {unknown or listed}."]})
    kept, new = [], []
    for position, item in enumerate(choices, start=1):
        choice = existing.get(item.get("id")) or Choice(question=question)
        choice.text, choice.is_correct, choice.position = item["text"], bool(item.get("is_correct")), position
        _full_clean(choice, exclude=["question"])
        (kept if choice.pk else new).append(choice)
    for choice in kept:
        choice.save()
    for choice in new:
        choice.save()
    removed = [pk for pk in existing if pk not in set(listed)]
    if removed:
        Choice.objects.filter(pk__in=removed).delete()


def _question_check(question: Question, choices: list[tuple[str, bool]]) -> None:
    problem = choices_check(question.kind, choices)
    if problem:
        raise _invalid({"choices": [problem]})


@transaction.atomic
def question_create(*, quiz: Quiz, data: Mapping, choices: list[Mapping] | None = None) -> Question:
    """A question at the end of the quiz (unless a position is given), with its choices
    for single and multiple choice, all checked together."""
    _lock_quiz(quiz.pk)
    question = Question(quiz=quiz)
    _apply(question, data, QUESTION_FIELDS)
    if "position" not in data:
        question.position = _next_position(quiz.questions)
    _full_clean(question, exclude=["quiz"])
    choices = list(choices or [])
    _question_check(question, [(c["text"], bool(c.get("is_correct"))) for c in choices])
    question.save()
    if question.kind in CHOICE_KINDS:
        _choices_apply(question, choices)
    return question


@transaction.atomic
def question_update(*, question: Question, data: Mapping, choices: list[Mapping] | None = None) -> Question:
    """Change a question; `choices`, when given, replaces its choices (see _choices_apply).
    The result is checked as a whole, so a key can move from one choice to another in one
    request. Past attempts keep their own copy; a correction for them is a regrade."""
    _lock_quiz(question.quiz_id)
    _apply(question, data, QUESTION_FIELDS)
    _full_clean(question, exclude=["quiz"])
    if choices is not None:
        pending = [(c["text"], bool(c.get("is_correct"))) for c in choices]
    else:
        pending = [(c.text, c.is_correct) for c in question.choices.all()]
    _question_check(question, pending)
    question.save()
    if choices is not None:
        _choices_apply(question, choices)
    return question


@transaction.atomic
def question_delete(*, question: Question) -> None:
    """A question leaves the quiz; attempts already made keep it in their papers."""
    _lock_quiz(question.quiz_id)
    question.delete()


@transaction.atomic
def questions_reorder(*, quiz: Quiz, order: list[int]) -> None:
    """The quiz's questions in `order` (every question once), in one transaction."""
    _lock_quiz(quiz.pk)
    ordering.renumber(Question, list(quiz.questions.all()), order, what="quiz's questions")


@transaction.atomic
def question_duplicate(*, question: Question) -> Question:
    """A copy of the question, with its choices, right after it."""
    _lock_quiz(question.quiz_id)
    source = Question.objects.prefetch_related("choices").get(pk=question.pk)
    later = list(Question.objects.filter(quiz_id=source.quiz_id, position__gt=source.position))
    for other in later:
        other.position += 1
    if later:
        bulk_update_with_history(later, Question, ["position"], batch_size=500)
    copy = Question(quiz_id=source.quiz_id, position=source.position + 1)
    for name in QUESTION_FIELDS:
        if name != "position":
            setattr(copy, name, getattr(source, name))
    copy.credit_all = copy.dropped = False
    copy.save()
    Choice.objects.bulk_create(
        [Choice(question=copy, text=c.text, is_correct=c.is_correct, position=c.position) for c in source.choices.all()]
    )
    return copy
