"""The numbers of the instructor home (the admin's first page) and of the analytics API.

Scoped like the exports (`selectors.exportable_courses`): an instructor's own courses, every
course for staff, nothing for anyone else. Each function runs a fixed number of queries
whatever the number of courses and learners (tested), aggregating in the database: nothing
is read row by row into Python but the at-risk list, which is limited.

Progress here is the share of a course's required lessons a learner has completed, as the
enrolments list and the CSV export count it (`enrollments.selectors.with_progress_counts`);
a learner's own progress page also counts required quizzes. The funnel shows every lesson.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Avg, Case, Count, F, FloatField, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from assignments import selectors as assignment_selectors
from certificates.models import Certificate
from courses import selectors as course_selectors
from courses.models import Course, Lesson
from enrollments.models import Enrollment, LessonProgress
from lms.models import OutboxEvent
from quizzes.models import Attempt, Quiz
from reports.models import Export
from reports.selectors import exportable_courses
from webhooks.models import WebhookDelivery

AT_RISK_LIMIT = 50


@dataclass(frozen=True)
class CourseNumbers:
    course_id: int
    title: str
    slug: str
    status: str
    lessons: int  # required lessons
    enrolled: int  # holding a seat: active or completed
    active_this_week: int
    completed: int
    average_progress: int  # percent of the required lessons, over the enrolled learners
    average_score: float | None  # percent, over the submitted attempts that count
    waiting: int = 0  # assignment work handed in and not graded yet


@dataclass(frozen=True)
class Overview:
    courses: tuple[CourseNumbers, ...]
    enrolled: int
    active_this_week: int
    completed: int
    average_progress: int
    average_score: float | None
    waiting: int = 0


@dataclass(frozen=True)
class DayCount:
    day: date
    count: int


@dataclass(frozen=True)
class FunnelStep:
    lesson_id: int
    title: str
    completed: int  # learners who completed this lesson


@dataclass(frozen=True)
class ScoreDistribution:
    quiz_id: int
    title: str
    buckets: tuple[int, ...]  # attempts scoring 0-9 %, 10-19 %, ..., 90-100 %
    attempts: int


@dataclass(frozen=True)
class AtRisk:
    enrollment_id: int
    user_id: int
    name: str
    email: str
    course_id: int
    course_title: str
    last_seen_at: datetime
    progress: int  # percent of the required lessons
    reminded_at: datetime | None


@dataclass(frozen=True)
class Operations:
    """What staff watch besides teaching: work that failed or waits."""

    dead_webhook_deliveries: int
    certificates_pending: int
    certificates_failed: int
    exports_failed: int
    outbox_waiting: int


def _scope(user, course_id: int | None) -> QuerySet[Course]:
    courses = exportable_courses(user)
    return courses if course_id is None else courses.filter(pk=course_id)


def _lesson_count() -> Subquery:
    lessons = (
        Lesson.objects.filter(course=OuterRef("pk"), is_required=True)
        .order_by()
        .values("course")
        .annotate(n=Count("pk"))
    )
    return Coalesce(Subquery(lessons.values("n"), output_field=IntegerField()), Value(0))


def _percent(part: float, whole: float) -> int:
    return min(100, round(100 * part / whole)) if whole else 0


def overview(user, *, now: datetime | None = None, courses: QuerySet[Course] | None = None) -> Overview:
    """Per course `user` teaches (or all, for staff): enrolled, active in the last 7 days,
    completed, average progress, average quiz score and assignment work waiting for a
    grade; and the same over all of them. Five queries."""
    now = now or timezone.now()
    courses = exportable_courses(user) if courses is None else courses
    rows = list(
        courses.order_by("title", "pk")
        .annotate(lesson_count=_lesson_count())
        .values("pk", "title", "slug", "status", "lesson_count")
    )
    ids = [row["pk"] for row in rows]
    seated = Enrollment.objects.filter(course_id__in=ids, status__in=Enrollment.SEATED)
    learners = {
        row["course_id"]: row
        for row in seated.values("course_id").annotate(
            enrolled=Count("pk"),
            active=Count("pk", filter=Q(last_activity_at__gte=now - timedelta(days=7))),
            completed=Count("pk", filter=Q(status=Enrollment.Status.COMPLETED)),
        )
    }
    done = dict(
        LessonProgress.objects.filter(
            enrollment__course_id__in=ids,
            enrollment__status__in=Enrollment.SEATED,
            completed_at__isnull=False,
            lesson__is_required=True,
        )
        .values("enrollment__course_id")
        .annotate(n=Count("pk"))
        .values_list("enrollment__course_id", "n")
    )
    scores = {
        row["quiz__course_id"]: row
        for row in Attempt.objects.filter(quiz__course_id__in=ids, status=Attempt.Status.SUBMITTED, counts=True)
        .values("quiz__course_id")
        .annotate(average=Avg("percent"), n=Count("pk"))
    }
    waiting = assignment_selectors.waiting_by_course(ids)
    numbers = []
    for row in rows:
        mine = learners.get(row["pk"], {})
        enrolled = mine.get("enrolled", 0)
        score = scores.get(row["pk"], {}).get("average")
        numbers.append(
            CourseNumbers(
                course_id=row["pk"],
                title=row["title"],
                slug=row["slug"],
                status=row["status"],
                lessons=row["lesson_count"],
                enrolled=enrolled,
                active_this_week=mine.get("active", 0),
                completed=mine.get("completed", 0),
                average_progress=_percent(done.get(row["pk"], 0), enrolled * row["lesson_count"]),
                average_score=round(float(score), 1) if score is not None else None,
                waiting=waiting.get(row["pk"], 0),
            )
        )
    enrolled = sum(n.enrolled for n in numbers)
    attempts = sum(s["n"] for s in scores.values())
    total_score = sum(Decimal(s["average"]) * s["n"] for s in scores.values() if s["average"] is not None)
    return Overview(
        courses=tuple(numbers),
        enrolled=enrolled,
        active_this_week=sum(n.active_this_week for n in numbers),
        completed=sum(n.completed for n in numbers),
        average_progress=_percent(sum(done.values()), sum(n.enrolled * n.lessons for n in numbers)),
        average_score=round(float(total_score / attempts), 1) if attempts else None,
        waiting=sum(waiting.values()),
    )


def _days(rows: dict[date, int], *, days: int, today: date) -> list[DayCount]:
    return [DayCount(d, rows.get(d, 0)) for d in (today - timedelta(days=n) for n in range(days - 1, -1, -1))]


def _since(days: int, now: datetime) -> tuple[datetime, date]:
    today = timezone.localdate(now)
    start = datetime.combine(
        today - timedelta(days=days - 1), datetime.min.time(), tzinfo=timezone.get_current_timezone()
    )
    return start, today


def enrolments_by_day(
    user, *, days: int = 30, now: datetime | None = None, course_id: int | None = None
) -> list[DayCount]:
    """New enrolments per day over the last `days` days (today included), zeros included:
    one query."""
    start, today = _since(days, now or timezone.now())
    courses = _scope(user, course_id)
    rows = dict(
        Enrollment.objects.filter(course__in=courses, enrolled_at__gte=start)
        .annotate(day=TruncDate("enrolled_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    return _days(rows, days=days, today=today)


def activity_by_day(
    user, *, days: int = 30, now: datetime | None = None, course_id: int | None = None
) -> tuple[list[DayCount], list[DayCount]]:
    """Lessons completed and quiz attempts submitted per day over the last `days` days:
    two queries."""
    start, today = _since(days, now or timezone.now())
    zone = timezone.get_current_timezone()
    courses = _scope(user, course_id)
    lessons = dict(
        LessonProgress.objects.filter(enrollment__course__in=courses, completed_at__gte=start)
        .annotate(day=TruncDate("completed_at", tzinfo=zone))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    attempts = dict(
        Attempt.objects.filter(quiz__course__in=courses, status=Attempt.Status.SUBMITTED, submitted_at__gte=start)
        .annotate(day=TruncDate("submitted_at", tzinfo=zone))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    return _days(lessons, days=days, today=today), _days(attempts, days=days, today=today)


def completion_funnel(course_id: int) -> list[FunnelStep]:
    """Per lesson, in the course's order, how many seated learners completed it: where
    learners stop. One query (the outline is kept in the process)."""
    outline = course_selectors.outline_for(course_id)
    counts = dict(
        LessonProgress.objects.filter(
            enrollment__course_id=course_id, enrollment__status__in=Enrollment.SEATED, completed_at__isnull=False
        )
        .values("lesson_id")
        .annotate(n=Count("pk"))
        .values_list("lesson_id", "n")
    )
    return [FunnelStep(lesson.pk, lesson.title, counts.get(lesson.pk, 0)) for lesson in outline.lessons]


def score_distributions(course_id: int) -> list[ScoreDistribution]:
    """For each quiz of the course, its submitted attempts (those that count) by score, in
    ten bands of ten points (100 % in the top band): two queries. The database groups by
    score (few distinct values); the bands are cut here."""
    quizzes = list(Quiz.objects.filter(course_id=course_id).order_by("pk").values_list("pk", "title"))
    counts: dict[tuple[int, int], int] = {}
    for quiz_id, percent, n in (
        Attempt.objects.filter(
            quiz__course_id=course_id, status=Attempt.Status.SUBMITTED, counts=True, percent__isnull=False
        )
        .values("quiz_id", "percent")
        .annotate(n=Count("pk"))
        .values_list("quiz_id", "percent", "n")
    ):
        key = (quiz_id, min(9, int(percent // 10)))
        counts[key] = counts.get(key, 0) + n
    return [
        ScoreDistribution(
            quiz_id=pk,
            title=title,
            buckets=tuple(counts.get((pk, b), 0) for b in range(10)),
            attempts=sum(counts.get((pk, b), 0) for b in range(10)),
        )
        for pk, title in quizzes
    ]


def at_risk(
    user,
    *,
    idle_days: int | None = None,
    below_percent: int | None = None,
    now: datetime | None = None,
    course_id: int | None = None,
    limit: int = AT_RISK_LIMIT,
) -> list[AtRisk]:
    """Active learners of `user`'s courses not seen for `idle_days` days (their last
    activity, or their enrolment if they never came) whose progress is under
    `below_percent`, longest absent first: two queries, at most `limit` rows."""
    now = now or timezone.now()
    idle_days = settings.AT_RISK_IDLE_DAYS if idle_days is None else idle_days
    below_percent = settings.AT_RISK_BELOW_PERCENT if below_percent is None else below_percent
    courses = _scope(user, course_id)
    # Each course's required lessons counted once (not once per learner, which cost 65 ms at
    # tier S), and from it the fewest done that is not "behind".
    lessons = dict(
        Lesson.objects.filter(course__in=courses, is_required=True)
        .values("course_id")
        .annotate(n=Count("pk"))
        .values_list("course_id", "n")
    )
    enough = {course_id: n * below_percent / 100.0 for course_id, n in lessons.items()}
    if not enough:
        threshold = Value(0.0)
    else:
        threshold = Case(
            *(When(course_id=course_id, then=Value(n)) for course_id, n in enough.items()),
            default=Value(0.0),
            output_field=FloatField(),
        )
    done = (
        LessonProgress.objects.filter(enrollment=OuterRef("pk"), completed_at__isnull=False, lesson__is_required=True)
        .order_by()
        .values("enrollment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Enrollment.objects.filter(course__in=courses, status=Enrollment.Status.ACTIVE)
        .annotate(last_seen=Coalesce("last_activity_at", "enrolled_at"))
        .filter(last_seen__lt=now - timedelta(days=idle_days))
        .annotate(done=Coalesce(Subquery(done, output_field=IntegerField()), Value(0)), enough=threshold)
        .filter(Q(enough=0) | Q(done__lt=F("enough")))
        .order_by("last_seen", "pk")
        .values(
            "pk", "user_id", "user__first_name", "user__last_name", "user__email", "course_id", "course__title",
            "last_seen", "done", "reminder_sent_at",
        )[:limit]
    )  # fmt: skip
    return [
        AtRisk(
            enrollment_id=row["pk"],
            user_id=row["user_id"],
            name=f"{row['user__first_name']} {row['user__last_name']}".strip() or row["user__email"],
            email=row["user__email"],
            course_id=row["course_id"],
            course_title=row["course__title"],
            last_seen_at=row["last_seen"],
            progress=_percent(row["done"], lessons.get(row["course_id"], 0)),
            reminded_at=row["reminder_sent_at"],
        )
        for row in rows
    ]


def operations() -> Operations:
    """Staff only (the caller checks): five counts, five queries."""
    return Operations(
        dead_webhook_deliveries=WebhookDelivery.objects.filter(status=WebhookDelivery.Status.DEAD).count(),
        certificates_pending=Certificate.objects.filter(
            rendered_at__isnull=True, render_error="", revoked_at__isnull=True
        ).count(),
        certificates_failed=Certificate.objects.filter(rendered_at__isnull=True, revoked_at__isnull=True)
        .exclude(render_error="")
        .count(),
        exports_failed=Export.objects.filter(status=Export.Status.FAILED).count(),
        outbox_waiting=OutboxEvent.objects.filter(dispatched_at__isnull=True).count(),
    )


@dataclass(frozen=True)
class LearnerSummary:
    """A learner's own numbers (the API's analytics/me)."""

    courses: int  # holding a seat
    completed: int
    lessons_completed: int
    lessons_completed_last_30_days: int
    quiz_attempts: int
    average_score: float | None
    certificates: int


def learner_summary(user, *, now: datetime | None = None) -> LearnerSummary:
    """Four queries."""
    now = now or timezone.now()
    enrolments = Enrollment.objects.filter(user=user, status__in=Enrollment.SEATED).aggregate(
        courses=Count("pk"), completed=Count("pk", filter=Q(status=Enrollment.Status.COMPLETED))
    )
    lessons = LessonProgress.objects.filter(
        enrollment__user=user, enrollment__status__in=Enrollment.SEATED, completed_at__isnull=False
    ).aggregate(all=Count("pk"), recent=Count("pk", filter=Q(completed_at__gte=now - timedelta(days=30))))
    attempts = Attempt.objects.filter(user=user, status=Attempt.Status.SUBMITTED, counts=True).aggregate(
        n=Count("pk"), average=Avg("percent")
    )
    return LearnerSummary(
        courses=enrolments["courses"],
        completed=enrolments["completed"],
        lessons_completed=lessons["all"],
        lessons_completed_last_30_days=lessons["recent"],
        quiz_attempts=attempts["n"],
        average_score=round(float(attempts["average"]), 1) if attempts["average"] is not None else None,
        certificates=Certificate.objects.filter(user=user, revoked_at__isnull=True).count(),
    )


@dataclass(frozen=True)
class LessonRow:
    lesson_id: int
    module: str
    title: str
    first_viewed_at: datetime | None
    completed_at: datetime | None


@dataclass(frozen=True)
class AttemptRow:
    quiz_id: int
    quiz: str
    number: int
    started_at: datetime
    submitted_at: datetime | None
    percent: float | None
    passed: bool | None
    counts: bool


@dataclass(frozen=True)
class LearnerInCourse:
    """One learner in one course, for their instructor: every lesson in order with when it
    was opened and completed, every quiz attempt, and how far they are."""

    enrollment: Enrollment
    lessons: tuple[LessonRow, ...]
    attempts: tuple[AttemptRow, ...]
    required_done: int
    required: int
    progress: int  # percent of the required lessons


def learner_in_course(user, enrollment_id: int) -> LearnerInCourse | None:
    """None unless `user` teaches the enrollment's course (or is staff): three queries, and
    the outline kept in the process."""
    enrollment = (
        Enrollment.objects.filter(pk=enrollment_id, course__in=exportable_courses(user))
        .select_related("user", "course", "last_lesson")
        .first()
    )
    if enrollment is None:
        return None
    outline = course_selectors.outline_for(enrollment.course_id)
    modules = {m.pk: m.title for m in outline.modules}
    seen = {
        lesson_id: (first, done)
        for lesson_id, first, done in LessonProgress.objects.filter(enrollment=enrollment).values_list(
            "lesson_id", "first_viewed_at", "completed_at"
        )
    }
    lessons = tuple(
        LessonRow(lesson.pk, modules.get(lesson.module_id, ""), lesson.title, *seen.get(lesson.pk, (None, None)))
        for lesson in outline.lessons
    )
    attempts = tuple(
        AttemptRow(
            quiz_id=row["quiz_id"],
            quiz=row["quiz__title"],
            number=row["number"],
            started_at=row["started_at"],
            submitted_at=row["submitted_at"],
            percent=float(row["percent"]) if row["percent"] is not None else None,
            passed=row["passed"],
            counts=row["counts"],
        )
        for row in Attempt.objects.filter(user=enrollment.user_id, quiz__course=enrollment.course_id)
        .order_by("quiz__title", "number")
        .values("quiz_id", "quiz__title", "number", "started_at", "submitted_at", "percent", "passed", "counts")
    )
    required = [lesson.pk for lesson in outline.lessons if lesson.is_required]
    done = sum(1 for pk in required if seen.get(pk, (None, None))[1] is not None)
    return LearnerInCourse(enrollment, lessons, attempts, done, len(required), _percent(done, len(required)))
