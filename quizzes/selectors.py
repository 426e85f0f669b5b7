"""Quiz reads, scoped to the requester: a quiz exists for you only if its course does."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import pgettext_lazy

from courses import access
from courses.models import Course
from courses.selectors import OutlineItem
from lms.exceptions import NotFoundError, PermissionDeniedError
from quizzes.models import Accommodation, Answer, Attempt, Choice, Question, Quiz, requirement_key


def quiz_get_for(user, quiz_id: int) -> Quiz:
    quiz = Quiz.objects.select_related("course", "lesson", "module").filter(pk=quiz_id).first()
    if quiz is None or not Course.objects.filter(access.visible_courses_q(user), pk=quiz.course_id).exists():
        raise NotFoundError("Quiz not found.")
    return quiz


def quiz_get_for_edit(user, quiz_id: int) -> Quiz:
    """quiz_get_for, and 403 unless `user` teaches its course."""
    quiz = quiz_get_for(user, quiz_id)
    if not access.can_edit_course(user, quiz.course):
        raise PermissionDeniedError("Only this course's instructors can change its quizzes.")
    return quiz


def questions_for_edit(quiz: Quiz) -> QuerySet[Question]:
    """The quiz's questions in order, with their choices and keys (two queries)."""
    return quiz.questions.order_by("position", "id").prefetch_related(
        Prefetch("choices", queryset=Choice.objects.order_by("position", "id"))
    )


def question_get_for_edit(user, question_id: int) -> Question:
    """The question with its quiz, course and choices: 404 when `user` cannot see the
    course, 403 when they can but do not teach it (the key is the teachers')."""
    question = (
        Question.objects.filter(access.visible_courses_q(user, via="quiz__course"), pk=question_id)
        .select_related("quiz__course")
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("position", "id")))
        .order_by()
        .first()
    )
    if question is None:
        raise NotFoundError("Question not found.")
    if not access.can_edit_course(user, question.quiz.course):
        raise PermissionDeniedError("Only this course's instructors can see and change its questions.")
    return question


def _visible_attempts_q(user) -> Q:
    """Own attempts; attempts in courses one teaches; everything for staff."""
    if access.is_full_access(user):
        return Q()
    return Q(user=user) | access.teaches_q(user, via="quiz__course")


def attempt_get_for(user, attempt_id: int) -> Attempt:
    attempt = (
        Attempt.objects.filter(_visible_attempts_q(user), pk=attempt_id)
        .select_related("quiz__course", "user")
        .prefetch_related("answers")
        .first()
    )
    if attempt is None:
        raise NotFoundError("Attempt not found.")
    return attempt


def attempt_get_own(user, attempt_id: int) -> Attempt:
    """An attempt the requester may answer or submit: only their own (404 otherwise)."""
    attempt = Attempt.objects.filter(user=user, pk=attempt_id).select_related("quiz__course").first()
    if attempt is None:
        raise NotFoundError("Attempt not found.")
    return attempt


def attempts_of(user, quiz: Quiz) -> QuerySet[Attempt]:
    return Attempt.objects.filter(user=user, quiz=quiz).order_by("-number")


@dataclass(frozen=True, slots=True)
class Allowance:
    """What `user` may have on `quiz`: its rules with their accommodation applied."""

    max_attempts: int  # 0 = unlimited
    time_limit_minutes: float | None
    accommodated: bool


def allowance_for(user, quiz: Quiz) -> Allowance:
    """The quiz's attempt limit and time limit for `user`, with the extra attempts and the
    time multiplier of their accommodation on the course, if any (one query; none for an
    anonymous visitor). The one place the services and the pages read them."""
    accommodation = None
    if user is not None and user.is_authenticated:
        accommodation = Accommodation.objects.filter(user=user, course_id=quiz.course_id).first()
    if accommodation is None:
        return Allowance(quiz.max_attempts, quiz.time_limit_minutes, accommodated=False)
    limit = quiz.max_attempts + accommodation.extra_attempts if quiz.max_attempts else 0
    minutes = None
    if quiz.time_limit_minutes:
        exact = round(quiz.time_limit_minutes * float(accommodation.time_multiplier), 1)
        minutes = int(exact) if exact == int(exact) else exact  # "30 minutes", "22.5 minutes"
    return Allowance(limit, minutes, accommodated=True)


def quiz_stats_for(user, quiz: Quiz, allowance: Allowance | None = None) -> dict:
    """The learner's attempts used (counted ones), attempts left (their accommodation
    counted) and best score."""
    if not user.is_authenticated:
        return {"attempts_used": 0, "attempts_left": quiz.max_attempts or None, "best_percent": None, "passed": False}
    allowance = allowance or allowance_for(user, quiz)
    agg = Attempt.objects.filter(user=user, quiz=quiz, counts=True).aggregate(
        best=Max("percent", filter=Q(status=Attempt.Status.SUBMITTED)),
        used=Count("id"),
        passes=Count("id", filter=Q(passed=True)),
    )
    used, passed = agg["used"], agg["passes"] > 0
    left = max(0, allowance.max_attempts - used) if allowance.max_attempts else None
    return {"attempts_used": used, "attempts_left": left, "best_percent": agg["best"], "passed": passed}


def review_allowed(attempt: Attempt, viewer) -> bool:
    """Correct answers and explanations: after submitting, as the quiz's policy allows;
    always for the course's instructors and staff; never before submission. The policy
    is asked first: it answers most learners without the instructor check's query."""
    if attempt.status != Attempt.Status.SUBMITTED:
        return False
    quiz = attempt.quiz
    policy = quiz.review_policy
    if policy == Quiz.ReviewPolicy.AFTER_SUBMIT or (policy == Quiz.ReviewPolicy.AFTER_FINAL and attempt.passed):
        return True
    if access.can_edit_course(viewer, quiz.course):
        return True
    if policy == Quiz.ReviewPolicy.AFTER_FINAL and quiz.max_attempts:
        used = Attempt.objects.filter(user=attempt.user_id, quiz=quiz, counts=True).count()
        return used >= quiz.max_attempts
    return False


def outline_items(course_ids: Iterable[int]) -> list[OutlineItem]:
    """The quizzes of these courses as items of their outlines, in id order: after their
    lesson, or at the end of their module. One query; the outline that holds them is kept
    per catalog version, which a quiz saved or deleted bumps (quizzes/receivers.py)."""
    url = quiz_url_builder()
    rows = (
        Quiz.objects.filter(course_id__in=course_ids)
        .order_by("id")
        .values_list("pk", "title", "is_required", "lesson_id", "lesson__module_id", "module_id")
    )
    return [
        OutlineItem(
            item_type="quiz",
            label=pgettext_lazy("an item of a course's outline", "Quiz"),
            pk=pk,
            title=title,
            module_id=lesson_module_id if lesson_id else module_id,
            after_lesson_id=lesson_id,
            url=url(pk),
            key=requirement_key(pk),
            is_required=is_required,
        )
        for pk, title, is_required, lesson_id, lesson_module_id, module_id in rows
    ]


def quiz_url_builder() -> Callable[[int], str]:
    """The quiz page's URL for any quiz id: reverse() once for a whole outline."""
    marker = 987654321
    head, tail = reverse("quizzes:detail", kwargs={"quiz_id": marker}).split(str(marker))
    return lambda quiz_id: f"{head}{quiz_id}{tail}"


def item_analysis(quiz: Quiz) -> list[dict]:
    """Per question, over the submitted counted attempts whose paper held it: how many
    attempts saw it and how many left it unanswered, % fully correct and average points
    (an unanswered question counts as wrong, with no points), and the discrimination index
    (share correct in the top 27% by score minus the share in the bottom 27%)."""
    attempts = list(
        Attempt.objects.filter(quiz=quiz, status=Attempt.Status.SUBMITTED, counts=True)
        .order_by("-score", "id")
        .values_list("pk", "score", "paper")
    )
    if not attempts:
        return []
    group = max(1, round(len(attempts) * 0.27))
    top = {pk for pk, _, _ in attempts[:group]}
    bottom = {pk for pk, _, _ in attempts[-group:]}
    stats: dict[int, dict] = {}

    def of(question_id: int) -> dict:
        return stats.setdefault(
            question_id, {"n": 0, "answered": 0, "correct": 0, "points": Decimal(0), "top": 0, "bottom": 0}
        )

    for _pk, _score, paper in attempts:
        for question_id in {item["id"] for item in paper or []}:
            of(question_id)["n"] += 1
    for attempt_id, question_id, points, correct in Answer.objects.filter(
        attempt_id__in=[pk for pk, _, _ in attempts]
    ).values_list("attempt_id", "question_id_snapshot", "points_awarded", "is_correct"):
        s = of(question_id)
        s["answered"] += 1
        s["points"] += points or 0
        if correct:
            s["correct"] += 1
            s["top"] += attempt_id in top
            s["bottom"] += attempt_id in bottom
    rows = []
    for question in quiz.questions.order_by("position", "id"):
        s = stats.get(question.pk)
        seen = max(s["n"], s["answered"]) if s else 0  # an answer always belongs to a paper that held it
        if not seen:
            rows.append({"question": question, "attempts": 0, "unanswered": 0, "percent_correct": None,
                         "average_points": None, "discrimination": None})  # fmt: skip
            continue
        rows.append(
            {
                "question": question,
                "attempts": seen,
                "unanswered": seen - s["answered"],
                "percent_correct": round(100 * s["correct"] / seen, 1),
                "average_points": round(s["points"] / seen, 2),
                "discrimination": round((s["top"] - s["bottom"]) / group, 2),
            }
        )
    return rows
