from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from courses.models import Course, private_storage
from lms.models import TimeStampedModel


class Export(TimeStampedModel):
    """A CSV report built in the background for the person who asked for it. The file
    lives in the private storage and is served only to them; exports are deleted after
    `reports.services.RETENTION`."""

    class Kind(models.TextChoices):
        ENROLLMENTS = "enrollments", _("Enrollments and progress (one row per enrollment)")
        PROGRESS = "progress", _("Lesson progress (one row per learner and lesson)")
        GRADES = "grades", _("Quiz grades (one row per submitted attempt)")
        GRADEBOOK = "gradebook", _("Gradebook (one row per learner and grade item, and the course grade)")

    # The kinds /api/v1/ knows: its clients read `kind` as a closed set, so a kind added
    # later is offered in the admin (and a later API version) only.
    V1_KINDS = ("enrollments", "progress", "grades")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", _("Excel (XLSX)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # Empty: every course the requester teaches (all courses for staff).
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("course")
    )
    format = models.CharField(_("format"), max_length=4, choices=Format.choices, default=Format.CSV)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(upload_to="exports/", storage=private_storage, blank=True, editable=False)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True, editable=False)
    error = models.CharField(max_length=300, blank=True, editable=False)
    builds = models.PositiveSmallIntegerField(default=0, editable=False)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="ready") | ~models.Q(file=""), name="export_ready_has_file"
            ),
            # One pending export per person, kind and scope (course, or every course: the
            # Coalesce makes the empty scope one value), so two requests at once (two tabs,
            # a retry) build once (reports.services.export_request).
            models.UniqueConstraint(
                "requested_by",
                "kind",
                "format",
                Coalesce("course", 0),
                condition=models.Q(status="pending"),
                name="export_one_pending_per_scope",
            ),
        ]

    def __str__(self) -> str:
        scope = self.course.title if self.course_id else _("all courses")
        return f"{self.get_kind_display()} · {scope}"

    @property
    def content_type(self) -> str:
        if self.format == self.Format.XLSX:
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return "text/csv; charset=utf-8"

    @property
    def filename(self) -> str:
        scope = self.course.slug if self.course_id else "all-courses"
        return f"{self.kind}-{scope}-{self.created_at:%Y%m%d-%H%M}.{self.format}"


# The kinds /api/v1/ takes and shows (its ExportKindEnum, a closed set for its clients).
V1_KIND_CHOICES = [choice for choice in Export.Kind.choices if choice[0] in Export.V1_KINDS]
