"""Enrollment reads, scoped to the requester, and progress computed in the database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.db.models import CharField, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from courses import access
from courses import selectors as course_selectors
from courses.models import Course, Lesson
from enrollments.models import CourseRequirement, Enrollment, LessonProgress, RequirementCompletion
from lms.exceptions import NotFoundError


@dataclass
class Progress:
    required_total: int
    required_done: int
    completed_lesson_ids: set[int] = field(default_factory=set)
    next_lesson_id: int | None = None

    @property
    def percent(self) -> int:
        if self.required_total == 0:
            return 0
        return min(100, (100 * self.required_done) // self.required_total)


def is_enrolled(user, course_id: int) -> bool:
    """Active or completed enrollments give access to the content (dropped ones do not)."""
    return Enrollment.objects.filter(user=user, course_id=course_id, status__in=Enrollment.SEATED).exists()


def enrollment_for(user, course_id: int) -> Enrollment | None:
    if user is None or not user.is_authenticated:
        return None
    return Enrollment.objects.filter(user=user, course_id=course_id).first()


def seated_enrollment_for(user, *, course_id: int | None = None, course_slug: str | None = None) -> Enrollment | None:
    """`user`'s active or completed enrollment in the course (by id or by slug; one
    query): what gives access to the content, as `is_enrolled` says."""
    if user is None or not user.is_authenticated:
        return None
    course = {"course_id": course_id} if course_slug is None else {"course__slug": course_slug}
    return Enrollment.objects.filter(user=user, status__in=Enrollment.SEATED, **course).first()


def _visible_enrollments_q(user) -> Q:
    """Own enrollments; those in courses one teaches; everything for staff."""
    if access.is_full_access(user):
        return Q()
    return Q(user=user) | access.teaches_q(user, via="course")


def enrollment_list_for(user, *, course_slug: str | None = None, status: str | None = None) -> QuerySet[Enrollment]:
    qs = Enrollment.objects.filter(_visible_enrollments_q(user))
    if course_slug:
        qs = qs.filter(course__slug=course_slug)
    if status:
        qs = qs.filter(status=status)
    return with_progress_counts(qs.select_related("course", "user").order_by("-enrolled_at", "-id"))


def enrollment_get_for(user, enrollment_id: int) -> Enrollment:
    enrollment = (
        Enrollment.objects.filter(_visible_enrollments_q(user), pk=enrollment_id)
        .select_related("course", "user")
        .first()
    )
    if enrollment is None:
        raise NotFoundError("Enrollment not found.")
    return enrollment


def with_progress_counts(qs: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """Annotate `lessons_required` and `lessons_done` (required lessons only), two
    subqueries whatever the number of enrollments or lessons."""
    required = (
        Lesson.objects.filter(course=OuterRef("course_id"), is_required=True)
        .order_by()
        .values("course_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    done = (
        LessonProgress.objects.filter(enrollment=OuterRef("pk"), completed_at__isnull=False, lesson__is_required=True)
        .order_by()
        .values("enrollment_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return qs.annotate(
        lessons_required=Coalesce(Subquery(required, output_field=IntegerField()), Value(0)),
        lessons_done=Coalesce(Subquery(done, output_field=IntegerField()), Value(0)),
    )


def attach_progress(enrollments: list[Enrollment]) -> list[Enrollment]:
    """Set `.progress` on enrollments annotated by `with_progress_counts`, adding the
    courses' other requirements (CourseRequirement) and those each learner met: one
    query for all of them (two more only where a course requires nothing)."""
    items = _done_items({e.pk: e.course_id for e in enrollments}, lessons=False)
    required = {e.pk: e.lessons_required + len(items[e.pk].required) for e in enrollments}
    # Every lesson's counts, needed only where nothing is required: two queries, only then.
    every_total, every_done = _every_lesson_counts([e for e in enrollments if required[e.pk] == 0])
    for e in enrollments:
        done = items[e.pk]
        e.progress = _counted(
            required_total=required[e.pk],
            required_done=e.lessons_done + len(done.met & done.required),
            every_total=every_total.get(e.course_id, 0),
            every_done=every_done.get(e.pk, 0),
        )
    return enrollments


def _counted(*, required_total: int, required_done: int, every_total: int, every_done: int) -> Progress:
    """The completion rule, in one place: the required lessons and other required items
    count; in a course where nothing is required, every lesson does (otherwise nothing
    could ever complete it)."""
    if required_total == 0:
        return Progress(required_total=every_total, required_done=every_done)
    return Progress(required_total=required_total, required_done=required_done)


def _every_lesson_counts(enrollments: list[Enrollment]) -> tuple[dict[int, int], dict[int, int]]:
    """Lessons per course and completed lessons per enrollment, for these enrollments."""
    if not enrollments:
        return {}, {}
    totals = dict(
        Lesson.objects.filter(course_id__in={e.course_id for e in enrollments})
        .order_by()
        .values("course_id")
        .annotate(n=Count("id"))
        .values_list("course_id", "n")
    )
    done = dict(
        LessonProgress.objects.filter(enrollment__in=[e.pk for e in enrollments], completed_at__isnull=False)
        .order_by()
        .values("enrollment_id")
        .annotate(n=Count("id"))
        .values_list("enrollment_id", "n")
    )
    return totals, done


def progress_for(
    enrollment: Enrollment, *, lessons: Sequence[Lesson | course_selectors.OutlineLesson] | None = None
) -> Progress:
    """Full progress of one enrollment: counts, completed lessons and the next lesson.

    `lessons`: the course's lessons in outline order when the caller has them; None for
    the course's outline (kept in the process, courses.selectors.outline_for); [] to count
    in the database instead, from the lessons as they are now (no next lesson)."""
    if lessons is None:
        lessons = course_selectors.outline_lessons(enrollment.course_id)
    done = _done_items({enrollment.pk: enrollment.course_id})[enrollment.pk]
    if lessons:
        return _progress_in(lessons, completed=done.lessons, keys=done.required, done_keys=done.met)
    annotated = with_progress_counts(Enrollment.objects.filter(pk=enrollment.pk)).get()
    required_total = annotated.lessons_required + len(done.required)
    every_total, every_done = _every_lesson_counts([annotated] if required_total == 0 else [])
    progress = _counted(
        required_total=required_total,
        required_done=annotated.lessons_done + len(done.met & done.required),
        every_total=every_total.get(enrollment.course_id, 0),
        every_done=every_done.get(enrollment.pk, 0),
    )
    progress.completed_lesson_ids = done.lessons
    return progress


@dataclass
class _Done:
    lessons: set[int] = field(default_factory=set)  # lessons completed
    met: set[str] = field(default_factory=set)  # requirement keys met
    required: set[str] = field(default_factory=set)  # the course's requirement keys


_LESSON, _MET, _REQUIRED = 0, 1, 2


def _done_items(enrollments: Mapping[int, int], *, lessons: bool = True) -> dict[int, _Done]:
    """For each enrollment (id -> course id): the lessons it completed (unless `lessons`
    is False), the requirement keys it met and the keys its course requires, in one
    query (UNION ALL), whatever the number of enrollments."""
    done = {pk: _Done() for pk in enrollments}
    parts = [
        RequirementCompletion.objects.filter(enrollment__in=done)
        .annotate(part=Value(_MET), lesson=Value(None, output_field=IntegerField()))
        .values_list("part", "enrollment_id", "lesson", "key"),
        CourseRequirement.objects.filter(course__in=set(enrollments.values()))
        .annotate(part=Value(_REQUIRED), lesson=Value(None, output_field=IntegerField()))
        .values_list("part", "course_id", "lesson", "key"),
    ]
    if lessons:
        parts.insert(
            0,
            LessonProgress.objects.filter(enrollment__in=done, completed_at__isnull=False)
            .annotate(part=Value(_LESSON), key=Value("", output_field=CharField()))
            .values_list("part", "enrollment_id", "lesson_id", "key"),
        )
    by_course: dict[int, list[_Done]] = {}
    for pk, course_id in enrollments.items():
        by_course.setdefault(course_id, []).append(done[pk])
    for part, owner, lesson_id, key in parts[0].union(*parts[1:], all=True):
        if part == _LESSON:
            done[owner].lessons.add(lesson_id)
        elif part == _MET:
            done[owner].met.add(key)
        else:
            for item in by_course.get(owner, []):
                item.required.add(key)
    return done


def _progress_in(
    lessons: Sequence[Lesson | course_selectors.OutlineLesson],
    *,
    completed: set[int],
    keys: set[str],
    done_keys: set[str],
) -> Progress:
    """Progress counted from the course's lessons in outline order, the lessons completed
    and the other apps' requirement keys (all and done)."""
    required = {ls.pk for ls in lessons if ls.is_required}
    every = {ls.pk for ls in lessons}
    progress = _counted(
        required_total=len(required) + len(keys),
        required_done=len(required & completed) + len(done_keys & keys),
        every_total=len(every),
        every_done=len(every & completed),
    )
    progress.completed_lesson_ids = completed
    progress.next_lesson_id = next((ls.pk for ls in lessons if ls.pk not in completed), None)
    return progress


def dashboard_for(user) -> list[Enrollment]:
    """The learner's courses, each with `.progress` and `.next_lesson_id` (the lesson to
    continue with), counted from the courses' outlines kept in the process: three queries
    whatever the number of courses and lessons, and none per course."""
    enrollments = list(
        Enrollment.objects.filter(user=user)
        .filter(status__in=Enrollment.SEATED)
        .select_related("course", "last_lesson")
        # A card shows titles: the course descriptions and lesson bodies (kilobytes each,
        # Markdown and HTML) stay in the database.
        .defer("course__description", "course__description_html", "last_lesson__body", "last_lesson__body_html")
        .order_by(F("last_activity_at").desc(nulls_last=True), "-enrolled_at")
    )
    if not enrollments:
        return enrollments
    done = _done_items({e.pk: e.course_id for e in enrollments})
    outlines = course_selectors.outlines_for({e.course_id for e in enrollments})
    for e in enrollments:
        items = done[e.pk]
        e.progress = _progress_in(
            outlines[e.course_id].lessons, completed=items.lessons, keys=items.required, done_keys=items.met
        )
        e.next_lesson_id = e.progress.next_lesson_id
    return enrollments


def course_seats_taken(course: Course) -> int:
    return Enrollment.objects.filter(course=course, status__in=Enrollment.SEATED).count()
