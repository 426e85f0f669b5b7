"""Course authoring rules. The admin, the API and the demo loader all call these."""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, ProtectedError
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_update_with_history

from courses import access
from courses.cache import bump_catalog_version
from courses.errors import ErrorCode
from courses.models import Attachment, Course, Lesson, Module
from lms import ordering
from lms.exceptions import ApplicationError, ConflictError, PermissionDeniedError

COURSE_FIELDS = (
    "title", "slug", "summary", "description", "category", "level", "language", "cover_image", "capacity",
    "enrollment_opens_at", "enrollment_closes_at", "estimated_hours", "is_featured",
)  # fmt: skip
MODULE_FIELDS = ("title", "description", "position")
LESSON_FIELDS = (
    "title", "kind", "body", "video_url", "video_file", "is_preview", "is_required", "estimated_minutes", "position",
)  # fmt: skip


def _invalid(errors: Mapping[str, list[str]]) -> ApplicationError:
    return ApplicationError("Invalid input.", code=ErrorCode.INVALID, extra={"errors": dict(errors)})


def _full_clean(instance, *, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise _invalid(exc.message_dict) from exc


def _unique_slug(title: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:180] or "course"
    slug, n = base, 2
    while Course.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _apply(instance, data: Mapping, fields: tuple[str, ...]) -> None:
    for name in fields:
        if name in data:
            setattr(instance, name, data[name])


@transaction.atomic
def course_create(*, instructor, data: Mapping) -> Course:
    """A new course taught by `instructor`: a draft, unless `data["status"]` asks for
    another status, which then goes through `course_set_status` in the same transaction
    (a refused publication creates nothing)."""
    if not access.can_author(instructor):
        raise PermissionDeniedError("Only instructors can create courses.")
    course = Course(status=Course.Status.DRAFT)
    _apply(course, data, COURSE_FIELDS)
    if not course.slug:
        course.slug = _unique_slug(course.title)
    _full_clean(course)
    try:
        with transaction.atomic():
            course.save()
    except IntegrityError as exc:
        raise _invalid({"slug": ["A course with this slug already exists."]}) from exc
    course.instructors.add(instructor)
    if "prerequisites" in data:
        course_set_prerequisites(course=course, prerequisites=data["prerequisites"])
    if data.get("status") and data["status"] != course.status:
        course_set_status(course=course, status=data["status"])
    return course


@transaction.atomic
def course_update(*, course: Course, data: Mapping) -> Course:
    _apply(course, data, COURSE_FIELDS)
    _full_clean(course)
    course.save()
    if "prerequisites" in data:
        course_set_prerequisites(course=course, prerequisites=data["prerequisites"])
    if "status" in data and data["status"] != course.status:
        course_set_status(course=course, status=data["status"])
    return course


def course_set_prerequisites(*, course: Course, prerequisites) -> None:
    prerequisites = list(prerequisites)
    if any(p.pk == course.pk for p in prerequisites):
        raise _invalid({"prerequisites": ["A course cannot require itself."]})
    # No cycles: none of the new prerequisites may (transitively) require this course.
    frontier, seen = {p.pk for p in prerequisites}, set()
    while frontier:
        if course.pk in frontier:
            raise _invalid({"prerequisites": ["These prerequisites would form a cycle."]})
        seen |= frontier
        frontier = (
            set(
                Course.prerequisites.through.objects.filter(from_course_id__in=frontier).values_list(
                    "to_course_id", flat=True
                )
            )
            - seen
        )
    course.prerequisites.set(prerequisites)


@transaction.atomic
def course_set_status(*, course: Course, status: str) -> Course:
    """Publish, unpublish (back to draft) or archive. A course is published only with at
    least one lesson; the first publication sets `published_at`."""
    if status not in Course.Status.values:
        raise _invalid({"status": [f"Unknown status {status!r}."]})
    if status == Course.Status.PUBLISHED:
        if not Lesson.objects.filter(course=course).exists():
            raise ApplicationError(
                "A course needs at least one lesson before it is published.", code=ErrorCode.COURSE_EMPTY
            )
        course.published_at = course.published_at or timezone.now()
    course.status = status
    course.save(update_fields=["status", "published_at", "updated_at"])
    return course


def course_publish(*, course: Course) -> Course:
    return course_set_status(course=course, status=Course.Status.PUBLISHED)


def course_unpublish(*, course: Course) -> Course:
    return course_set_status(course=course, status=Course.Status.DRAFT)


@transaction.atomic
def course_duplicate(*, course: Course, instructor=None) -> Course:
    """A draft copy with the same modules, lessons and attachments (files are shared, not
    copied: stored files are never deleted by the application)."""
    source = Course.objects.prefetch_related("modules__lessons__attachments", "instructors", "prerequisites").get(
        pk=course.pk
    )
    copy = Course.objects.get(pk=course.pk)
    copy.pk = None
    copy.id = None
    copy.title = f"{source.title} (copy)"[:200]
    copy.slug = _unique_slug(f"{source.slug}-copy")
    copy.status = Course.Status.DRAFT
    copy.published_at = None
    copy.is_featured = False
    copy.enrollment_count = 0
    copy.save()
    copy.instructors.set(source.instructors.all())
    if instructor is not None:
        copy.instructors.add(instructor)
    copy.prerequisites.set(source.prerequisites.all())
    for module in source.modules.all():
        lessons = list(module.lessons.all())
        module.pk = module.id = None
        module.course = copy
        module.save()
        for lesson in lessons:
            attachments = list(lesson.attachments.all())
            old = (source.slug, lesson.pk)
            lesson.pk = lesson.id = None
            lesson.module = module
            lesson.save()
            _copy_attachments(lesson, attachments, old=old)
    return copy


def course_enrollment_count_adjust(*, course_id: int, delta: int) -> None:
    """Keep the catalog's popularity counter; called by the enrollments services."""
    # Never below zero, even if the counter had drifted from the rows it counts.
    Course.objects.filter(pk=course_id).update(enrollment_count=Greatest(F("enrollment_count") + delta, 0))


@transaction.atomic
def module_create(*, course: Course, data: Mapping) -> Module:
    module = Module(course=course)
    _apply(module, data, MODULE_FIELDS)
    if "position" not in data:
        module.position = (course.modules.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    _full_clean(module)
    module.save()
    return module


@transaction.atomic
def module_update(*, module: Module, data: Mapping) -> Module:
    _apply(module, data, MODULE_FIELDS)
    _full_clean(module)
    module.save()
    return module


def _delete(instance, *, what: str) -> None:
    """Delete, or 409 while other records are protected from it (a quiz on a module or a
    lesson: a quiz with attempts is a record of grades, deleted on its own first)."""
    try:
        with transaction.atomic():
            instance.delete()
    except ProtectedError as exc:
        kinds = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
        raise ConflictError(
            f"This {what} still has {', '.join(kinds)}: delete or move them first.", code=ErrorCode.HAS_DEPENDENTS
        ) from exc


def module_delete(*, module: Module) -> None:
    """A module, its lessons and their attachments and progress."""
    _delete(module, what="module")


def _lock_course(course_id: int) -> None:
    Course.objects.select_for_update().filter(pk=course_id).values_list("pk", flat=True).first()


@transaction.atomic
def modules_reorder(*, course: Course, order: list[int]) -> None:
    """The course's modules in `order` (every module once), in one transaction."""
    _lock_course(course.pk)
    ordering.renumber(Module, list(course.modules.all()), order, what="course's modules")
    transaction.on_commit(bump_catalog_version)  # a bulk update sends no post_save


@transaction.atomic
def lessons_reorder(*, module: Module, order: list[int]) -> None:
    """The module's lessons in `order` (every lesson once), in one transaction."""
    _lock_course(module.course_id)
    ordering.renumber(Lesson, list(module.lessons.all()), order, what="module's lessons")
    transaction.on_commit(bump_catalog_version)


@transaction.atomic
def lesson_create(*, module: Module, data: Mapping) -> Lesson:
    lesson = Lesson(module=module, course=module.course)
    _apply(lesson, data, LESSON_FIELDS)
    if "position" not in data:
        lesson.position = (module.lessons.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    _full_clean(lesson)
    lesson.save()
    return lesson


@transaction.atomic
def lesson_update(*, lesson: Lesson, data: Mapping) -> Lesson:
    """Change a lesson; `data["module"]` moves it to another module of the same course
    (at the end, unless a position is given)."""
    target = data.get("module")
    if target is not None and target.pk != lesson.module_id:
        if target.course_id != lesson.course_id:
            raise _invalid({"module": ["Lessons move between modules of the same course."]})
        _lock_course(lesson.course_id)
        lesson.module = target
        if "position" not in data:
            last = target.lessons.order_by("-position").values_list("position", flat=True).first()
            lesson.position = (last or 0) + 1
    _apply(lesson, data, LESSON_FIELDS)
    _full_clean(lesson)
    lesson.save()
    return lesson


@transaction.atomic
def lesson_duplicate(*, lesson: Lesson) -> Lesson:
    """A copy of the lesson right after it in its module, with its attachments (the files
    shared, as course_duplicate does). Its quizzes are not copied: they are graded records
    of their own."""
    _lock_course(lesson.course_id)
    source = Lesson.objects.prefetch_related("attachments").get(pk=lesson.pk)
    later = list(Lesson.objects.filter(module_id=source.module_id, position__gt=source.position))
    for other in later:
        other.position += 1
    if later:
        bulk_update_with_history(later, Lesson, ["position"], batch_size=500)
    attachments = list(source.attachments.all())
    copy = Lesson.objects.select_related("course").get(pk=source.pk)
    copy.pk = copy.id = None
    copy.title = f"{source.title} (copy)"[:200]
    copy.position = source.position + 1
    copy.save()
    _copy_attachments(copy, attachments, old=(copy.course.slug, source.pk))
    return copy


def image_path(course_slug: str, lesson_id: int, attachment_id: int) -> str:
    """Where an image placed in a lesson's text is served, with the lesson's access rules
    (the learner pages' attachment route)."""
    return reverse(
        "enrollments:attachment", kwargs={"slug": course_slug, "lesson_id": lesson_id, "attachment_id": attachment_id}
    )


def _copy_attachments(lesson: Lesson, attachments: list[Attachment], *, old: tuple[str, int]) -> None:
    """The attachments again, on the copied `lesson` (the stored files shared); images in
    its text point at the copy's own, so the copy shows them to its own learners."""
    copies = Attachment.objects.bulk_create(
        [
            Attachment(
                lesson=lesson, title=a.title, file=a.file.name, original_name=a.original_name, size=a.size,
                is_inline=a.is_inline,
            )
            for a in attachments
        ]
    )  # fmt: skip
    body = lesson.body
    slug = Course.objects.filter(pk=lesson.course_id).values_list("slug", flat=True).first()
    for original, copied in zip(attachments, copies, strict=True):
        if original.is_inline:
            body = body.replace(image_path(old[0], old[1], original.pk), image_path(slug, lesson.pk, copied.pk))
    if body != lesson.body:
        lesson.body = body
        lesson.save(update_fields=["body"])


@transaction.atomic
def lesson_image_add(*, lesson: Lesson, image) -> tuple[Attachment, str]:
    """An image placed in the lesson's text (pasted or dropped in the admin's editor):
    checked like every attachment (PNG or JPEG, by content), kept with the lesson, served
    with its access rules. Returns it and the Markdown that shows it."""
    extension = image.name.rsplit(".", 1)[-1].lower() if "." in image.name else ""
    if extension not in ("png", "jpg", "jpeg"):
        raise _invalid({"image": ["Paste or drop a PNG or JPEG image."]})
    name = image.name.rsplit("/", 1)[-1][:200]
    attachment = Attachment(lesson=lesson, file=image, title=name, is_inline=True)
    _full_clean(attachment)
    attachment.save()
    alt = re.sub(r"[\[\]()]", "", name.rsplit(".", 1)[0])[:80] or "image"
    return attachment, f"![{alt}]({image_path(lesson.course.slug, lesson.pk, attachment.pk)})"


def lesson_delete(*, lesson: Lesson) -> None:
    """A lesson, its attachments and learners' progress on it."""
    _delete(lesson, what="lesson")


@transaction.atomic
def attachment_add(*, lesson: Lesson, file, title: str = "") -> Attachment:
    attachment = Attachment(lesson=lesson, file=file, title=title)
    _full_clean(attachment)
    attachment.save()
    return attachment
