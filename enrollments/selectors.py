"""Enrollment reads, scoped to the requester, and progress computed in the database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from django.db import connections, router
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
    # The course's other requirements not met yet (keys such as "quiz:12").
    requirements_left: frozenset[str] = frozenset()
    # As the learner sees it (progress_for, dashboard_for; not when counted for a write):
    # the lessons opened but not completed, every key met (passed quizzes, required or
    # not), and the outline's next item to do: the first lesson not completed or required
    # item not met, of any kind (None when there is none).
    started_lesson_ids: frozenset[int] = frozenset()
    met_keys: frozenset[str] = frozenset()
    next_item: course_selectors.OutlineEntry | None = None

    def state_of(self, entry: course_selectors.OutlineEntry) -> str:
        """An outline item's state for this learner: "done", "started" or "todo"."""
        if entry.item_type == "lesson":
            if entry.pk in self.completed_lesson_ids:
                return "done"
            return "started" if entry.pk in self.started_lesson_ids else "todo"
        return "done" if entry.key in self.met_keys else "todo"

    @property
    def percent(self) -> int:
        if self.required_total == 0:
            return 0
        return min(100, (100 * self.required_done) // self.required_total)

    @property
    def is_complete(self) -> bool:
        """The completion rule: something counts, and all of it is done."""
        return self.required_total > 0 and self.required_done >= self.required_total

    @property
    def steps_left(self) -> int:
        return max(0, self.required_total - self.required_done)


def enrollment_for(user, course_id: int) -> Enrollment | None:
    """`user`'s enrollment in the course whatever its status (dropped ones included)."""
    if user is None or not user.is_authenticated:
        return None
    return Enrollment.objects.filter(user=user, course_id=course_id).first()


def seated_enrollments(user) -> QuerySet[Enrollment]:
    """`user`'s active and completed enrollments: those that give access to the content
    (dropped ones do not). The one definition every "is this learner enrolled?" reads."""
    if user is None or not user.is_authenticated:
        return Enrollment.objects.none()
    return Enrollment.objects.filter(user=user, status__in=Enrollment.SEATED)


def seated_enrollment_for(user, *, course_id: int | None = None, course_slug: str | None = None) -> Enrollment | None:
    """`user`'s seat in the course (by id or by slug; one query), or None."""
    course = {"course_id": course_id} if course_slug is None else {"course__slug": course_slug}
    return seated_enrollments(user).filter(**course).first()


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
    done = _done({e.pk: e.course_id for e in enrollments}, lessons=False)  # the counts are annotated
    required = {e.pk: e.lessons_required + len(done[e.pk].required) for e in enrollments}
    # Every lesson's counts, needed only where nothing is required: two queries, only then.
    every_total, every_done = _every_lesson_counts([e for e in enrollments if required[e.pk] == 0])
    for e in enrollments:
        course_keys, met = done[e.pk].required, done[e.pk].met
        e.progress = _progress(
            required_total=required[e.pk],
            required_done=e.lessons_done + len(met & course_keys),
            every_total=every_total.get(e.course_id, 0),
            every_done=every_done.get(e.pk, 0),
            requirements_left=frozenset(course_keys - met),
        )
    return enrollments


def _progress(
    *,
    required_total: int,
    required_done: int,
    every_total: int,
    every_done: int,
    completed: frozenset[int] = frozenset(),
    requirements_left: frozenset[str] = frozenset(),
    started: frozenset[int] = frozenset(),
    met: frozenset[str] = frozenset(),
) -> Progress:
    """What counts, in one place: the required lessons and other required items; in a
    course where nothing is required, every lesson (otherwise nothing could ever complete
    it)."""
    seen = {"completed_lesson_ids": completed, "started_lesson_ids": started, "met_keys": met}
    if required_total == 0:
        return Progress(required_total=every_total, required_done=every_done, **seen)
    return Progress(
        required_total=required_total, required_done=required_done, requirements_left=requirements_left, **seen
    )


def with_next_step(progress: Progress, outline: course_selectors.Outline) -> Progress:
    """`progress` with where the learner goes next: the next lesson and the next item of
    any kind, from the course's outline (kept per catalog version: for what is shown,
    never for what is decided)."""
    return replace(
        progress,
        next_lesson_id=next_lesson_id(outline.lessons, progress.completed_lesson_ids),
        next_item=next_item(outline, progress.completed_lesson_ids, progress.met_keys, progress.requirements_left),
    )


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
    """The enrollment's progress as the learner sees it, with the lesson to continue
    with: what the learner did (one query) over the course's outline (courses.selectors,
    kept per catalog version). Pages and answers show this; a completion is decided on
    `progress_counted`, which reads no cache."""
    return _progress_shown({enrollment.pk: enrollment.course_id})[enrollment.pk]


def progress_counted(enrollment: Enrollment) -> Progress:
    """The enrollment's progress counted in the database from the content as it is now,
    never from a cache, in one query: what decides a completion (the services call it
    under the enrollment's row lock). No next step (`with_next_step` adds it)."""
    return _progress_counted({enrollment.pk: enrollment.course_id})[enrollment.pk]


@dataclass(frozen=True, slots=True)
class ModuleProgress:
    title: str
    done: int
    total: int


def module_progress(progress: Progress, outline: course_selectors.Outline) -> list[ModuleProgress]:
    """Per module of the outline, how many of its items (lessons, quizzes) the learner has
    done, for a progress picture by module (the dashboard's cards)."""
    return [
        ModuleProgress(module.title, sum(1 for e in module.items if progress.state_of(e) == "done"), len(module.items))
        for module in outline.modules
        if module.items
    ]


def next_lesson_id(lessons: Sequence[course_selectors.OutlineLesson], completed: frozenset[int]) -> int | None:
    """The lesson to continue with: the first of the outline not completed yet."""
    return next((ls.pk for ls in lessons if ls.pk not in completed), None)


def next_item(
    outline: course_selectors.Outline,
    completed: frozenset[int],
    met: frozenset[str],
    required: frozenset[str],
    *,
    after_lesson_id: int | None = None,
) -> course_selectors.OutlineEntry | None:
    """The outline's next item to do, of any kind: the first lesson not completed, or item
    (a quiz) that the course requires and the learner has not met yet; after the lesson
    `after_lesson_id` first, where the learner is (then from the start). Optional items
    are offered where they stand in the outline, never as the next step."""
    items = outline.items
    if after_lesson_id is not None:
        here = next((i for i, e in enumerate(items) if e.item_type == "lesson" and e.pk == after_lesson_id), -1)
        items = items[here + 1 :] + items[: here + 1]
    for entry in items:
        if entry.item_type == "lesson":
            if entry.pk not in completed:
                return entry
        elif entry.key in required and entry.key not in met:
            return entry
    return None


def next_item_after(progress: Progress, outline: course_selectors.Outline, lesson_id: int):
    """The next item to do after the lesson `lesson_id` (see next_item)."""
    return next_item(
        outline, progress.completed_lesson_ids, progress.met_keys, progress.requirements_left, after_lesson_id=lesson_id
    )


# The parts of `_done`'s one query: rows of (part, owner, number, key).
_LESSON, _MET, _REQUIRED = range(3)


@dataclass
class _Done:
    lessons: set[int]  # lessons completed
    met: set[str]  # requirement keys met
    required: set[str]  # the course's requirement keys
    started: set[int] = field(default_factory=set)  # lessons opened, not completed


def _done(enrollments: Mapping[int, int], *, lessons: bool = True) -> dict[int, _Done]:
    """For each enrollment (id -> course id), what it has done, in one query (UNION ALL)
    whatever the number of enrollments: the lessons completed and those only opened
    (unless `lessons` is False: lists count them in SQL), the requirement keys met, and
    its course's keys."""
    courses = set(enrollments.values())
    no_number = Value(None, output_field=IntegerField())
    no_key = Value("", output_field=CharField())
    parts = [
        RequirementCompletion.objects.filter(enrollment__in=enrollments)
        .annotate(part=Value(_MET), number=no_number)
        .values_list("part", "enrollment_id", "number", "key"),
        CourseRequirement.objects.filter(course__in=courses)
        .annotate(part=Value(_REQUIRED), number=no_number)
        .values_list("part", "course_id", "number", "key"),
    ]
    if lessons:  # first: the union takes its columns' order and types from the first part
        parts.insert(
            0,
            LessonProgress.objects.filter(enrollment__in=enrollments)
            .annotate(
                part=Value(_LESSON), key=Case(When(completed_at__isnull=True, then=Value("open")), default=no_key)
            )
            .values_list("part", "enrollment_id", "lesson_id", "key"),
        )
    done = {pk: _Done(set(), set(), set()) for pk in enrollments}
    required: dict[int, set[str]] = {course_id: set() for course_id in courses}
    for part, owner, number, key in parts[0].union(*parts[1:], all=True):
        if part == _LESSON:
            (done[owner].started if key else done[owner].lessons).add(number)
        elif part == _MET:
            done[owner].met.add(key)
        else:
            required[owner].add(key)
    for pk, course_id in enrollments.items():
        done[pk].required = required[course_id]
    return done


def _progress_counted(enrollments: Mapping[int, int]) -> dict[int, Progress]:
    """Each enrollment's progress counted in one statement on the primary (the caller may
    have just written there): its completed lessons with whether each is required, the
    requirement keys it met, its course's keys, and its course's numbers of lessons.

    Written as SQL rather than as the ORM's union of six querysets, whose compilation cost
    more than the statement itself on every lesson completed (docs/performance.md); it
    uses nothing beyond what SQLite and PostgreSQL both understand."""
    ids, courses = list(enrollments), sorted(set(enrollments.values()))
    enrollment_in, course_in = ", ".join(["%s"] * len(ids)), ", ".join(["%s"] * len(courses))
    progress, lesson = LessonProgress._meta.db_table, Lesson._meta.db_table
    met, required = RequirementCompletion._meta.db_table, CourseRequirement._meta.db_table
    sql = f"""
        SELECT 0, lp.enrollment_id, lp.lesson_id, CASE WHEN l.is_required THEN 1 ELSE 0 END,
               CASE WHEN lp.completed_at IS NULL THEN 'open' ELSE '' END
          FROM {progress} lp JOIN {lesson} l ON l.id = lp.lesson_id
         WHERE lp.enrollment_id IN ({enrollment_in})
        UNION ALL
        SELECT 1, m.enrollment_id, NULL, NULL, m.key FROM {met} m WHERE m.enrollment_id IN ({enrollment_in})
        UNION ALL
        SELECT 2, r.course_id, NULL, NULL, r.key FROM {required} r WHERE r.course_id IN ({course_in})
        UNION ALL
        SELECT 3, l.course_id, COUNT(*), SUM(CASE WHEN l.is_required THEN 1 ELSE 0 END), ''
          FROM {lesson} l WHERE l.course_id IN ({course_in}) GROUP BY l.course_id
    """  # noqa: S608 - table names from the models; every value is a parameter
    completed: dict[int, set[int]] = {pk: set() for pk in ids}
    started: dict[int, set[int]] = {pk: set() for pk in ids}
    completed_required = dict.fromkeys(ids, 0)
    keys_met: dict[int, set[str]] = {pk: set() for pk in ids}
    keys_required: dict[int, set[str]] = {course_id: set() for course_id in courses}
    lesson_counts = dict.fromkeys(courses, (0, 0))  # course -> (every lesson, required lessons)
    with connections[router.db_for_write(LessonProgress)].cursor() as cursor:
        cursor.execute(sql, [*ids, *ids, *courses, *courses])
        for part, owner, number, flag, key in cursor.fetchall():
            if part == 0 and key:
                started[owner].add(number)
            elif part == 0:
                completed[owner].add(number)
                completed_required[owner] += int(flag)
            elif part == 1:
                keys_met[owner].add(key)
            elif part == 2:
                keys_required[owner].add(key)
            else:
                lesson_counts[owner] = (int(number), int(flag or 0))
    found = {}
    for pk, course_id in enrollments.items():
        every_lesson, required_lessons = lesson_counts[course_id]
        course_keys = keys_required[course_id]
        found[pk] = _progress(
            required_total=required_lessons + len(course_keys),
            required_done=completed_required[pk] + len(keys_met[pk] & course_keys),
            every_total=every_lesson,
            every_done=len(completed[pk]),
            completed=frozenset(completed[pk]),
            requirements_left=frozenset(course_keys - keys_met[pk]),
            started=frozenset(started[pk]),
            met=frozenset(keys_met[pk]),
        )
    return found


def _progress_shown(
    enrollments: Mapping[int, int], outlines: Mapping[int, course_selectors.Outline] | None = None
) -> dict[int, Progress]:
    done = _done(enrollments)
    if outlines is None:
        outlines = course_selectors.outlines_for(set(enrollments.values()))
    found = {}
    for pk, course_id in enrollments.items():
        items, outline = done[pk], outlines[course_id]
        required = {ls.pk for ls in outline.lessons if ls.is_required}
        every = {ls.pk for ls in outline.lessons}
        completed = frozenset(items.lessons)
        progress = _progress(
            required_total=len(required) + len(items.required),
            required_done=len(required & completed) + len(items.met & items.required),
            every_total=len(every),
            every_done=len(every & completed),
            completed=completed,
            requirements_left=frozenset(items.required - items.met),
            started=frozenset(items.started),
            met=frozenset(items.met),
        )
        found[pk] = with_next_step(progress, outline)
    return found


def dashboard_for(user) -> list[Enrollment]:
    """The learner's courses, each with `.progress` (with the next step) and `.modules`
    (ModuleProgress, per module of its outline): three queries whatever the number of
    courses and lessons."""
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
    outlines = course_selectors.outlines_for({e.course_id for e in enrollments})
    progress = _progress_shown({e.pk: e.course_id for e in enrollments}, outlines)
    for e in enrollments:
        e.progress = progress[e.pk]
        e.modules = module_progress(e.progress, outlines[e.course_id])
    return enrollments


@dataclass(frozen=True, slots=True)
class VideoState:
    position: float  # seconds, where to resume
    watched_percent: int


def video_progress_of(enrollment: Enrollment, lesson: Lesson) -> VideoState:
    """Where the learner stopped in the lesson's uploaded video, and how much of it they
    have watched."""
    row = (
        LessonProgress.objects.filter(enrollment=enrollment, lesson=lesson)
        .values_list("video_position", "video_duration", "video_watched")
        .first()
    )
    if row is None or not row[1]:
        return VideoState(position=(row[0] or 0.0) if row else 0.0, watched_percent=0)
    position, duration, segments = row
    return VideoState(position=position or 0.0, watched_percent=int(100 * watched_share(segments, duration)))


def watched_share(segments: list[list[float]] | None, duration: float | None) -> float:
    """How much of a video its merged watched parts cover, from 0 to 1."""
    if not duration:
        return 0.0
    return min(1.0, sum(end - start for start, end in segments or []) / duration)


def course_seats_taken(course: Course) -> int:
    return Enrollment.objects.filter(course=course, status__in=Enrollment.SEATED).count()
