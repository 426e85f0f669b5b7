from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from courses.models import Course, Lesson
from lms.models import TimeStampedModel


class Enrollment(TimeStampedModel):
    """A learner in a course. One row per user and course, for good: dropping and
    enrolling again re-activates the same row and keeps the progress."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        DROPPED = "dropped", _("Dropped")

    # The statuses that hold a seat and give access to the content (a dropped one does not).
    SEATED = (Status.ACTIVE, Status.COMPLETED)

    # PROTECT: deleting a user or a course never silently deletes learning records.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrollments")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    enrolled_at = models.DateTimeField(_("enrolled at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    dropped_at = models.DateTimeField(_("dropped at"), null=True, blank=True)
    last_lesson = models.ForeignKey(Lesson, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True, db_index=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["-enrolled_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="enrollment_one_per_user_course"),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_at__isnull=False), name="enrollment_completed_has_date"
            ),
        ]
        indexes = [models.Index(fields=["course", "status"]), models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.course}"


class LessonProgress(models.Model):
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="lesson_progress")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    first_viewed_at = models.DateTimeField(_("first viewed"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # An uploaded video's viewing (enrollments.services.video_progress_record): where the
    # learner stopped, the video's length, the parts watched (merged [start, end] seconds,
    # counted from positions the player reported, no faster than it can play) and when the
    # last position came.
    video_position = models.FloatField(_("video position (s)"), null=True, blank=True)
    video_duration = models.FloatField(_("video length (s)"), null=True, blank=True)
    video_watched = models.JSONField(_("video parts watched"), default=list, blank=True)
    video_reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [models.UniqueConstraint(fields=["enrollment", "lesson"], name="progress_one_per_lesson")]
        indexes = [models.Index(fields=["enrollment", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.enrollment_id}:{self.lesson_id}"


class CourseRequirement(models.Model):
    """Something other than a lesson that a course requires for completion, named by a
    key that the owning app chooses and writes (quizzes: `quiz:<id>` while that quiz is
    required), through enrollments.services.requirement_set. Data, so enrollments counts
    it in SQL without knowing which app it comes from."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="requirements")
    key = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "key"], name="course_requirement_once")]
        indexes = [models.Index(fields=["key"])]

    def __str__(self) -> str:
        return f"{self.course_id}:{self.key}"


class RequirementCompletion(models.Model):
    """A completed course requirement other than a lesson, reported by another app
    (quizzes: `quiz:<id>` when a required quiz is passed). Kept generic so that
    enrollments never imports the apps that report to it."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="requirements")
    key = models.CharField(max_length=64)
    completed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrollment", "key"], name="requirement_once_per_enrollment")]

    def __str__(self) -> str:
        return f"{self.enrollment_id}:{self.key}"
