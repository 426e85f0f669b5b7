"""The gradebook: every quiz and assignment of a course is a grade item, with manual items
beside them (participation, an offline exam); a cell can be overridden with a reason. The
course grade is the points earned over the points of the items graded so far ("natural"
aggregation, as Moodle's default), with a letter from the course's scale."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from courses.models import Course
from lms.models import TimeStampedModel

DEFAULT_SCALE = [[90, "A"], [80, "B"], [70, "C"], [60, "D"], [0, "F"]]


def default_scale() -> list:
    return [list(step) for step in DEFAULT_SCALE]


class Gradebook(TimeStampedModel):
    """A course's gradebook rules (one per course, made when first needed)."""

    class QuizPolicy(models.TextChoices):
        BEST = "best", _("Best attempt")
        LAST = "last", _("Last attempt")
        AVERAGE = "average", _("Average of the attempts")

    course = models.OneToOneField(Course, on_delete=models.CASCADE, related_name="gradebook")
    quiz_policy = models.CharField(
        _("a quiz counts its"), max_length=8, choices=QuizPolicy.choices, default=QuizPolicy.BEST
    )
    scale = models.JSONField(
        _("letter scale"),
        default=default_scale,
        help_text=_('[[90, "A"], [80, "B"], …]: the lowest percent of each letter.'),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("gradebook")
        verbose_name_plural = _("gradebooks")

    def __str__(self) -> str:
        return str(self.course)


class ManualItem(TimeStampedModel):
    """A grade item kept by hand: participation, an offline exam."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="manual_grade_items")
    title = models.CharField(_("title"), max_length=200)
    points = models.DecimalField(
        _("points"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(100),
        validators=[MinValueValidator(Decimal("0.01"))],
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("manual grade item")
        verbose_name_plural = _("manual grade items")
        ordering = ["course_id", "id"]

    def __str__(self) -> str:
        return self.title


class Override(TimeStampedModel):
    """A cell of the gradebook set by hand (the only value of a manual item's cell): the
    percent, why, who and when; every change kept in its history."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="grade_overrides")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grade_overrides")
    item_key = models.CharField(max_length=40)  # "quiz:12", "assignment:5", "manual:3"
    percent = models.DecimalField(
        _("percent"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    reason = models.CharField(_("reason"), max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("grade override")
        verbose_name_plural = _("grade overrides")
        constraints = [
            models.UniqueConstraint(fields=["course", "user", "item_key"], name="override_once_per_cell"),
            models.CheckConstraint(condition=models.Q(percent__gte=0, percent__lte=100), name="override_percent_range"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.item_key}"
