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


def course_grade_key(course_id: int) -> str:
    """The course requirement "course grade at or above the pass mark": one key a course,
    since a requirement key belongs to one course (enrollments.services.requirement_set)."""
    return f"grade:course:{course_id}"


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
    pass_percent = models.DecimalField(
        _("course grade needed to complete"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_(
            "Empty: the course grade is not a requirement. Set: learners complete the course only at or above it."
        ),
    )
    show_on_certificate = models.BooleanField(
        _("final grade on the certificate"), default=False, help_text=_("The course grade and its letter.")
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


class Category(TimeStampedModel):
    """A group of a course's grade items: its own percent (after its lowest grades are
    dropped) and, when weighted, that share of the course grade."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="grade_categories")
    title = models.CharField(_("title"), max_length=120)
    weight = models.DecimalField(
        _("weight (percent of the course grade)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Empty: the items count by their points, as if there were no categories."),
    )
    drop_lowest = models.PositiveSmallIntegerField(
        _("drop the lowest"),
        default=0,
        validators=[MaxValueValidator(20)],
        help_text=_("How many of the lowest grades of this category are left out (one at least is kept)."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("grade category")
        verbose_name_plural = _("grade categories")
        ordering = ["course_id", "id"]

    def __str__(self) -> str:
        return self.title


class ItemSetting(TimeStampedModel):
    """How one grade item counts: its category, whether it is extra credit (points earned
    added, none possible), and whether it is locked (its cells frozen as they were)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="grade_item_settings")
    item_key = models.CharField(max_length=40)
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="items", verbose_name=_("category")
    )
    extra_credit = models.BooleanField(_("extra credit"), default=False)
    locked_at = models.DateTimeField(_("locked"), null=True, blank=True)
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "item_key"], name="item_setting_once")]

    def __str__(self) -> str:
        return self.item_key


class FrozenCell(models.Model):
    """A learner's grade for a locked item, as it was when the item was locked: a regrade,
    an attempt or an override made later does not change it."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    item_key = models.CharField(max_length=40)
    percent = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    overridden = models.BooleanField(default=False)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "user", "item_key"], name="frozen_cell_once")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.item_key}"


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
