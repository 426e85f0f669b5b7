"""Enrollment rules: who may enrol, progress, completion. Pages, API, admin and tasks
call these; none of them sees a request or raises an HTTP error."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts import services as account_services
from accounts.models import normalize_email
from courses import access
from courses import services as course_services
from courses.models import Course, Lesson
from enrollments import selectors
from enrollments.errors import ErrorCode
from enrollments.models import CourseRequirement, Enrollment, LessonProgress, RequirementCompletion
from enrollments.signals import course_completed
from lms import events, metrics
from lms.exceptions import ApplicationError, ConflictError, PermissionDeniedError

logger = logging.getLogger(__name__)

# The resume point and last activity are written at most this often for the same lesson.
VISIT_PRECISION = timedelta(minutes=1)


class EnrollmentRefused(ConflictError):
    """Enrolling is not possible now; `code` says why."""


def _check_can_enrol(*, user, course: Course, now) -> None:
    if course.status != Course.Status.PUBLISHED:
        raise EnrollmentRefused("This course is not open for enrollment.", code=ErrorCode.COURSE_NOT_PUBLISHED)
    if course.enrollment_opens_at and now < course.enrollment_opens_at:
        raise EnrollmentRefused("Enrollment has not opened yet.", code=ErrorCode.ENROLLMENT_NOT_OPEN)
    if course.enrollment_closes_at and now >= course.enrollment_closes_at:
        raise EnrollmentRefused("Enrollment is closed.", code=ErrorCode.ENROLLMENT_CLOSED)
    required = list(course.prerequisites.values_list("pk", "title"))
    if required:
        done = set(
            Enrollment.objects.filter(
                user=user, course_id__in=[pk for pk, _ in required], status=Enrollment.Status.COMPLETED
            ).values_list("course_id", flat=True)
        )
        missing = [title for pk, title in required if pk not in done]
        if missing:
            raise ApplicationError(
                "Complete the prerequisite courses first: " + ", ".join(missing) + ".",
                code=ErrorCode.PREREQUISITES_MISSING,
                extra={"missing_prerequisites": missing},
            )


@transaction.atomic
def enrollment_create(*, user, course: Course) -> tuple[Enrollment, bool]:
    """Enrol `user` in `course`; returns (enrollment, created).

    Already enrolled (active or completed): the existing enrollment, unchanged. Dropped
    earlier: the same row is re-activated with its progress. The course row is locked
    while seats are counted, so concurrent requests for the last seat produce exactly one
    enrollment and the others get `course_full`.
    """
    now = timezone.now()
    existing = Enrollment.objects.filter(user=user, course=course).first()
    if existing is not None and existing.status in Enrollment.SEATED:
        return existing, False
    # Serialise enrollments per course: the seat count below cannot change under us.
    course = Course.objects.select_for_update().get(pk=course.pk)
    existing = Enrollment.objects.select_for_update().filter(user=user, course=course).first()
    if existing is not None and existing.status in Enrollment.SEATED:
        return existing, False
    _check_can_enrol(user=user, course=course, now=now)
    if course.capacity is not None and selectors.course_seats_taken(course) >= course.capacity:
        raise EnrollmentRefused("This course is full.", code=ErrorCode.COURSE_FULL)

    if existing is not None:
        _reseat(existing, now=now)
        enrollment, created = existing, False
    else:
        try:
            with transaction.atomic():
                enrollment = Enrollment.objects.create(user=user, course=course, enrolled_at=now, last_activity_at=now)
        except IntegrityError:
            return Enrollment.objects.get(user=user, course=course), False
        created = True

    _announce_seat(enrollment, course, created=created)
    return enrollment, created


def _reseat(enrollment: Enrollment, *, now) -> None:
    """A dropped enrollment holds a seat again, with its progress."""
    enrollment.status = Enrollment.Status.COMPLETED if enrollment.completed_at else Enrollment.Status.ACTIVE
    enrollment.dropped_at = None
    enrollment.last_activity_at = now
    enrollment.save(update_fields=["status", "dropped_at", "last_activity_at", "updated_at"])


def _announce_seat(enrollment: Enrollment, course: Course, *, created: bool) -> None:
    course_services.course_enrollment_count_adjust(course_id=course.pk, delta=1)
    transaction.on_commit(metrics.COURSE_ENROLLMENTS.inc)
    events.emit(
        "enrollment.created",
        {
            "enrollment_id": enrollment.pk,
            "user_id": enrollment.user_id,
            "course": course.slug,
            "enrolled_at": enrollment.enrolled_at.isoformat(),
            "reactivated": not created,
        },
    )
    from enrollments import tasks

    tasks.enrollment_confirmation_send.delay_on_commit(enrollment.pk)
    logger.info("enrollment_created", extra={"enrollment_id": enrollment.pk, "course_id": course.pk})


@transaction.atomic
def enrollment_reactivate(*, enrollment: Enrollment, by) -> Enrollment:
    """The course's instructor (or staff) brings a dropped learner back, with their
    progress. Seats still count (the course row locked, as for enrolling); the enrolment
    window and the prerequisites do not: letting a learner in after the window closed is
    the instructor's call. An enrollment holding a seat is returned unchanged."""
    course = Course.objects.select_for_update().get(pk=enrollment.course_id)
    if not access.can_edit_course(by, course):
        raise PermissionDeniedError("Only this course's instructors can bring a learner back.")
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.status in Enrollment.SEATED:
        return enrollment
    if course.capacity is not None and selectors.course_seats_taken(course) >= course.capacity:
        raise EnrollmentRefused("This course is full.", code=ErrorCode.COURSE_FULL)
    _reseat(enrollment, now=timezone.now())
    _announce_seat(enrollment, course, created=False)
    return enrollment


@transaction.atomic
def enrollment_progress_reset(*, enrollment: Enrollment, by) -> Enrollment:
    """Start a learner over in a course (the instructor's "reset progress", after a
    confirmation): their lessons done and opened, video positions and requirements met are
    removed; their quiz attempts stay (grades are records; an accommodation can give more
    attempts). A completed course keeps its record and its certificate: refused (409)."""
    course = Course.objects.get(pk=enrollment.course_id)
    if not access.can_edit_course(by, course):
        raise PermissionDeniedError("Only this course's instructors can reset a learner's progress.")
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.status == Enrollment.Status.COMPLETED:
        raise ConflictError(
            "A completed course keeps its record and its certificate; its progress cannot be reset.",
            code=ErrorCode.ENROLLMENT_COMPLETED,
        )
    lessons, _ = LessonProgress.objects.filter(enrollment=enrollment).delete()
    RequirementCompletion.objects.filter(enrollment=enrollment).delete()
    enrollment.last_lesson = None
    enrollment.save(update_fields=["last_lesson", "updated_at"])
    logger.info(
        "enrollment_progress_reset",
        extra={"enrollment_id": enrollment.pk, "by_user_id": by.pk, "lessons_removed": lessons},
    )
    return enrollment


@transaction.atomic
def enrollment_drop(*, enrollment: Enrollment) -> Enrollment:
    """Leave a course. Progress is kept for a later return; a completed course stays completed."""
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.status == Enrollment.Status.COMPLETED:
        raise ConflictError("A completed course cannot be dropped.", code=ErrorCode.ENROLLMENT_COMPLETED)
    if enrollment.status == Enrollment.Status.DROPPED:
        return enrollment
    enrollment.status = Enrollment.Status.DROPPED
    enrollment.dropped_at = timezone.now()
    enrollment.save(update_fields=["status", "dropped_at", "updated_at"])
    course_services.course_enrollment_count_adjust(course_id=enrollment.course_id, delta=-1)
    events.emit(
        "enrollment.dropped",
        {"enrollment_id": enrollment.pk, "user_id": enrollment.user_id, "course_id": enrollment.course_id},
    )
    return enrollment


def _enrollment_for_lesson(*, user, lesson: Lesson, lock: bool = False) -> Enrollment:
    qs = selectors.seated_enrollments(user).filter(course_id=lesson.course_id)
    enrollment = (qs.select_for_update(of=("self",)) if lock else qs).first()
    if enrollment is None:
        raise PermissionDeniedError("Enrol in this course first.", code=ErrorCode.NOT_ENROLLED)
    return enrollment


@transaction.atomic
def enrollment_complete_manually(*, user, course: Course) -> Enrollment:
    """Staff record a completion done elsewhere (offline): the learner is enrolled if
    needed and completed, and `course_completed` is emitted as for any completion."""
    now = timezone.now()
    enrollment, created = Enrollment.objects.select_for_update().get_or_create(
        user=user, course=course, defaults={"enrolled_at": now, "last_activity_at": now}
    )
    if enrollment.status == Enrollment.Status.COMPLETED:
        return enrollment
    if created or enrollment.status == Enrollment.Status.DROPPED:
        course_services.course_enrollment_count_adjust(course_id=course.pk, delta=1)
    enrollment.status = Enrollment.Status.COMPLETED
    enrollment.completed_at = now
    enrollment.dropped_at = None
    enrollment.save(update_fields=["status", "completed_at", "dropped_at", "updated_at"])
    _announce_completion(enrollment)
    return enrollment


def _announce_completion(enrollment: Enrollment) -> None:
    payload = {"enrollment_id": enrollment.pk, "user_id": enrollment.user_id, "course_id": enrollment.course_id}
    events.emit("enrollment.completed", {**payload, "completed_at": enrollment.completed_at.isoformat()})
    transaction.on_commit(metrics.COURSE_COMPLETIONS.inc)
    transaction.on_commit(lambda: course_completed.send(sender=Enrollment, **payload))
    logger.info("enrollment_completed", extra=payload)


def lesson_visit(*, user, lesson: Lesson, enrollment: Enrollment | None = None) -> Enrollment | None:
    """Record that an enrolled learner opened `lesson`: first view and resume point.
    Nothing for viewers who are not enrolled (previews, instructors).

    `enrollment`: the learner's active or completed enrollment in the lesson's course,
    when the caller has just read it (not read again); None reads it."""
    if not user.is_authenticated:
        return None
    if enrollment is None:
        enrollment = selectors.seated_enrollment_for(user, course_id=lesson.course_id)
        if enrollment is None:
            return None
    elif (enrollment.user_id, enrollment.course_id) != (
        user.pk,
        lesson.course_id,
    ) or enrollment.status not in Enrollment.SEATED:
        raise ValueError("lesson_visit: that enrollment is not this learner's seat in the lesson's course.")
    now = timezone.now()
    LessonProgress.objects.get_or_create(enrollment=enrollment, lesson=lesson, defaults={"first_viewed_at": now})
    recent = enrollment.last_activity_at is not None and now - enrollment.last_activity_at < VISIT_PRECISION
    if enrollment.last_lesson_id != lesson.pk or not recent:  # reloading a page writes nothing more
        Enrollment.objects.filter(pk=enrollment.pk).update(last_lesson=lesson, last_activity_at=now)
        enrollment.last_lesson, enrollment.last_activity_at = lesson, now
    return enrollment


@dataclass(frozen=True)
class LessonCompletion:
    """What completing a lesson did: the enrollment, its progress counted under its row
    lock (no next lesson: that is a read of the outline), and whether this completion
    completed the course."""

    enrollment: Enrollment
    progress: selectors.Progress
    course_completed: bool


@transaction.atomic
def lesson_complete(*, user, lesson: Lesson) -> LessonCompletion:
    """Mark `lesson` done for `user` (idempotent) and complete the course when it was the
    last requirement. A lesson with an uploaded video completes by being watched
    (video_progress_record), not by being marked."""
    if lesson.video_file:
        raise ConflictError(
            "This lesson completes once you have watched most of its video.", code=ErrorCode.WATCH_THE_VIDEO
        )
    enrollment = _enrollment_for_lesson(user=user, lesson=lesson, lock=True)
    return _lesson_done(enrollment, lesson)


def _lesson_done(enrollment: Enrollment, lesson: Lesson) -> LessonCompletion:
    """Record the lesson completed (the caller holds the enrollment's row lock)."""
    now = timezone.now()
    # Two statements whatever was there: the row if missing, then its completion if not
    # recorded yet. A completion recorded earlier keeps its time.
    LessonProgress.objects.bulk_create(
        [LessonProgress(enrollment=enrollment, lesson=lesson, first_viewed_at=now, completed_at=now)],
        ignore_conflicts=True,
    )
    LessonProgress.objects.filter(enrollment=enrollment, lesson=lesson, completed_at__isnull=True).update(
        completed_at=now
    )
    Enrollment.objects.filter(pk=enrollment.pk).update(last_lesson=lesson, last_activity_at=now)
    enrollment.last_lesson, enrollment.last_activity_at = lesson, now
    progress, completed_now = _complete_if_done(enrollment)
    return LessonCompletion(enrollment=enrollment, progress=progress, course_completed=completed_now)


# An uploaded video counts as watched from this share of its length; positions may advance
# at most this many times faster than the clock between two reports (a player's fastest
# speed), plus some slack for the reports' own delay.
VIDEO_DONE_SHARE = 0.9
VIDEO_MAX_RATE = 2.0
VIDEO_SLACK_SECONDS = 5.0
VIDEO_LONGEST_SECONDS = 24 * 3600.0


@dataclass(frozen=True)
class VideoProgress:
    position: float
    duration: float
    watched_share: float  # 0..1
    lesson_completed: bool
    course_completed: bool


def _merged(segments: list[list[float]]) -> list[list[float]]:
    merged: list[list[float]] = []
    for start, end in sorted(segments):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


@transaction.atomic
def video_progress_record(
    *, user, lesson: Lesson, position: float, duration: float, now: datetime | None = None
) -> VideoProgress:
    """The learner's player reports where it is in the lesson's uploaded video (while
    playing, on pause, at the end). The position is kept to resume from; the stretch since
    the last report counts as watched only if it moves forward, no faster than a player can
    play; at VIDEO_DONE_SHARE of the video watched, the lesson is completed. A report sent
    twice counts once."""
    if not lesson.video_file:
        raise ConflictError("This lesson has no uploaded video.", code=ErrorCode.WATCH_THE_VIDEO)
    errors = {}
    if not (0 < duration <= VIDEO_LONGEST_SECONDS):
        errors["duration"] = ["Give the video's length in seconds (more than 0, at most a day)."]
    if not (0 <= position <= VIDEO_LONGEST_SECONDS):
        errors["position"] = ["Give a position in seconds, from 0."]
    if errors:
        raise ApplicationError("Invalid video progress.", code=ErrorCode.INVALID, extra={"errors": errors})
    now = now or timezone.now()
    enrollment = _enrollment_for_lesson(user=user, lesson=lesson, lock=True)
    row, _ = LessonProgress.objects.select_for_update().get_or_create(
        enrollment=enrollment, lesson=lesson, defaults={"first_viewed_at": now}
    )
    # A video never gets shorter: a smaller length reported later (or made up) is ignored.
    length = max(duration, row.video_duration or 0.0)
    position = min(position, length)
    segments = [list(s) for s in row.video_watched or []]
    if row.video_position is not None and row.video_reported_at is not None and position > row.video_position:
        elapsed = max(0.0, (now - row.video_reported_at).total_seconds())
        if position - row.video_position <= elapsed * VIDEO_MAX_RATE + VIDEO_SLACK_SECONDS:
            segments.append([row.video_position, position])
    segments = _merged(segments)
    row.video_position, row.video_duration, row.video_watched, row.video_reported_at = position, length, segments, now
    row.save(update_fields=["video_position", "video_duration", "video_watched", "video_reported_at"])
    share = selectors.watched_share(segments, length)
    already = row.completed_at is not None
    course_completed = False
    if share >= VIDEO_DONE_SHARE and not already:
        course_completed = _lesson_done(enrollment, lesson).course_completed
    return VideoProgress(
        position=position,
        duration=length,
        watched_share=share,
        lesson_completed=already or share >= VIDEO_DONE_SHARE,
        course_completed=course_completed,
    )


@transaction.atomic
def requirement_set(*, course_id: int, key: str, required: bool) -> None:
    """Declare (or withdraw) that `course_id` requires `key` for completion: the one way
    another app's item (a quiz, later an assignment) becomes part of the completion rule.
    A key belongs to one course at most, so declaring it moves it from any other course.
    Idempotent. Enrollments already completed stay completed (completion is never
    revoked); active ones count the new rule from now on."""
    elsewhere = CourseRequirement.objects.filter(key=key)
    if required:
        elsewhere = elsewhere.exclude(course_id=course_id)
    elsewhere.delete()
    if required:
        CourseRequirement.objects.get_or_create(course_id=course_id, key=key)


def requirement_complete(*, user, course_id: int, key: str) -> Enrollment | None:
    """Another app reports a met requirement (e.g. `quiz:12` passed). Idempotent."""
    enrollment = selectors.seated_enrollment_for(user, course_id=course_id)
    if enrollment is None:
        return None
    RequirementCompletion.objects.get_or_create(
        enrollment=enrollment, key=key, defaults={"completed_at": timezone.now()}
    )
    return enrollment_check_completion(enrollment=enrollment)


def requirement_withdraw(*, user, course_id: int, key: str) -> None:
    """Another app reports a requirement no longer met (a grade changed below the pass
    mark). A course already completed stays completed, as everywhere; an active one
    counts the requirement as unmet again. Idempotent."""
    enrollment = selectors.seated_enrollment_for(user, course_id=course_id)
    if enrollment is None or enrollment.status != Enrollment.Status.ACTIVE:
        return
    RequirementCompletion.objects.filter(enrollment=enrollment, key=key).delete()


@transaction.atomic
def enrollment_check_completion(*, enrollment: Enrollment) -> Enrollment:
    """Complete an active enrollment whose requirements are all met, exactly once: the
    row is locked, and only an active one changes. Later content never revokes it."""
    enrollment = Enrollment.objects.select_for_update(of=("self",)).get(pk=enrollment.pk)
    _complete_if_done(enrollment)
    return enrollment


def _complete_if_done(enrollment: Enrollment) -> tuple[selectors.Progress, bool]:
    """The enrollment's progress, counted now, and whether it completed the course now.
    The caller holds the enrollment's row lock, so two last lessons completed at once
    complete the course once."""
    progress = selectors.progress_counted(enrollment)
    if enrollment.status != Enrollment.Status.ACTIVE or not progress.is_complete:
        return progress, False
    enrollment.status = Enrollment.Status.COMPLETED
    enrollment.completed_at = timezone.now()
    enrollment.save(update_fields=["status", "completed_at", "updated_at"])
    _announce_completion(enrollment)
    return progress, True


# --- emails --------------------------------------------------------------------------------


def enrollment_confirmation_send(*, enrollment_id: int) -> bool:
    """The enrollment confirmation email, sent once per enrollment."""
    with transaction.atomic():
        enrollment = (
            # Lock the enrollment row only ("self"): locking its course too would stall every
            # enrollment in the course while the mail is sent, and deadlock with them.
            Enrollment.objects.select_for_update(of=("self",))
            .select_related("user", "course")
            .filter(pk=enrollment_id)
            .first()
        )
        if enrollment is None or enrollment.confirmation_sent_at is not None:
            return False
        context = {"enrollment": enrollment, "site_url": settings.SITE_URL}
        account_services.mail_user(
            user=enrollment.user,
            subject=gettext_noop("You are enrolled in %(course)s"),
            params={"course": enrollment.course.title},
            template="enrollments/email/confirmation.txt",
            context=context,
        )
        enrollment.confirmation_sent_at = timezone.now()
        enrollment.save(update_fields=["confirmation_sent_at"])
    return True


REMIND_AGAIN_AFTER = timedelta(days=1)


def reminders_send(*, now=None) -> int:
    """Remind active learners inactive for ENROLLMENT_REMINDER_DAYS, at most once per
    period per enrollment (a run repeated the same day sends nothing more)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ENROLLMENT_REMINDER_DAYS)
    due = (
        Enrollment.objects.filter(status=Enrollment.Status.ACTIVE, last_activity_at__lt=cutoff)
        .exclude(reminder_sent_at__gte=cutoff)
        .values_list("pk", flat=True)
    )
    return sum(1 for enrollment_id in due.iterator() if _remind(enrollment_id, now=now, not_since=cutoff))


@dataclass(frozen=True)
class Reminded:
    sent: int
    already: int  # active learners of the sender's courses reminded in the last day


def enrollment_remind(*, enrollment_ids: Sequence[int], by, now=None) -> Reminded:
    """An instructor's "remind" from the at-risk list (admin and API): the same reminder
    email, now, to each active learner of `by`'s courses among `enrollment_ids`, unless one
    went out in the last day, so a double click or a retried request sends one. Ids of
    other courses are ignored, as if they did not exist."""
    now = now or timezone.now()
    mine = access.scope_to_teaching(Enrollment.objects.filter(pk__in=set(enrollment_ids)), by, via="course")
    ids = list(mine.filter(status=Enrollment.Status.ACTIVE).values_list("pk", flat=True))
    sent = sum(1 for enrollment_id in ids if _remind(enrollment_id, now=now, not_since=now - REMIND_AGAIN_AFTER))
    return Reminded(sent=sent, already=len(ids) - sent)


def _remind(enrollment_id: int, *, now, not_since) -> bool:
    with transaction.atomic():
        enrollment = (
            Enrollment.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user", "course", "last_lesson")
            .filter(pk=enrollment_id, status=Enrollment.Status.ACTIVE)
            .exclude(reminder_sent_at__gte=not_since)
            .first()
        )
        if enrollment is None:
            return False
        context = {"enrollment": enrollment, "site_url": settings.SITE_URL}
        account_services.mail_user(
            user=enrollment.user,
            subject=gettext_noop("Pick up %(course)s where you left off"),
            params={"course": enrollment.course.title},
            template="enrollments/email/reminder.txt",
            context=context,
        )
        enrollment.reminder_sent_at = now
        enrollment.save(update_fields=["reminder_sent_at"])
        return True


# --- bulk enrolment ------------------------------------------------------------------------

BULK_ENROL_MAX_ROWS = 1000
BULK_ENROL_MAX_BYTES = 1024 * 1024
_EMAIL_HEADERS = {"email", "e-mail", "email address"}


@dataclass
class BulkEnrolResult:
    """What became of each address: enrolled now, enrolled already, no such account, or
    refused by a rule (`code` says which: course_full, prerequisites_missing...)."""

    enrolled: list[str] = field(default_factory=list)
    already_enrolled: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)

    def extend(self, other: BulkEnrolResult) -> None:
        self.enrolled += other.enrolled
        self.already_enrolled += other.already_enrolled
        self.not_found += other.not_found
        self.refused += other.refused

    def as_dict(self) -> dict:
        return {
            "enrolled": self.enrolled,
            "already_enrolled": self.already_enrolled,
            "not_found": self.not_found,
            "refused": self.refused,
        }


def emails_from_csv(source: bytes | IO[bytes]) -> list[str]:
    """The addresses of a CSV file (its bytes, or an open file such as an upload): one per
    row, in a column headed `email` (or the only column, without a header). UTF-8 (with or
    without BOM). Duplicates are kept once, in order. Every bad row is reported at once, by
    line number, as `ApplicationError`."""
    # One byte over the limit is enough to refuse it; a larger file is never read whole.
    data = source if isinstance(source, bytes) else source.read(BULK_ENROL_MAX_BYTES + 1)
    if len(data) > BULK_ENROL_MAX_BYTES:
        raise ApplicationError(
            f"The file is larger than {BULK_ENROL_MAX_BYTES // 1024} KB.", code=ErrorCode.FILE_TOO_LARGE
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApplicationError("The file must be UTF-8 encoded CSV.", code=ErrorCode.INVALID_CSV) from None
    if "\x00" in text:
        raise ApplicationError("The file must be UTF-8 encoded CSV.", code=ErrorCode.INVALID_CSV)
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text))
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise ApplicationError(f"The file is not valid CSV: {exc}.", code=ErrorCode.INVALID_CSV) from None
    if not rows:
        raise ApplicationError("The file has no addresses.", code=ErrorCode.EMPTY_CSV)
    header = [cell.strip().lower() for cell in rows[0][1]]
    column = 0
    if any(cell in _EMAIL_HEADERS for cell in header):
        column = next(i for i, cell in enumerate(header) if cell in _EMAIL_HEADERS)
        rows = rows[1:]
    elif len(header) > 1:
        raise ApplicationError("Name the column of addresses `email` in the first row.", code=ErrorCode.NO_EMAIL_COLUMN)
    return emails_validate(
        [row[column] if column < len(row) else "" for _, row in rows],
        lines=[line for line, _ in rows],
        field_name="file",
    )


def emails_validate(
    values: Sequence[str], *, lines: Sequence[int] | None = None, field_name: str = "emails"
) -> list[str]:
    """Normalised, de-duplicated addresses; every invalid one reported by line number, as
    field errors of `field_name`."""
    if len(values) > BULK_ENROL_MAX_ROWS:
        raise ApplicationError(
            f"At most {BULK_ENROL_MAX_ROWS} addresses at a time ({len(values)} given).", code=ErrorCode.TOO_MANY_ROWS
        )
    emails: dict[str, None] = {}
    errors: list[str] = []
    for line, value in zip(lines or range(1, len(values) + 1), values, strict=True):
        email = normalize_email(value)
        try:
            validate_email(email)
        except DjangoValidationError:
            errors.append(f"Line {line}: {value[:100]!r} is not an email address.")
            continue
        emails.setdefault(email, None)
    if errors:
        raise ApplicationError(
            "Some rows are not email addresses.", code=ErrorCode.INVALID_ROWS, extra={"errors": {field_name: errors}}
        )
    if not emails:
        raise ApplicationError("The file has no addresses.", code=ErrorCode.EMPTY_CSV)
    return list(emails)


def _bulk_enrol_one(email: str, user, *, course: Course, seated: set[int], into: BulkEnrolResult) -> None:
    if user is None:
        into.not_found.append(email)
    elif user.pk in seated:
        into.already_enrolled.append(email)
    elif not user.is_active:
        into.refused.append({"email": email, "code": "account_inactive", "message": "The account is closed."})
    else:
        try:
            enrollment_create(user=user, course=course)
        except ApplicationError as exc:
            into.refused.append({"email": email, "code": exc.code, "message": exc.message})
        else:
            into.enrolled.append(email)


# Addresses enrolled per transaction by enrollment_bulk_create. Each enrollment locks the
# course row until its transaction commits: one transaction for 1,000 addresses kept
# every learner enrolling in the course waiting for all of them (seconds).
BULK_BATCH = 100


def enrollment_bulk_create(*, actor, course: Course, emails: Sequence[str]) -> BulkEnrolResult:
    """Enrol existing accounts by email in `course`, for its instructors and staff. Each
    address goes through `enrollment_create` (the same rules as a learner enrolling:
    seats, windows, prerequisites), so a retry only finds them enrolled already.

    Committed BULK_BATCH addresses at a time, so that learners enrolling meanwhile wait
    for one batch at most, not for the whole list. The report describes what was
    committed; if a batch fails (the database went away), the batches before it stay
    enrolled and sending the same list again enrols the rest."""
    if not access.can_edit_course(actor, course):
        raise PermissionDeniedError("Only this course's instructors can enrol learners in it.")
    users = {
        user.email: user for user in get_user_model().objects.filter(email__in=[normalize_email(e) for e in emails])
    }
    seated = set(
        Enrollment.objects.filter(course=course, user__in=users.values(), status__in=Enrollment.SEATED).values_list(
            "user_id", flat=True
        )
    )
    result = BulkEnrolResult()
    for start in range(0, len(emails), BULK_BATCH):
        with transaction.atomic():
            batch = BulkEnrolResult()
            for email in emails[start : start + BULK_BATCH]:
                _bulk_enrol_one(email, users.get(normalize_email(email)), course=course, seated=seated, into=batch)
        result.extend(batch)  # committed
    logger.info(
        "enrollment_bulk_create",
        extra={"course_id": course.pk, "actor_id": actor.pk, "enrolled": len(result.enrolled)},
    )
    return result
