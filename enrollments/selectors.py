"""Enrollment reads, scoped to the requester, and progress computed in the database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from django.db.models import Case, CharField, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from courses import access
from courses import selectors as course_selectors
from courses.models import Course, Lesson
from enrollments.models import CourseRequirement, Enrollment, LessonProgress, RequirementCompletion
from lms.exceptions import NotFoundError


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a learner is in a course: the items that count toward completion (the
    required lessons and other requirements; every lesson where nothing is required),
    those done, the lessons completed, and the lesson to continue with (None when all are
    done, or when counted for a write, which needs no outline)."""

    required_total: int
    required_done: int
    completed_lesson_ids: frozenset[int] = frozenset()
    next_lesson_id: int | None = None

    @property
    def percent(self) -> int:
        if self.required_total == 0:
            return 0
        return min(100, (100 * self.required_done) // self.required_total)

    @property
    def is_complete(self) -> bool:
        """The completion rule: something counts, and all of it is done."""
        return self.required_total > 0 and self.required_done >= self.required_total


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
    keys = _requirement_keys({e.pk: e.course_id for e in enrollments})
    required = {e.pk: e.lessons_required + len(keys[e.pk][0]) for e in enrollments}
    # Every lesson's counts, needed only where nothing is required: two queries, only then.
    every_total, every_done = _every_lesson_counts([e for e in enrollments if required[e.pk] == 0])
    for e in enrollments:
        course_keys, met = keys[e.pk]
        e.progress = _progress(
            required_total=required[e.pk],
            required_done=e.lessons_done + len(met & course_keys),
            every_total=every_total.get(e.course_id, 0),
            every_done=every_done.get(e.pk, 0),
        )
    return enrollments


def _progress(
    *,
    required_total: int,
    required_done: int,
    every_total: int,
    every_done: int,
    completed: frozenset[int] = frozenset(),
) -> Progress:
    """What counts, in one place: the required lessons and other required items; in a
    course where nothing is required, every lesson (otherwise nothing could ever complete
    it)."""
    if required_total == 0:
        return Progress(required_total=every_total, required_done=every_done, completed_lesson_ids=completed)
    return Progress(required_total=required_total, required_done=required_done, completed_lesson_ids=completed)


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


def progress_for(enrollment: Enrollment) -> Progress:
    """The enrollment's progress as the learner sees it: counted in the database
    (`progress_counted`), with the lesson to continue with from the course's outline."""
    progress = progress_counted(enrollment)
    return _with_next_lesson(progress, course_selectors.outline_lessons(enrollment.course_id))


def progress_counted(enrollment: Enrollment) -> Progress:
    """The enrollment's progress counted in the database from the content as it is now,
    never from a cache, in one query: what decides a completion (the services call it
    under the enrollment's row lock). No next lesson."""
    return _progress_of({enrollment.pk: enrollment.course_id})[enrollment.pk]


def next_lesson_id(lessons: Sequence[course_selectors.OutlineLesson], completed: frozenset[int]) -> int | None:
    """The lesson to continue with: the first of the outline not completed yet."""
    return next((ls.pk for ls in lessons if ls.pk not in completed), None)


def _with_next_lesson(progress: Progress, lessons: Sequence[course_selectors.OutlineLesson]) -> Progress:
    return replace(progress, next_lesson_id=next_lesson_id(lessons, progress.completed_lesson_ids))


# The parts of `_progress_of`'s one query: (part, owner, number, key).
_LESSON, _MET, _REQUIRED, _COURSE_REQUIRED, _COURSE_EVERY = range(5)


def _progress_of(enrollments: Mapping[int, int]) -> dict[int, Progress]:
    """For each enrollment (id -> course id), its progress counted in one query (UNION
    ALL), whatever the number of enrollments: the lessons it completed (and whether each
    is required), the requirement keys it met, the keys its course requires, and its
    course's numbers of required and of all lessons."""
    courses = set(enrollments.values())
    lessons = Lesson.objects.filter(course__in=courses).order_by().values("course_id")
    parts = [
        LessonProgress.objects.filter(enrollment__in=enrollments, completed_at__isnull=False)
        .annotate(
            part=Value(_LESSON),
            key=Case(
                When(lesson__is_required=True, then=Value("required")), default=Value(""), output_field=CharField()
            ),
        )
        .values_list("part", "enrollment_id", "lesson_id", "key"),
        RequirementCompletion.objects.filter(enrollment__in=enrollments)
        .annotate(part=Value(_MET), number=Value(None, output_field=IntegerField()))
        .values_list("part", "enrollment_id", "number", "key"),
        CourseRequirement.objects.filter(course__in=courses)
        .annotate(part=Value(_REQUIRED), number=Value(None, output_field=IntegerField()))
        .values_list("part", "course_id", "number", "key"),
        lessons.filter(is_required=True)
        .annotate(number=Count("id"), part=Value(_COURSE_REQUIRED), key=Value("", output_field=CharField()))
        .values_list("part", "course_id", "number", "key"),
        lessons.annotate(
            number=Count("id"), part=Value(_COURSE_EVERY), key=Value("", output_field=CharField())
        ).values_list("part", "course_id", "number", "key"),
    ]
    completed: dict[int, set[int]] = {pk: set() for pk in enrollments}
    completed_required = dict.fromkeys(enrollments, 0)
    met: dict[int, set[str]] = {pk: set() for pk in enrollments}
    required: dict[int, set[str]] = {course_id: set() for course_id in courses}
    required_lessons = dict.fromkeys(courses, 0)
    every_lesson = dict.fromkeys(courses, 0)
    for part, owner, number, key in parts[0].union(*parts[1:], all=True):
        if part == _LESSON:
            completed[owner].add(number)
            completed_required[owner] += key == "required"
        elif part == _MET:
            met[owner].add(key)
        elif part == _REQUIRED:
            required[owner].add(key)
        elif part == _COURSE_REQUIRED:
            required_lessons[owner] = number
        else:
            every_lesson[owner] = number
    return {
        pk: _progress(
            required_total=required_lessons[course_id] + len(required[course_id]),
            required_done=completed_required[pk] + len(met[pk] & required[course_id]),
            every_total=every_lesson[course_id],
            every_done=len(completed[pk]),
            completed=frozenset(completed[pk]),
        )
        for pk, course_id in enrollments.items()
    }


def _requirement_keys(enrollments: Mapping[int, int]) -> dict[int, tuple[set[str], set[str]]]:
    """For each enrollment (id -> course id): the requirement keys its course requires and
    those it met, in one query."""
    courses = set(enrollments.values())
    rows = (
        RequirementCompletion.objects.filter(enrollment__in=enrollments)
        .annotate(part=Value(_MET))
        .values_list("part", "enrollment_id", "key")
        .union(
            CourseRequirement.objects.filter(course__in=courses)
            .annotate(part=Value(_REQUIRED))
            .values_list("part", "course_id", "key"),
            all=True,
        )
    )
    met: dict[int, set[str]] = {pk: set() for pk in enrollments}
    required: dict[int, set[str]] = {course_id: set() for course_id in courses}
    for part, owner, key in rows:
        (met if part == _MET else required)[owner].add(key)
    return {pk: (required[course_id], met[pk]) for pk, course_id in enrollments.items()}


def dashboard_for(user) -> list[Enrollment]:
    """The learner's courses, each with `.progress` and `.next_lesson_id` (the lesson to
    continue with): three queries whatever the number of courses and lessons."""
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
    progress = _progress_of({e.pk: e.course_id for e in enrollments})
    outlines = course_selectors.outlines_for({e.course_id for e in enrollments})
    for e in enrollments:
        e.progress = _with_next_lesson(progress[e.pk], outlines[e.course_id].lessons)
        e.next_lesson_id = e.progress.next_lesson_id
    return enrollments


def course_seats_taken(course: Course) -> int:
    return Enrollment.objects.filter(course=course, status__in=Enrollment.SEATED).count()
