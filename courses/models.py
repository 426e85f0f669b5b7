import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.validators import validate_avatar as validate_image
from courses.markdown import render_markdown
from courses.validators import validate_attachment, validate_video_file, validate_video_url, video_embed_url
from lms.models import TimeStampedModel


def private_storage():
    from lms.storage import get_private_storage

    return get_private_storage()


def _random_name(prefix: str, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    extension = "".join(c for c in extension if c.isalnum())[:8] or "bin"
    return f"{prefix}/{uuid.uuid4().hex}.{extension}"


def cover_upload_to(instance, filename: str) -> str:
    return _random_name("covers", filename)


def attachment_upload_to(instance, filename: str) -> str:
    return _random_name("attachments", filename)


def video_upload_to(instance, filename: str) -> str:
    return _random_name("videos", filename)


class Category(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        node, seen = self.parent, set()
        while node is not None:
            if node.pk == self.pk or node.pk in seen:
                raise ValidationError({"parent": _("A category cannot be its own ancestor.")})
            seen.add(node.pk)
            node = node.parent


class Course(TimeStampedModel):
    class Level(models.TextChoices):
        BEGINNER = "beginner", _("Beginner")
        INTERMEDIATE = "intermediate", _("Intermediate")
        ADVANCED = "advanced", _("Advanced")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description (Markdown)"), blank=True)
    description_html = models.TextField(editable=False, blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, null=True, blank=True, related_name="courses")
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, default=Level.BEGINNER)
    language = models.CharField(
        _("language"), max_length=16, default="en", help_text=_("Language code, e.g. en, fr, ar.")
    )
    cover_image = models.ImageField(
        _("cover image"), upload_to=cover_upload_to, blank=True, validators=[validate_image]
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    is_featured = models.BooleanField(_("featured on the home page"), default=False)
    instructors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="taught_courses", blank=True)
    prerequisites = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="required_by")
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True, help_text=_("Empty: unlimited."))
    enrollment_opens_at = models.DateTimeField(_("enrollment opens"), null=True, blank=True)
    enrollment_closes_at = models.DateTimeField(_("enrollment closes"), null=True, blank=True)
    estimated_hours = models.DecimalField(_("estimated hours"), max_digits=6, decimal_places=1, null=True, blank=True)
    # Active enrollments, kept by the enrollments services; orders the catalog by popularity.
    enrollment_count = models.PositiveIntegerField(default=0, editable=False)

    # Who changed what and when, shown in the admin (django-simple-history).
    history = HistoricalRecords(excluded_fields=["enrollment_count"])

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["-published_at", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1), name="course_capacity_positive"
            ),
            models.CheckConstraint(
                condition=Q(enrollment_opens_at__isnull=True)
                | Q(enrollment_closes_at__isnull=True)
                | Q(enrollment_closes_at__gt=F("enrollment_opens_at")),
                name="course_enrollment_window_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False), name="course_published_has_date"
            ),
        ]
        indexes = [models.Index(fields=["status", "-published_at"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        # Derived, not a side effect: the sanitised HTML always matches the Markdown.
        self.description_html = render_markdown(self.description)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "description" in update_fields:
            kwargs["update_fields"] = {*update_fields, "description_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("courses:detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        if (
            self.enrollment_opens_at
            and self.enrollment_closes_at
            and self.enrollment_closes_at <= self.enrollment_opens_at
        ):
            raise ValidationError({"enrollment_closes_at": _("Enrollment must close after it opens.")})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Module(TimeStampedModel):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0, help_text=_("Lower comes first."))

    # Who changed what and when, shown in the admin (django-simple-history).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["course_id", "position", "id"]
        indexes = [models.Index(fields=["course", "position"])]

    def __str__(self) -> str:
        return self.title


class Lesson(TimeStampedModel):
    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        VIDEO = "video", _("Video")
        FILE = "file", _("File")

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="lessons")
    # Denormalised from module.course (kept by save()): progress and outlines query by course.
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons", editable=False)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.TEXT)
    body = models.TextField(_("body (Markdown)"), blank=True)
    body_html = models.TextField(editable=False, blank=True)
    video_url = models.URLField(
        _("video URL"), blank=True, validators=[validate_video_url], help_text=_("YouTube or Vimeo.")
    )
    video_file = models.FileField(
        _("video file"),
        upload_to=video_upload_to,
        storage=private_storage,
        blank=True,
        validators=[validate_video_file],
    )
    is_preview = models.BooleanField(_("free preview"), default=False, help_text=_("Readable without enrolling."))
    is_required = models.BooleanField(_("required for completion"), default=True)
    estimated_minutes = models.PositiveIntegerField(_("estimated minutes"), default=5)
    position = models.PositiveIntegerField(_("position"), default=0, help_text=_("Lower comes first."))

    # Who changed what and when, shown in the admin (django-simple-history).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["module__position", "module_id", "position", "id"]
        indexes = [models.Index(fields=["module", "position"]), models.Index(fields=["course", "is_required"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.course_id = self.module.course_id
        self.body_html = render_markdown(self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "course", "body_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("enrollments:lesson", kwargs={"slug": self.course.slug, "lesson_id": self.pk})

    def clean(self) -> None:
        if self.kind == self.Kind.VIDEO and not (self.video_url or self.video_file):
            raise ValidationError({"video_url": _("A video lesson needs a video link or an uploaded video.")})

    @property
    def video_embed_url(self) -> str | None:
        return video_embed_url(self.video_url)

    @property
    def listed_attachments(self) -> list:
        """The lesson's downloads: its attachments but the images placed in its text (from
        the prefetched attachments, no query of its own)."""
        return [a for a in self.attachments.all() if not a.is_inline]


class Attachment(TimeStampedModel):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(_("title"), max_length=200, blank=True)
    file = models.FileField(
        _("file"), upload_to=attachment_upload_to, storage=private_storage, validators=[validate_attachment]
    )
    original_name = models.CharField(max_length=255, editable=False, blank=True)
    size = models.PositiveBigIntegerField(default=0, editable=False)
    # An image placed in the lesson's text (pasted or dropped in the admin): shown there,
    # not listed among the lesson's downloads.
    is_inline = models.BooleanField(_("image in the text"), default=False, editable=False)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["lesson_id", "id"]

    def __str__(self) -> str:
        return self.title or self.original_name or self.file.name

    def save(self, *args, **kwargs):
        if self.file and not getattr(self.file, "_committed", True):
            self.original_name = self.original_name or self.file.name.rsplit("/", 1)[-1][:255]
            self.size = self.file.size
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.title or self.original_name

    @property
    def download_name(self) -> str:
        """A safe file name for Content-Disposition: the title's letters, the real extension."""
        import re

        extension = self.file.name.rsplit(".", 1)[-1]
        base = re.sub(r"[^A-Za-z0-9._ -]+", "", (self.title or self.original_name.rsplit(".", 1)[0]))[:80].strip()
        return f"{base or 'attachment'}.{extension}"
