"""Assignments: work a learner hands in (text, files) and an instructor grades by hand.

An assignment is an item of a module, beside lessons and quizzes (it joins its course's
outline through courses.signals.outline_items_wanted); a required one is a completion
requirement (`assignment:<id>`, enrollments.CourseRequirement), met when a released grade
reaches its pass mark. Times are the server's only."""

import re
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from courses.markdown import render_markdown
from courses.models import Course, Module
from lms.models import TimeStampedModel


def requirement_key(assignment_id: int) -> str:
    return f"assignment:{assignment_id}"


def rubric_problem(rubric, points) -> str:
    """Why `rubric` cannot grade an assignment of `points` (empty when it can): each
    criterion a title and two levels or more, each level a label and its points, and the
    best levels adding up to the points."""
    try:
        best = Decimal(0)
        for criterion in rubric:
            levels = criterion["levels"]
            if not str(criterion["title"]).strip() or len(levels) < 2:
                return str(_("Each criterion needs a title and two levels at least."))
            values = [Decimal(str(level["points"])) for level in levels]
            if any(v < 0 or not v.is_finite() for v in values) or any(not str(lv["label"]).strip() for lv in levels):
                return str(_("Each level needs a label and points of 0 or more."))
            best += max(values)
    except (KeyError, TypeError, ArithmeticError, ValueError):
        return str(_("Each criterion needs a title and two levels at least."))
    if points is not None and best != Decimal(points):
        return str(
            _("The best levels add up to %(best)s points; the assignment is worth %(points)s.")
            % {"best": best.normalize(), "points": Decimal(points).normalize()}
        )
    return ""


def attachment_max_mb() -> int:
    """The largest file a learner may hand in, in MB: the one limit every upload has
    (COURSE_ATTACHMENT_MAX_BYTES), so an assignment never promises more."""
    return settings.COURSE_ATTACHMENT_MAX_BYTES // (1024 * 1024)


def private_storage():
    from lms.storage import get_private_storage

    return get_private_storage()


def submission_upload_to(instance, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    extension = "".join(c for c in extension if c.isalnum())[:8] or "bin"
    return f"submissions/{uuid.uuid4().hex}.{extension}"


class Assignment(TimeStampedModel):
    class LatePolicy(models.TextChoices):
        PENALTY = "penalty", _("Accept late work, with a penalty per day")
        REFUSE = "refuse", _("Refuse work after the due date")

    class Release(models.TextChoices):
        ON_GRADE = "on_grade", _("Each grade as soon as it is given")
        MANUAL = "manual", _("All grades when I release them")

    # Denormalised from the module (kept by save()): access checks go by course.
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="assignments", editable=False)
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="assignments")
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions (Markdown)"), blank=True)
    instructions_html = models.TextField(editable=False, blank=True)
    points = models.DecimalField(
        _("points"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(100),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    accept_text = models.BooleanField(_("accept online text"), default=True)
    accept_files = models.BooleanField(_("accept files"), default=False)
    max_files = models.PositiveSmallIntegerField(
        _("files at most"), default=1, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    max_file_mb = models.PositiveSmallIntegerField(
        _("size of each file at most (MB)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(attachment_max_mb)],
    )
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    cutoff_at = models.DateTimeField(
        _("last accepted"), null=True, blank=True, help_text=_("Nothing is accepted after this, late or not.")
    )
    late_policy = models.CharField(
        _("late work"), max_length=16, choices=LatePolicy.choices, default=LatePolicy.PENALTY
    )
    late_penalty_percent = models.DecimalField(
        _("penalty per day late (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(10),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    late_penalty_cap_percent = models.DecimalField(
        _("penalty at most (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(50),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    max_submissions = models.PositiveSmallIntegerField(
        _("submissions at most"),
        default=1,
        validators=[MaxValueValidator(20)],
        help_text=_(
            "A learner changes their work until it is graded; above 1, they may hand it in again after a grade."
        ),
    )
    is_required = models.BooleanField(_("required for completion"), default=True)
    pass_percent = models.PositiveSmallIntegerField(_("pass mark (%)"), default=50, validators=[MaxValueValidator(100)])
    release_policy = models.CharField(
        _("grades shown to learners"), max_length=16, choices=Release.choices, default=Release.ON_GRADE
    )
    # [{"title": "Clarity", "levels": [{"label": "Clear", "points": "5"}, ...]}, ...]: the
    # grader picks a level of each criterion and the score is their sum.
    rubric = models.JSONField(_("rubric"), default=list, blank=True)
    anonymous_grading = models.BooleanField(
        _("grade anonymously"),
        default=False,
        help_text=_("Graders see a number, not the learner's name, until the grades are released."),
    )

    # Who changed what and when, shown in the admin (django-simple-history).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["course_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="assignment_points_positive"),
            models.CheckConstraint(
                condition=Q(due_at__isnull=True) | Q(opens_at__isnull=True) | Q(due_at__gt=F("opens_at")),
                name="assignment_due_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(cutoff_at__isnull=True) | Q(due_at__isnull=True) | Q(cutoff_at__gte=F("due_at")),
                name="assignment_cutoff_after_due",
            ),
            models.CheckConstraint(condition=Q(max_files__gte=1), name="assignment_max_files_positive"),
            models.CheckConstraint(condition=Q(pass_percent__lte=100), name="assignment_pass_percent"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.course_id = self.module.course_id
        self.instructions_html = render_markdown(self.instructions)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        if not (self.accept_text or self.accept_files):
            errors["accept_text"] = _("Accept online text, files, or both.")
        if self.opens_at and self.due_at and self.due_at <= self.opens_at:
            errors["due_at"] = _("The due date must come after the opening.")
        if self.due_at and self.cutoff_at and self.cutoff_at < self.due_at:
            errors["cutoff_at"] = _("The last accepted moment cannot come before the due date.")
        if self.cutoff_at and not self.due_at:
            errors["due_at"] = _("Give a due date before a last accepted moment.")
        if self.rubric:
            problem = rubric_problem(self.rubric, self.points)
            if problem:
                errors["rubric"] = problem
        if errors:
            raise ValidationError(errors)

    def get_absolute_url(self) -> str:
        return reverse("assignments:detail", kwargs={"assignment_id": self.pk})

    @property
    def requirement_key(self) -> str:
        return requirement_key(self.pk)

    @property
    def rubric_best(self) -> Decimal:
        return sum((max(Decimal(level["points"]) for level in c["levels"]) for c in self.rubric), Decimal(0))


class Extension(TimeStampedModel):
    """A learner's own due date (and last accepted moment) for one assignment, granted by
    the course's instructors; who and when kept."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="extensions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignment_extensions")
    due_at = models.DateTimeField(_("due for this learner"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        constraints = [models.UniqueConstraint(fields=["assignment", "user"], name="extension_once_per_learner")]

    def __str__(self) -> str:
        return f"{self.user} · {self.assignment}"


class Submission(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        GRADED = "graded", _("Graded (not yet shown)")
        RETURNED = "returned", _("Returned")

    IN_PROGRESS = (Status.DRAFT, Status.SUBMITTED)

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="submissions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions")
    number = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    text = models.TextField(_("text"), blank=True)
    text_html = models.TextField(editable=False, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due for this learner"), null=True, blank=True)
    late_seconds = models.PositiveIntegerField(_("late by (seconds)"), default=0)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    penalty_percent = models.DecimalField(_("late penalty (%)"), max_digits=5, decimal_places=2, default=Decimal(0))
    final_score = models.DecimalField(_("final score"), max_digits=6, decimal_places=2, null=True, blank=True)
    feedback = models.TextField(_("feedback (Markdown)"), blank=True)
    feedback_html = models.TextField(editable=False, blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    # The level picked in each criterion of the assignment's rubric: {"0": 2, "1": 0}.
    rubric_choices = models.JSONField(default=dict, blank=True, editable=False)
    # Bumped by every grading: a grader saving over a version they did not see is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "user", "number"], name="submission_number_unique"),
            models.UniqueConstraint(
                fields=["assignment", "user"],
                condition=Q(status__in=["draft", "submitted"]),
                name="submission_one_in_progress",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False), name="submission_submitted_has_date"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["graded", "returned"]) | Q(score__isnull=False, final_score__isnull=False),
                name="submission_graded_has_score",
            ),
        ]
        indexes = [models.Index(fields=["assignment", "status"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.assignment} #{self.number}"

    def save(self, *args, **kwargs):
        # A learner's text keeps its line breaks (a pasted script, a poem): each one a hard
        # break in Markdown.
        self.text_html = render_markdown(re.sub(r"(?<!\n)\n(?!\n)", "  \n", self.text))
        self.feedback_html = render_markdown(self.feedback)
        super().save(*args, **kwargs)

    @property
    def rubric_lines(self) -> list[tuple[str, str, Decimal]]:
        """(criterion, level picked, its points) for each criterion of the rubric graded."""
        lines = []
        for i, criterion in enumerate(self.assignment.rubric or []):
            level = (self.rubric_choices or {}).get(str(i))
            if level is not None and 0 <= level < len(criterion["levels"]):
                picked = criterion["levels"][level]
                lines.append((criterion["title"], picked["label"], Decimal(str(picked["points"]))))
        return lines

    @property
    def is_late(self) -> bool:
        return self.late_seconds > 0

    @property
    def percent(self) -> Decimal | None:
        if self.final_score is None:
            return None
        return (self.final_score * 100 / self.assignment.points).quantize(Decimal("0.01"))


class SubmissionFile(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to=submission_upload_to, storage=private_storage)
    original_name = models.CharField(max_length=255, editable=False)
    size = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["submission_id", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def download_name(self) -> str:
        import re

        extension = self.file.name.rsplit(".", 1)[-1]
        base = re.sub(r"[^A-Za-z0-9._ -]+", "", self.original_name.rsplit(".", 1)[0])[:80].strip()
        return f"{base or 'submission'}.{extension}"


def feedback_upload_to(instance, filename: str) -> str:
    return submission_upload_to(instance, filename).replace("submissions/", "feedback/", 1)


class FeedbackFile(models.Model):
    """A file the grader returns with the feedback (a marked-up copy, a model answer):
    shown to the learner with the grade, once released."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="feedback_files")
    file = models.FileField(_("file"), upload_to=feedback_upload_to, storage=private_storage)
    original_name = models.CharField(max_length=255, editable=False)
    size = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["submission_id", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def download_name(self) -> str:
        return SubmissionFile.download_name.fget(self)


class DueReminder(models.Model):
    """One reminder sent to a learner before an assignment's due date (their own): the row
    makes a second run, or a second worker, send nothing more."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assignment", "user"], name="due_reminder_once")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.assignment_id}"
