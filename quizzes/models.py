from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from courses.markdown import render_markdown
from courses.models import Course, Lesson, Module
from lms.models import TimeStampedModel


def requirement_key(quiz_id: int) -> str:
    """The key under which a required quiz is one of its course's completion requirements
    (enrollments.CourseRequirement), and a passed one a met requirement."""
    return f"quiz:{quiz_id}"


class Quiz(TimeStampedModel):
    class ReviewPolicy(models.TextChoices):
        NEVER = "never", _("Never show answers")
        AFTER_SUBMIT = "after_submit", _("After each submitted attempt")
        AFTER_FINAL = "after_final", _("After passing or the last attempt")

    # Denormalised from the lesson or module (kept by save()): access checks go by course.
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="quizzes", editable=False)
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, null=True, blank=True, related_name="quizzes")
    module = models.ForeignKey(Module, on_delete=models.PROTECT, null=True, blank=True, related_name="quizzes")
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions (Markdown)"), blank=True)
    instructions_html = models.TextField(editable=False, blank=True)
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=70, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    max_attempts = models.PositiveSmallIntegerField(_("max attempts"), default=0, help_text=_("0 = unlimited."))
    time_limit_minutes = models.PositiveIntegerField(_("time limit (minutes)"), null=True, blank=True)
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=False)
    shuffle_choices = models.BooleanField(_("shuffle choices"), default=False)
    questions_per_attempt = models.PositiveSmallIntegerField(
        _("questions drawn per attempt"), null=True, blank=True, help_text=_("Empty: all questions.")
    )
    review_policy = models.CharField(
        _("review"), max_length=16, choices=ReviewPolicy.choices, default=ReviewPolicy.AFTER_SUBMIT
    )
    is_required = models.BooleanField(_("required for completion"), default=True)

    # Who changed what and when, shown in the admin (django-simple-history).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        ordering = ["course_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(lesson__isnull=False) & Q(module__isnull=True))
                | (Q(lesson__isnull=True) & Q(module__isnull=False)),
                name="quiz_attached_to_lesson_or_module",
            ),
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="quiz_pass_mark_percent"),
            models.CheckConstraint(
                condition=Q(time_limit_minutes__isnull=True) | Q(time_limit_minutes__gte=1),
                name="quiz_time_limit_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if bool(self.lesson_id) == bool(self.module_id):
            raise ValidationError(_("Attach the quiz to a lesson or to a module (one of them)."))

    def save(self, *args, **kwargs):
        self.course_id = self.lesson.course_id if self.lesson_id else self.module.course_id
        self.instructions_html = render_markdown(self.instructions)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("quizzes:detail", kwargs={"quiz_id": self.pk})

    @property
    def requirement_key(self) -> str:
        return requirement_key(self.pk)


class Question(TimeStampedModel):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TRUE_FALSE = "true_false", _("True / false")
        SHORT_TEXT = "short_text", _("Short text")
        NUMERIC = "numeric", _("Numeric")

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.SINGLE)
    prompt = models.TextField(_("prompt (Markdown)"))
    prompt_html = models.TextField(editable=False, blank=True)
    explanation = models.TextField(_("explanation (shown on review)"), blank=True)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2, default=Decimal(1))
    position = models.PositiveIntegerField(_("position"), default=0)
    correct_bool = models.BooleanField(_("correct answer (true/false)"), null=True, blank=True)
    accepted_answers = models.JSONField(
        _("accepted answers (short text)"),
        default=list,
        blank=True,
        help_text=_("Compared without case or extra spaces."),
    )
    numeric_value = models.DecimalField(_("correct value"), max_digits=18, decimal_places=6, null=True, blank=True)
    numeric_tolerance = models.DecimalField(_("tolerance (±)"), max_digits=18, decimal_places=6, default=Decimal(0))
    # Corrections: everyone gets full credit, or the question no longer counts.
    credit_all = models.BooleanField(_("give everyone full credit"), default=False)
    dropped = models.BooleanField(_("dropped (does not count)"), default=False)

    # Who changed what and when, shown in the admin (django-simple-history).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["quiz_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="question_points_positive"),
            models.CheckConstraint(condition=Q(numeric_tolerance__gte=0), name="question_tolerance_not_negative"),
        ]

    def __str__(self) -> str:
        return self.prompt[:80]

    def save(self, *args, **kwargs):
        self.prompt_html = render_markdown(self.prompt)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.kind == self.Kind.TRUE_FALSE and self.correct_bool is None:
            raise ValidationError({"correct_bool": _("Say whether the statement is true or false.")})
        if self.kind == self.Kind.NUMERIC and self.numeric_value is None:
            raise ValidationError({"numeric_value": _("A numeric question needs its correct value.")})
        if self.kind == self.Kind.SHORT_TEXT:
            answers = self.accepted_answers
            if not isinstance(answers, list) or not [a for a in answers if isinstance(a, str) and a.strip()]:
                raise ValidationError({"accepted_answers": _('List at least one accepted answer, e.g. ["Paris"].')})


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("text"), max_length=500)
    is_correct = models.BooleanField(_("correct"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)

    # Who changed what and when, shown in the admin (django-simple-history).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["question_id", "position", "id"]

    def __str__(self) -> str:
        return self.text


class Attempt(TimeStampedModel):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quiz_attempts")
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS, db_index=True)
    # Instructors may try their own quizzes; those attempts never count.
    counts = models.BooleanField(default=True)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(null=True, blank=True, db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    # The paper as drawn and as the questions were at the start: order, choices and keys.
    # Grading reads only this snapshot, so later edits never change an old result.
    paper = models.JSONField(default=list, editable=False)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "quiz", "number"], name="attempt_number_unique"),
            models.UniqueConstraint(
                fields=["user", "quiz"], condition=Q(status="in_progress"), name="attempt_one_open_per_user_quiz"
            ),
            models.CheckConstraint(
                condition=Q(status="in_progress") | Q(submitted_at__isnull=False), name="attempt_submitted_has_date"
            ),
        ]
        indexes = [models.Index(fields=["quiz", "status"]), models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.quiz} #{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("quizzes:attempt", kwargs={"attempt_id": self.pk})


class Answer(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question_id_snapshot = models.PositiveBigIntegerField(_("question id"))
    response = models.JSONField(default=dict)
    points_awarded = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    is_correct = models.BooleanField(null=True, blank=True)
    saved_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question_id_snapshot"], name="answer_one_per_question")
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}:{self.question_id_snapshot}"


class Regrade(models.Model):
    """A correction applied to past attempts: who, when, which question, what changed."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="regrades")
    question = models.ForeignKey(Question, on_delete=models.SET_NULL, null=True, related_name="regrades")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts_changed = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"Regrade of {self.quiz} at {self.requested_at:%Y-%m-%d %H:%M}"


class Accommodation(TimeStampedModel):
    """What one learner is granted on a course's quizzes beyond their rules: more time (the
    time limit multiplied) and more attempts. Granted by the course's instructors or staff
    (who and when recorded); the quizzes services apply it, whichever door starts an
    attempt."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_accommodations")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="quiz_accommodations")
    time_multiplier = models.DecimalField(
        _("time multiplier"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("1.00")), MaxValueValidator(Decimal("4.00"))],
        help_text=_("1.5 gives half as much time again on every timed quiz of the course (1 to 4)."),
    )
    extra_attempts = models.PositiveSmallIntegerField(
        _("extra attempts"), default=0, validators=[MaxValueValidator(20)], help_text=_("On top of each quiz's limit.")
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )

    # Who changed what and when, shown in the admin (django-simple-history).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("accommodation")
        verbose_name_plural = _("accommodations")
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="accommodation_once_per_learner_course"),
            models.CheckConstraint(
                condition=Q(time_multiplier__gte=1) & Q(time_multiplier__lte=4), name="accommodation_multiplier_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.course}"
