"""Assignment rules: handing work in, extensions, grading (with a version check), releasing
grades, and what a released grade means for completion. The pages, the API and the admin
call these functions."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import services as account_services
from assignments import signals
from assignments.errors import ErrorCode
from assignments.models import Assignment, DueReminder, Extension, FeedbackFile, Submission, SubmissionFile
from courses import access
from courses.models import Module
from courses.validators import validate_attachment
from enrollments import selectors as enrollment_selectors
from enrollments import services as enrollment_services
from lms import events, metrics
from lms.exceptions import ApplicationError, ConflictError, PermissionDeniedError

ASSIGNMENT_FIELDS = (
    "title", "instructions", "points", "accept_text", "accept_files", "max_files", "max_file_mb", "opens_at",
    "due_at", "cutoff_at", "late_policy", "late_penalty_percent", "late_penalty_cap_percent", "max_submissions",
    "is_required", "pass_percent", "release_policy", "module", "rubric", "anonymous_grading",
)  # fmt: skip
TEXT_LIMIT = 200_000  # characters of online text


def _invalid(errors: Mapping[str, list[str]]) -> ApplicationError:
    return ApplicationError("Invalid input.", code=ErrorCode.INVALID, extra={"errors": dict(errors)})


def _full_clean(instance, *, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise _invalid(exc.message_dict) from exc


# --- authoring ------------------------------------------------------------------------


@transaction.atomic
def assignment_create(*, data: Mapping) -> Assignment:
    """An assignment at the end of `data["module"]`; the caller checked the requester
    teaches that course."""
    assignment = Assignment()
    for name in ASSIGNMENT_FIELDS:
        if name in data:
            setattr(assignment, name, data[name])
    assignment.course_id = assignment.module.course_id
    _full_clean(assignment, exclude=["course"])
    assignment.save()
    return assignment


def assignment_module_problems(assignment: Assignment, module: Module | None) -> dict[str, list[str]]:
    """Why `module` cannot hold `assignment` (empty when it can): an assignment stays in
    its course. The admin's form asks it before saving."""
    if assignment.pk and module is not None and module.course_id != assignment.course_id:
        return {"module": [_("An assignment stays in its course: pick a module of that course.")]}
    return {}


@transaction.atomic
def assignment_update(*, assignment: Assignment, data: Mapping) -> Assignment:
    problems = assignment_module_problems(assignment, data.get("module"))
    if problems:
        raise _invalid(problems)
    for name in ASSIGNMENT_FIELDS:
        if name in data:
            setattr(assignment, name, data[name])
    _full_clean(assignment, exclude=["course"])
    assignment.save()
    return assignment


def assignment_requirement_sync(*, assignment: Assignment, deleted: bool = False) -> None:
    """A required assignment is a requirement of its course; called whenever one is saved
    or deleted (assignments.receivers)."""
    enrollment_services.requirement_set(
        course_id=assignment.course_id,
        key=assignment.requirement_key,
        required=assignment.is_required and not deleted,
    )


def extension_problems(*, assignment: Assignment, user, due_at: datetime | None) -> dict[str, list[str]]:
    """Why this extension cannot be granted (empty when it can). The admin's form asks it
    before saving."""
    problems: dict[str, list[str]] = {}
    if enrollment_selectors.seated_enrollment_for(user, course_id=assignment.course_id) is None:
        problems["user"] = [_("Only a learner of this course can be given an extension.")]
    if due_at is None:
        problems["due_at"] = [_("Give the learner's own due date.")]
    return problems


@transaction.atomic
def extension_grant(*, assignment: Assignment, user, due_at: datetime, by, reason: str = "") -> Extension:
    """`user`'s own due date for `assignment` (granted again: changed). Work already handed
    in is measured against it too, as an extension granted after the fact is meant to
    (an illness): its lateness and late penalty are counted again, a released grade
    changing with them."""
    problems = extension_problems(assignment=assignment, user=user, due_at=due_at)
    if problems:
        raise _invalid(problems)
    extension, _created = Extension.objects.update_or_create(
        assignment=assignment, user=user, defaults={"due_at": due_at, "reason": reason, "granted_by": by}
    )
    _recount_lateness(assignment, user, due=due_at)
    return extension


def _recount_lateness(assignment: Assignment, user, *, due: datetime) -> None:
    _lock_learner(user.pk)
    handed_in = list(
        Submission.objects.select_for_update(of=("self",))
        .filter(assignment=assignment, user=user, submitted_at__isnull=False)
        .select_related("assignment__course", "user")
    )
    for submission in handed_in:
        submission.due_at = due
        submission.late_seconds = max(0, int((submission.submitted_at - due).total_seconds()))
        fields = ["due_at", "late_seconds", "updated_at"]
        if submission.score is not None:
            submission.penalty_percent = late_penalty(assignment, submission.late_seconds)
            submission.final_score = _quantize(submission.score * (100 - submission.penalty_percent) / 100)
            submission.version += 1
            fields += ["penalty_percent", "final_score", "version"]
        submission.save(update_fields=fields)
        if submission.status == Submission.Status.RETURNED:
            _requirement_sync_for(submission)


# --- handing work in -------------------------------------------------------------------


def due_for(user, assignment: Assignment) -> datetime | None:
    """The learner's own due date: their extension's, else the assignment's."""
    extension = Extension.objects.filter(assignment=assignment, user=user).values_list("due_at", flat=True).first()
    return extension or assignment.due_at


def closes_for(assignment: Assignment, due: datetime | None) -> datetime | None:
    """The last moment work is accepted for a learner due at `due`: the due date when late
    work is refused; else the cut-off, moved as far as an extension moves the due date."""
    if due is None:
        return assignment.cutoff_at
    if assignment.late_policy == Assignment.LatePolicy.REFUSE:
        return due
    if assignment.cutoff_at is None:
        return None
    if assignment.due_at and due > assignment.due_at:
        return assignment.cutoff_at + (due - assignment.due_at)
    return assignment.cutoff_at


def late_penalty(assignment: Assignment, late_seconds: int) -> Decimal:
    """The percent taken off for work `late_seconds` late: the per-day penalty for each day
    or part of one, capped."""
    if late_seconds <= 0 or assignment.late_policy != Assignment.LatePolicy.PENALTY:
        return Decimal(0)
    days = math.ceil(late_seconds / 86400)
    return min(assignment.late_penalty_percent * days, assignment.late_penalty_cap_percent)


def _check_files(assignment: Assignment, files: Sequence) -> None:
    if not files:
        return
    if not assignment.accept_files:
        raise _invalid({"files": [_("This assignment does not take files.")]})
    if len(files) > assignment.max_files:
        raise _invalid({"files": [_("Hand in %(n)d files at most.") % {"n": assignment.max_files}]})
    problems = []
    for upload in files:
        if upload.size > assignment.max_file_mb * 1024 * 1024:
            problems.append(
                _("%(name)s is larger than %(mb)d MB.") % {"name": upload.name, "mb": assignment.max_file_mb}
            )
            continue
        try:
            validate_attachment(upload)
        except ValidationError as exc:
            problems.extend(f"{upload.name}: {m}" for m in exc.messages)
    if problems:
        raise _invalid({"files": problems})


def _lock_learner(user_id: int) -> None:
    """Work on one learner's submissions one at a time (their hand-ins, grades, extensions):
    their user row, locked FOR NO KEY UPDATE, which rows that merely point at the user
    (their progress, their attempts) never wait for."""
    get_user_model().objects.select_for_update(no_key=True).filter(pk=user_id).first()


def _ensure_learner(user, assignment: Assignment) -> None:
    if access.can_edit_course(user, assignment.course):
        raise PermissionDeniedError(
            "The course's instructors grade this assignment; learners hand it in.", code=ErrorCode.NOT_ENROLLED
        )
    if enrollment_selectors.seated_enrollment_for(user, course_id=assignment.course_id) is None:
        raise PermissionDeniedError("Enrol in this course to hand in its assignments.", code=ErrorCode.NOT_ENROLLED)


@transaction.atomic
def submission_save(
    *, user, assignment: Assignment, text: str | None = None, files: Sequence = (), final: bool = True,
    remove_files: Sequence[int] = (), now: datetime | None = None,
) -> tuple[Submission, bool]:  # fmt: skip
    """Hand work in (`final`) or keep it as a draft. The learner's work in progress is
    changed while it is not graded: a double click, a retry or a second visit changes the
    same submission (a database constraint holds one in progress per learner). Work
    handed in is changed only by handing it in again, never back into a draft, and
    nothing is accepted after the learner's last moment. `text` None keeps the text
    there; `files` are added to those kept, `remove_files` (their ids) taken away. After
    a grade, a new submission is allowed while `max_submissions` is not reached. The time
    is the server's; lateness is measured against the learner's own due date. Every
    change bumps the version, so a grader looking at the older one is told.
    (submission, created)."""
    now = now or timezone.now()
    _ensure_learner(user, assignment)
    _lock_learner(user.pk)
    if assignment.opens_at and now < assignment.opens_at:
        raise ConflictError("This assignment is not open yet.", code=ErrorCode.NOT_OPEN)
    due = due_for(user, assignment)
    closes = closes_for(assignment, due)
    if closes and now > closes:
        raise ConflictError("This assignment no longer accepts work.", code=ErrorCode.CLOSED)
    if text is not None:
        text = text.replace("\x00", "")
        if text and not assignment.accept_text:
            raise _invalid({"text": [_("This assignment takes files, not text.")]})
        if len(text) > TEXT_LIMIT:
            raise _invalid({"text": [_("The text is too long.")]})
    _check_files(assignment, files)

    # Locked: a grade being saved meanwhile is never overwritten by this save.
    current = (
        Submission.objects.select_for_update()
        .filter(assignment=assignment, user=user, status__in=Submission.IN_PROGRESS)
        .first()
    )
    created = current is None
    if created:
        used = Submission.objects.filter(assignment=assignment, user=user).exclude(status=Submission.Status.DRAFT)
        if used.count() >= max(assignment.max_submissions, 1):
            raise ConflictError(
                "You have handed in this assignment as often as it allows.", code=ErrorCode.SUBMISSION_LIMIT_REACHED
            )
        number = (Submission.objects.filter(assignment=assignment, user=user).aggregate(n=Max("number"))["n"] or 0) + 1
        current = Submission(assignment=assignment, user=user, number=number)
    elif not final and current.status == Submission.Status.SUBMITTED:
        raise ConflictError(
            "Your work is handed in: hand in the changed version instead of keeping a draft.",
            code=ErrorCode.ALREADY_SUBMITTED,
        )
    removed = {int(pk) for pk in remove_files if str(pk).isdigit()}
    kept = [f for f in current.files.all() if f.pk not in removed] if current.pk else []
    if files and len(kept) + len(files) > assignment.max_files:
        raise _invalid({"files": [_("Hand in %(n)d files at most.") % {"n": assignment.max_files}]})
    if text is not None:
        current.text = text
    if final and not (current.text.strip() or files or kept):
        raise _invalid({"text": [_("Hand in some text or a file.")]})
    if final:
        current.status = Submission.Status.SUBMITTED
        current.submitted_at = now
        current.due_at = due
        current.late_seconds = max(0, int((now - due).total_seconds())) if due else 0
    if not created:
        current.version += 1
    try:
        with transaction.atomic():
            current.save()
    except IntegrityError as exc:  # another request made it first: the constraint held
        raise ConflictError("Your work is being handed in already.", code=ErrorCode.EDITED_MEANWHILE) from exc
    if removed and not created:
        for old in current.files.filter(pk__in=removed):
            storage, name = old.file.storage, old.file.name
            old.delete()
            transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))
    for upload in files:
        SubmissionFile.objects.create(
            submission=current, file=upload, original_name=upload.name.rsplit("/", 1)[-1][:255], size=upload.size
        )
    if final:
        events.emit(
            "assignment.submitted",
            {
                "submission_id": current.pk,
                "assignment_id": assignment.pk,
                "user_id": user.pk,
                "course_id": assignment.course_id,
                "submitted_at": now.isoformat(),
                "late_seconds": current.late_seconds,
            },
        )
        transaction.on_commit(lambda: metrics.ASSIGNMENT_SUBMISSIONS.labels(late=str(current.is_late).lower()).inc())
    return current, created


# --- grading ---------------------------------------------------------------------------


def _quantize(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def rubric_score(assignment: Assignment, choices: Mapping | None) -> tuple[Decimal, dict[str, int]]:
    """The score a level picked in every criterion of the rubric makes (their points'
    sum), with the choices as kept; a criterion left out or a level that does not exist
    is refused with the criterion named."""
    choices = choices or {}
    kept, total, errors = {}, Decimal(0), {}
    for i, criterion in enumerate(assignment.rubric):
        raw = choices.get(str(i), choices.get(i)) if isinstance(choices, Mapping) else None
        try:
            level = int(raw)
        except (TypeError, ValueError):
            level = -1
        if not 0 <= level < len(criterion["levels"]):
            errors[f"rubric_{i}"] = [_("Pick a level for “%(title)s”.") % {"title": criterion["title"]}]
            continue
        kept[str(i)] = level
        total += Decimal(str(criterion["levels"][level]["points"]))
    if errors:
        raise _invalid(errors)
    return total, kept


@transaction.atomic
def submission_grade(
    *, submission: Submission, score: Decimal | None, feedback: str, by, version: int,
    rubric: Mapping | None = None, feedback_files: Sequence = (), remove_feedback_files: Sequence[int] = (),
    now: datetime | None = None,
) -> Submission:  # fmt: skip
    """Grade handed-in work. `version` is the one the grader saw: if someone graded it
    meanwhile, the save is refused (409) with what is there now, never a silent
    overwrite. The late penalty is the server's; the grade is shown to the learner now or
    on release, as the assignment says."""
    now = now or timezone.now()
    # The learner's row, then the submission's: the order a learner's save takes them in,
    # so the two wait for each other instead of deadlocking; not the course's row, which
    # would queue every grader of the course behind one another.
    _lock_learner(submission.user_id)
    locked = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("assignment__course", "user")
        .get(pk=submission.pk)
    )
    assignment = locked.assignment
    if locked.version != version:
        raise ConflictError(
            "This work changed while you were looking at it: graded by someone else, or handed in again.",
            code=ErrorCode.EDITED_MEANWHILE,
            extra={
                "current": {
                    "version": locked.version,
                    "score": None if locked.score is None else str(locked.score),
                    "feedback": locked.feedback,
                    "graded_by": getattr(locked.graded_by, "display_name", None),
                }
            },
        )
    if locked.status == Submission.Status.DRAFT:
        raise ConflictError("A draft is not handed in yet.", code=ErrorCode.INVALID)
    if assignment.rubric:  # the levels picked make the score
        score, locked.rubric_choices = rubric_score(assignment, rubric)
    if score is None or score < 0 or score > assignment.points:
        raise _invalid({"score": [_("Give a score from 0 to %(points)s.") % {"points": assignment.points}]})
    _check_feedback_files(feedback_files)
    locked.score = _quantize(Decimal(score))
    locked.penalty_percent = late_penalty(assignment, locked.late_seconds)
    locked.final_score = _quantize(locked.score * (100 - locked.penalty_percent) / 100)
    locked.feedback = (feedback or "").replace("\x00", "")
    locked.graded_by, locked.graded_at = by, now
    locked.version += 1
    was_returned = locked.status == Submission.Status.RETURNED
    locked.status = Submission.Status.RETURNED if was_returned else Submission.Status.GRADED
    locked.save()
    _feedback_files_save(locked, feedback_files, remove=remove_feedback_files)
    events.emit(
        "submission.graded",
        {"submission_id": locked.pk, "assignment_id": assignment.pk, "user_id": locked.user_id,
         "course_id": assignment.course_id, "score": str(locked.final_score), "points": str(assignment.points)},
    )  # fmt: skip
    if was_returned or assignment.release_policy == Assignment.Release.ON_GRADE:
        _release([locked], now=now)
    return locked


FEEDBACK_FILES_MAX = 5


def _check_feedback_files(files: Sequence) -> None:
    if len(files) > FEEDBACK_FILES_MAX:
        raise _invalid({"feedback_files": [_("Return %(n)d files at most.") % {"n": FEEDBACK_FILES_MAX}]})
    problems = []
    for upload in files:
        try:
            validate_attachment(upload)
        except ValidationError as exc:
            problems.extend(f"{upload.name}: {m}" for m in exc.messages)
    if problems:
        raise _invalid({"feedback_files": problems})


def _feedback_files_save(submission: Submission, files: Sequence, *, remove: Sequence[int]) -> None:
    removed = {int(pk) for pk in remove if str(pk).isdigit()}
    for old in submission.feedback_files.filter(pk__in=removed):
        storage, name = old.file.storage, old.file.name
        old.delete()
        transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))
    if submission.feedback_files.count() + len(files) > FEEDBACK_FILES_MAX:
        raise _invalid({"feedback_files": [_("Return %(n)d files at most.") % {"n": FEEDBACK_FILES_MAX}]})
    for upload in files:
        FeedbackFile.objects.create(
            submission=submission, file=upload, original_name=upload.name.rsplit("/", 1)[-1][:255], size=upload.size
        )


def _release(submissions: list[Submission], *, now: datetime) -> int:
    released = 0
    for submission in submissions:
        first_time = submission.released_at is None
        submission.status = Submission.Status.RETURNED
        submission.released_at = submission.released_at or now
        submission.save(update_fields=["status", "released_at", "updated_at"])
        released += 1
        _requirement_sync_for(submission)
        if first_time:
            user = submission.user
            transaction.on_commit(
                lambda user=user, submission=submission: account_services.mail_user(
                    user=user,
                    subject=gettext_noop("Your work on “%(title)s” is graded"),
                    params={"title": submission.assignment.title},
                    template="assignments/email/graded.txt",
                    context={
                        "submission": submission,
                        "assignment": submission.assignment,
                        "site_url": settings.SITE_URL,
                    },
                )
            )
    if released:
        transaction.on_commit(lambda: metrics.GRADES_RELEASED.inc(released))
    return released


def _requirement_sync_for(submission: Submission) -> None:
    """A released grade and the course requirement: a pass is reported met, required or
    not (as a quiz's), so it counts at once if the course requires the assignment later;
    a grade changed below the pass mark withdraws it unless another version passes. The
    course grade may have changed with it (assignments.signals.grade_released)."""
    assignment = submission.assignment
    signals.grade_released.send(sender=Submission, user_id=submission.user_id, course_id=assignment.course_id)
    if submission.final_score * 100 / assignment.points >= assignment.pass_percent:
        enrollment_services.requirement_complete(
            user=submission.user, course_id=assignment.course_id, key=assignment.requirement_key
        )
    elif not _passed_elsewhere(submission):
        enrollment_services.requirement_withdraw(
            user=submission.user, course_id=assignment.course_id, key=assignment.requirement_key
        )


def _passed_elsewhere(submission: Submission) -> bool:
    """Whether another released submission of the learner's still passes."""
    assignment = submission.assignment
    others = Submission.objects.filter(
        assignment=assignment, user_id=submission.user_id, status=Submission.Status.RETURNED
    ).exclude(pk=submission.pk)
    return any(s.final_score * 100 / assignment.points >= assignment.pass_percent for s in others.only("final_score"))


@transaction.atomic
def grades_release(*, assignment: Assignment, now: datetime | None = None) -> int:
    """Show learners every grade of `assignment` held so far; returns how many. Idempotent:
    released grades are not released again."""
    now = now or timezone.now()
    learners = Submission.objects.filter(assignment=assignment, status=Submission.Status.GRADED).values("user_id")
    # Their learners' rows first, in one order (as each grade takes them): see _lock_learner.
    list(
        get_user_model().objects.select_for_update(no_key=True).filter(pk__in=learners).order_by("pk").values_list("pk")
    )
    held = list(
        Submission.objects.select_for_update(of=("self",))
        .filter(assignment=assignment, status=Submission.Status.GRADED)
        .select_related("assignment__course", "user")
    )
    count = _release(held, now=now)
    if count:
        events.emit(
            "grades.released",
            {
                "assignment_id": assignment.pk,
                "course_id": assignment.course_id,
                "count": count,
                "released_at": now.isoformat(),
            },
        )
    return count


# --- closing ---------------------------------------------------------------------------


def drafts_close(*, now: datetime | None = None) -> int:
    """Hand in, as they stand, the drafts whose learner's last moment has passed (a timed
    quiz closes the same way): the work was there by then, since no save is accepted
    after it. Handed in at that moment, late by what it was late then; an empty draft is
    left alone. Once per draft, whatever the number of runs or workers (each row locked,
    and only a draft changes). Returns how many were handed in."""
    now = now or timezone.now()
    closing = Submission.objects.filter(status=Submission.Status.DRAFT).filter(
        Q(assignment__cutoff_at__lte=now)
        | Q(assignment__late_policy=Assignment.LatePolicy.REFUSE, assignment__due_at__lte=now)
    )
    handed = 0
    for pk in closing.values_list("pk", flat=True).order_by("pk")[:5000]:
        handed += _draft_close(pk, now=now)
    return handed


@transaction.atomic
def _draft_close(pk: int, *, now: datetime) -> int:
    draft = (
        Submission.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("assignment", "user")
        .filter(pk=pk, status=Submission.Status.DRAFT)
        .first()
    )
    if draft is None:  # handed in meanwhile, or another worker has it
        return 0
    assignment = draft.assignment
    due = due_for(draft.user, assignment)
    closes = closes_for(assignment, due)
    if closes is None or closes > now or not (draft.text.strip() or draft.files.exists()):
        return 0
    draft.status = Submission.Status.SUBMITTED
    draft.submitted_at = closes
    draft.due_at = due
    draft.late_seconds = max(0, int((closes - due).total_seconds())) if due else 0
    draft.version += 1
    draft.save(update_fields=["status", "submitted_at", "due_at", "late_seconds", "version", "updated_at"])
    events.emit(
        "assignment.submitted",
        {
            "submission_id": draft.pk,
            "assignment_id": assignment.pk,
            "user_id": draft.user_id,
            "course_id": assignment.course_id,
            "submitted_at": closes.isoformat(),
            "late_seconds": draft.late_seconds,
        },
    )
    late = str(draft.is_late).lower()
    transaction.on_commit(lambda: metrics.ASSIGNMENT_SUBMISSIONS.labels(late=late).inc())
    return 1


# --- reminders -------------------------------------------------------------------------


def due_reminders_send(*, now: datetime | None = None) -> int:
    """Remind each active learner whose own due date for an assignment falls in the next
    ASSIGNMENT_REMINDER_HOURS and who has not handed it in: once per learner and
    assignment, whatever the number of runs or workers (DueReminder's constraint).
    Returns how many were sent."""
    from datetime import timedelta

    from enrollments.models import Enrollment

    now = now or timezone.now()
    until = now + timedelta(hours=settings.ASSIGNMENT_REMINDER_HOURS)
    extended = {
        (e.assignment_id, e.user_id): e.due_at for e in Extension.objects.filter(due_at__gt=now - timedelta(days=365))
    }
    candidates = Assignment.objects.filter(
        Q(due_at__gt=now, due_at__lte=until) | Q(extensions__due_at__gt=now, extensions__due_at__lte=until)
    ).distinct()
    sent = 0
    for assignment in candidates.select_related("course"):
        learners = (
            Enrollment.objects.filter(course_id=assignment.course_id, status=Enrollment.Status.ACTIVE)
            # One subquery: an exclude() across the relation would match the two conditions
            # on different submissions (any hand-in elsewhere and any row here).
            .exclude(
                user__in=Submission.objects.filter(assignment=assignment, submitted_at__isnull=False).values("user")
            )
            .exclude(user__in=DueReminder.objects.filter(assignment=assignment).values("user"))
            .select_related("user")
        )
        for enrollment in learners:
            due = extended.get((assignment.pk, enrollment.user_id), assignment.due_at)
            if due is None or not (now < due <= until):
                continue
            sent += _remind_due(assignment, enrollment.user, due=due, now=now)
    return sent


def _remind_due(assignment: Assignment, user, *, due: datetime, now: datetime) -> int:
    try:
        with transaction.atomic():
            DueReminder.objects.create(assignment=assignment, user=user, sent_at=now)
            transaction.on_commit(
                lambda: account_services.mail_user(
                    user=user,
                    subject=gettext_noop("“%(title)s” is due soon"),
                    params={"title": assignment.title},
                    template="assignments/email/due_soon.txt",
                    context={"assignment": assignment, "due": due, "user": user, "site_url": settings.SITE_URL},
                )
            )
    except IntegrityError:  # another run sent it
        return 0
    return 1
