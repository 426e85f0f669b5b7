"""Catalog reads, always scoped to the requester (courses.access)."""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from courses import access, cache, signals
from courses.models import Attachment, Category, Course, Lesson, Module
from lms.exceptions import NotFoundError, PermissionDeniedError
from lms.validation import whole_number

ORDERINGS = {
    "title": ("title", "id"),
    "-title": ("-title", "-id"),
    "published": ("published_at", "id"),
    "-published": ("-published_at", "-id"),
    "popularity": ("-enrollment_count", "-published_at", "-id"),
}

# A course's instructors as every page and answer lists them: what a name needs, in order.
_instructor_rows = User.objects.only("id", "first_name", "last_name", "email").order_by("last_name", "id")
_instructors = Prefetch("instructors", queryset=_instructor_rows)


def course_list_for(user, *, filters: Mapping[str, str] | None = None) -> QuerySet[Course]:
    """Courses `user` may see, filtered and ordered; a constant number of queries."""
    filters = filters or {}
    qs = Course.objects.filter(access.visible_courses_q(user))
    if category := filters.get("category"):
        qs = qs.filter(Q(category__slug=category) | Q(category__parent__slug=category))
    if level := filters.get("level"):
        qs = qs.filter(level=level)
    if language := filters.get("language"):
        qs = qs.filter(language=language)
    if instructor := filters.get("instructor"):
        instructor_id = whole_number(instructor)
        qs = qs.none() if instructor_id is None else qs.filter(instructors__pk=instructor_id)
    if status := filters.get("status"):
        qs = qs.filter(status=status)
    if q := (filters.get("q") or "").strip()[:100]:
        qs = qs.filter(Q(title__icontains=q) | Q(summary__icontains=q))
    ordering = ORDERINGS.get(filters.get("ordering") or "", ("-published_at", "title", "id"))
    # The filters (the instructors join may repeat a course) select ids; the page reads
    # each course once without DISTINCT, so counting the catalog is a plain COUNT(*).
    return (
        Course.objects.filter(pk__in=qs.values("pk"))
        # Lists show summaries: the description (Markdown and HTML, often kilobytes) stays
        # in the database.
        .defer("description", "description_html")
        # category__parent: the serializers name the parent category (one query, not one per course).
        .select_related("category__parent")
        .prefetch_related(_instructors)
        .annotate(lesson_count=_lesson_count())
        .order_by(*ordering)
    )


def _lesson_count():
    """Lessons per course as a correlated subquery, computed for the page's rows only: a
    join and GROUP BY over every lesson of the catalog made each page cost grow with the
    whole catalog (docs/performance.md)."""
    counts = Lesson.objects.filter(course=OuterRef("pk")).order_by().values("course").annotate(n=Count("pk"))
    return Coalesce(Subquery(counts.values("n"), output_field=IntegerField()), Value(0))


# What a catalog list shows of each course, read as values (no model instances).
LIST_COLUMNS = (
    "id", "slug", "title", "summary", "level", "language", "cover_image", "status", "published_at",
    "estimated_hours", "lesson_count", "enrollment_count",
    "category_id", "category__name", "category__slug", "category__parent__slug",
)  # fmt: skip


def course_list_values(courses: QuerySet[Course]) -> QuerySet:
    """A `course_list_for` queryset as rows of LIST_COLUMNS, because building model
    instances with their category was most of a list's Python time (docs/performance.md).
    Instructors: `instructors_of`."""
    return courses.prefetch_related(None).values(*LIST_COLUMNS)


def instructors_of(course_ids: Iterable[int]) -> dict[int, list[User]]:
    """Each course's instructors, in the order the course pages list them; one query."""
    found: dict[int, list[User]] = {pk: [] for pk in course_ids}
    users = _instructor_rows.filter(taught_courses__in=found).annotate(course_id=F("taught_courses"))
    for user in users:
        found[user.course_id].append(user)
    return found


def featured_courses(*, limit: int = 3) -> list[Course]:
    return list(course_list_for(None).filter(is_featured=True).order_by("-published_at", "id")[:limit])


def newest_courses(*, limit: int = 6) -> list[Course]:
    return list(course_list_for(None).order_by("-published_at", "-id")[:limit])


def related_courses(course: Course, *, excluding: Iterable[int] = (), limit: int = 3) -> list[Course]:
    """Published courses of the same category (or its parent's), newest first, leaving
    out `course` and those in `excluding` (the ones the learner already takes)."""
    if course.category_id is None:
        return []
    category = Q(category_id=course.category_id) | Q(category__parent_id=course.category_id)
    if course.category.parent_id:
        category |= Q(category_id=course.category.parent_id)
    courses = course_list_for(None).filter(category).exclude(pk__in=[course.pk, *excluding])
    return list(courses.order_by("-published_at", "-id")[:limit])


def _outline_prefetch() -> Prefetch:
    lessons = Lesson.objects.only(
        "id", "module_id", "course_id", "title", "kind", "is_preview", "is_required", "estimated_minutes", "position"
    ).order_by("position", "id")
    return Prefetch("modules", queryset=Module.objects.order_by("position", "id").prefetch_related(
        Prefetch("lessons", queryset=lessons)
    ))  # fmt: skip


def course_get_for(user, slug: str, *, with_outline: bool = True) -> Course:
    """The course if `user` may see it; NotFoundError otherwise (drafts do not exist for
    the public)."""
    qs = Course.objects.filter(access.visible_courses_q(user), slug=slug).select_related("category__parent")
    qs = qs.prefetch_related(
        _instructors, Prefetch("prerequisites", queryset=Course.objects.only("id", "title", "slug"))
    )
    if with_outline:
        qs = qs.prefetch_related(_outline_prefetch())
    course = qs.first()
    if course is None:
        raise NotFoundError("Course not found.")
    return course


def course_get_public(slug: str) -> Course:
    """`course_get_for(None, slug, with_outline=False)`, the published course with its
    category, instructors and prerequisites as every public viewer sees it
    (access.sees_public_catalog). Each call gets its own instance, unpickled from a
    snapshot kept in the process, so no request can change what another reads.
    NotFoundError as course_get_for; nothing is kept for a slug that is not found."""
    return pickle.loads(_public_course_snapshot(slug))  # noqa: S301  # nosec B301: our own bytes, never input


@cache.cached("public-course", store="local")
def _public_course_snapshot(slug: str) -> bytes:
    return pickle.dumps(course_get_for(None, slug, with_outline=False))


def course_get_for_edit(user, slug: str) -> Course:
    """The course for editing: 404 when `user` cannot see it, 403 when they can but do not
    teach it."""
    course = course_get_for(user, slug, with_outline=False)
    _ensure_teaches(user, course)
    return course


def _ensure_teaches(user, course: Course) -> None:
    if not access.can_edit_course(user, course):
        raise PermissionDeniedError("Only this course's instructors can change it.")


def module_get_for_edit(user, module_id: int) -> Module:
    """The module with its course, for editing: 404 when `user` cannot see the course,
    403 when they can but do not teach it."""
    module = (
        Module.objects.filter(access.visible_courses_q(user, via="course"), pk=module_id)
        .select_related("course")
        .order_by()
        .first()
    )
    if module is None:
        raise NotFoundError("Module not found.")
    _ensure_teaches(user, module.course)
    return module


def module_get_for(user, module_id: int) -> Module:
    """The module with its course and lessons when `user` may see the course; 404 otherwise."""
    module = (
        Module.objects.filter(access.visible_courses_q(user, via="course"), pk=module_id)
        .select_related("course")
        .prefetch_related(Prefetch("lessons", queryset=Lesson.objects.order_by("position", "id")))
        .order_by()
        .first()
    )
    if module is None:
        raise NotFoundError("Module not found.")
    return module


def lesson_get_for_edit(user, lesson_id: int) -> Lesson:
    """lesson_get_for, and 403 unless `user` teaches its course."""
    lesson = lesson_get_for(user, lesson_id)
    _ensure_teaches(user, lesson.course)
    return lesson


def _visible_lessons(user) -> QuerySet[Lesson]:
    """Lessons of the courses `user` may see (the visibility rule on the lesson's own
    query, not a second one for its course)."""
    return Lesson.objects.filter(access.visible_courses_q(user, via="course"))


def lesson_get_for(user, lesson_id: int, *, course_slug: str | None = None) -> Lesson:
    """The lesson, with its module, course and attachments. NotFoundError when its course
    is not visible to `user`, or is not the course `course_slug` names. Whether `user`
    may read its content is enrollments.access's rule."""
    lessons = _visible_lessons(user).filter(pk=lesson_id).order_by()  # one row: no sort (nor its join)
    if course_slug is not None:
        lessons = lessons.filter(course__slug=course_slug)
    lesson = (
        lessons.select_related("module", "course")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .first()
    )
    if lesson is None:
        raise NotFoundError("Lesson not found.")
    return lesson


def lesson_get_visible(user, lesson_id: int) -> Lesson:
    """The lesson, with its course, when `user` may see the course (whether they may
    read it is the caller's rule, e.g. enrollment); NotFoundError otherwise. One query,
    without the texts (the lesson's body, the course's description: kilobytes that
    recording progress never shows)."""
    lesson = (
        _visible_lessons(user)
        .filter(pk=lesson_id)
        .order_by()
        .select_related("course")
        .defer("body", "body_html", "course__description", "course__description_html")
        .first()
    )
    if lesson is None:
        raise NotFoundError("Lesson not found.")
    return lesson


def category_list() -> QuerySet[Category]:
    return Category.objects.select_related("parent").order_by("name")


def course_outline(course: Course) -> list[Module]:
    """Modules with their lessons, in order, from the prefetched outline."""
    return list(course.modules.all())


@dataclass(frozen=True, slots=True)
class OutlineLesson:
    """A lesson as an outline shows it: read as tuples, not model instances, which for a
    long course cost more than the rest of the page (docs/performance.md)."""

    item_type: ClassVar[str] = "lesson"

    pk: int
    title: str
    module_id: int
    kind: str
    is_required: bool
    is_preview: bool
    estimated_minutes: int
    position: int

    @property
    def kind_label(self) -> str:
        return Lesson.Kind(self.kind).label if self.kind in Lesson.Kind.values else self.kind


@dataclass(frozen=True, slots=True)
class OutlineItem:
    """An item of a module other than a lesson (a quiz; later an assignment), given by the
    app that owns it (signals.outline_items_wanted). It is done once its `key` is met (an
    enrollments requirement key, e.g. "quiz:12"), and counts toward completion where its
    course requires that key."""

    item_type: str  # "quiz"
    label: str  # what it is, for people ("Quiz"): a lazy translation, shown in the reader's language
    pk: int
    title: str
    module_id: int
    after_lesson_id: int | None  # shown right after this lesson; None: at the end of the module
    url: str
    key: str
    is_required: bool


OutlineEntry = OutlineLesson | OutlineItem


@dataclass(frozen=True, slots=True)
class OutlineModule:
    pk: int
    title: str
    lessons: tuple[OutlineLesson, ...]
    # Every item of the module in order: its lessons, each followed by the items placed
    # after it, then the module's own items.
    items: tuple[OutlineEntry, ...] = ()
    description: str = ""
    position: int = 0


@dataclass(frozen=True, slots=True)
class Outline:
    """A course's modules in order, each with its lessons and items in order, and every
    lesson and every item in that order. Shared by every reader of the course, never
    changed: callers must not mutate it."""

    modules: tuple[OutlineModule, ...]
    lessons: tuple[OutlineLesson, ...]
    items: tuple[OutlineEntry, ...] = ()


_OUTLINE_FIELDS = ("id", "title", "module_id", "kind", "is_required", "is_preview", "estimated_minutes", "position")


def outline_for(course_id: int) -> Outline:
    """The course's outline (the course page, the lesson page, the dashboard and the
    progress API all read it)."""
    return outlines_for([course_id])[course_id]


@cache.cached("outline", store="local", many=True)
def outlines_for(course_ids: Iterable[int]) -> dict[int, Outline]:
    """The outlines of several courses, read together: two queries, whatever their
    number, and one per kind of other item (quizzes: signals.outline_items_wanted); none
    for the outlines kept in the process (courses.cache)."""
    modules = list(
        Module.objects.filter(course_id__in=course_ids)
        .order_by("position", "id")
        .values_list("id", "course_id", "title", "description", "position")
    )
    course_of = {module_id: course_id for module_id, course_id, *_rest in modules}
    lessons_of: dict[int, list[OutlineLesson]] = {module_id: [] for module_id in course_of}
    rows = (
        Lesson.objects.filter(course_id__in=course_ids)
        .order_by("position", "id")
        .values_list(*_OUTLINE_FIELDS, "course_id")
    )
    for *fields, course_id in rows:
        lesson = OutlineLesson(*fields)
        if course_of.get(lesson.module_id) == course_id:  # a lesson shows under its course's modules only
            lessons_of[lesson.module_id].append(lesson)
    after: dict[int, list[OutlineItem]] = {}  # lesson id -> the items shown after it
    at_end: dict[int, list[OutlineItem]] = {}  # module id -> the items at its end
    for _receiver, items in signals.outline_items_wanted.send(sender=Outline, course_ids=course_ids):
        for item in items:
            if item.module_id not in course_of:
                continue
            if item.after_lesson_id is None:
                at_end.setdefault(item.module_id, []).append(item)
            else:
                after.setdefault(item.after_lesson_id, []).append(item)
    modules_of: dict[int, list[OutlineModule]] = {course_id: [] for course_id in course_ids}
    for module_id, course_id, title, description, position in modules:
        lessons = tuple(lessons_of[module_id])
        entries: list[OutlineEntry] = []
        for lesson in lessons:
            entries.append(lesson)
            entries.extend(after.get(lesson.pk, ()))
        entries.extend(at_end.get(module_id, ()))
        modules_of[course_id].append(OutlineModule(module_id, title, lessons, tuple(entries), description, position))
    return {
        course_id: Outline(
            modules=tuple(built),
            lessons=tuple(lesson for module in built for lesson in module.lessons),
            items=tuple(entry for module in built for entry in module.items),
        )
        for course_id, built in modules_of.items()
    }


def outline_modules(course_id: int) -> tuple[OutlineModule, ...]:
    """The modules of the course in order, each with its lessons in order."""
    return outline_for(course_id).modules


def outline_lessons(course_id: int) -> tuple[OutlineLesson, ...]:
    """Every lesson of the course in outline order (module order, then lesson order)."""
    return outline_for(course_id).lessons
