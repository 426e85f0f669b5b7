"""Certificate rules: issue once, render the PDF, email the learner, revoke.

Issuing is idempotent twice over: the (user, course) constraint makes a duplicate
completion event or two racing workers end with one certificate, and rendering and
emailing each carry their own done-mark.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts import services as account_services
from certificates.errors import ErrorCode
from certificates.models import Certificate, new_code
from certificates.pdf import CertificateContent, CertificateRenderError, render_certificate
from courses import access as course_access
from enrollments.models import Enrollment
from lms import events, metrics
from lms.exceptions import ApplicationError, ConflictError, PermissionDeniedError

logger = logging.getLogger(__name__)


def _final_grade(user, course) -> str:
    """The course grade for the certificate, when the course's gradebook shows it."""
    from grades import selectors as grade_selectors

    if not grade_selectors.settings_for(course).show_on_certificate:
        return ""
    _items, row = grade_selectors.learner_grades(user, course)
    if row.percent is None:
        return ""
    return f"{row.percent}% ({row.letter})" if row.letter else f"{row.percent}%"


def certificate_issue(*, enrollment_id: int) -> tuple[Certificate, bool]:
    """The certificate of a completed enrollment, created on first call: the one way a
    certificate is made. A new one's PDF and email follow in `certificates.deliver`,
    queued by certificate id once this commits (the render sweep delivers it if the
    broker is down). Returns (certificate, created)."""
    enrollment = Enrollment.objects.select_related("user", "course").get(pk=enrollment_id)
    existing = Certificate.objects.filter(user_id=enrollment.user_id, course_id=enrollment.course_id).first()
    if existing is not None:
        return existing, False
    if enrollment.status != Enrollment.Status.COMPLETED:
        raise ConflictError("The course is not completed.", code=ErrorCode.NOT_COMPLETED)
    course = enrollment.course
    instructors = ", ".join(u.display_name for u in course.instructors.order_by("last_name", "id"))
    try:
        with transaction.atomic():
            certificate = Certificate.objects.create(
                user=enrollment.user,
                course=course,
                enrollment=enrollment,
                code=new_code(),
                issued_at=enrollment.completed_at or timezone.now(),
                learner_name=(enrollment.user.get_full_name() or enrollment.user.display_name)[:300],
                course_title=course.title,
                instructor_names=instructors[:500],
                final_grade=_final_grade(enrollment.user, course),
            )
            transaction.on_commit(metrics.CERTIFICATES_ISSUED.inc)
            certificate_id = certificate.pk
            transaction.on_commit(lambda: _enqueue_delivery(certificate_id))
            events.emit(
                "certificate.issued",
                {
                    "certificate_id": certificate.pk,
                    "code": certificate.code,
                    "user_id": certificate.user_id,
                    "course_id": course.pk,
                    "issued_at": certificate.issued_at.isoformat(),
                    "verification_url": certificate.verification_url,
                },
            )
    except IntegrityError:
        # Another worker issued it at the same moment: theirs is the certificate.
        return Certificate.objects.get(user_id=enrollment.user_id, course_id=enrollment.course_id), False
    logger.info("certificate_issued", extra={"certificate_id": certificate.pk, "course_id": course.pk})
    return certificate, True


def _content(certificate: Certificate) -> CertificateContent:
    return CertificateContent(
        learner_name=certificate.learner_name,
        course_title=certificate.course_title,
        instructor_names=certificate.instructor_names,
        issued_at=certificate.issued_at,
        code=certificate.code,
        display_code=certificate.display_code,
        verification_url=certificate.verification_url,
        final_grade=certificate.final_grade,
    )


def certificate_render(*, certificate_id: int, force: bool = False) -> Certificate:
    """Render and store the PDF (again, with `force`; the code never changes).

    The PDF is built in memory and stored under a new name; only then does the row point
    at it, so a failure (storage down, a crash) never leaves the certificate pointing at
    a missing or half-written file. Storage errors propagate so the task retries.
    """
    certificate = Certificate.objects.get(pk=certificate_id)
    if (certificate.is_ready and not force) or certificate.name_withheld_at is not None:
        return certificate  # done already; or erased: no PDF carries the name any more
    try:
        data = render_certificate(_content(certificate))
    except CertificateRenderError as exc:
        Certificate.objects.filter(pk=certificate.pk).update(render_error=str(exc)[:1000])
        logger.error("certificate_render_failed", extra={"certificate_id": certificate.pk, "error": str(exc)})
        raise
    name = f"certificates/{certificate.code}-{uuid.uuid4().hex[:8]}.pdf"
    stored = certificate.pdf.storage.save(name, ContentFile(data))
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if (certificate.is_ready and not force) or certificate.name_withheld_at is not None:
            # Rendered meanwhile by another worker (the task and the sweep, or two sweeps,
            # at once): theirs stays; or the name was withheld meanwhile (an erasure): the
            # PDF printed it. Either way this copy is not kept.
            certificate.pdf.storage.delete(stored)
            return certificate
        replaced = certificate.pdf.name
        certificate.pdf.name = stored
        certificate.rendered_at = timezone.now()
        certificate.render_error = ""
        certificate.save(update_fields=["pdf", "rendered_at", "render_error", "updated_at"])
        if replaced:  # a forced re-render: the old file printed the name too; it goes once this commits
            transaction.on_commit(lambda: _enqueue_pdf_deletion([replaced]))
    return certificate


def certificate_email(*, certificate_id: int) -> bool:
    """Tell the learner, once, that their certificate is ready."""
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().select_related("user").get(pk=certificate_id)
        if certificate.email_sent_at is not None or not certificate.is_ready or certificate.is_revoked:
            return False
        context = {"certificate": certificate, "site_url": settings.SITE_URL}
        account_services.mail_user(
            user=certificate.user,
            subject=gettext_noop("Your certificate for %(course)s"),
            params={"course": certificate.course_title},
            template="certificates/email/issued.txt",
            context=context,
        )
        certificate.email_sent_at = timezone.now()
        certificate.save(update_fields=["email_sent_at"])
    return True


def certificate_deliver(*, certificate_id: int) -> Certificate:
    """Render the PDF and email the learner, each once (safe to run again)."""
    certificate = certificate_render(certificate_id=certificate_id)
    certificate_email(certificate_id=certificate.pk)
    return certificate


def certificate_process(*, enrollment_id: int) -> Certificate:
    """The whole pipeline for a completed enrollment at once, in this process: issue (the
    one door), then deliver. Each step runs once."""
    certificate, _ = certificate_issue(enrollment_id=enrollment_id)
    return certificate_deliver(certificate_id=certificate.pk)


def _enqueue_delivery(certificate_id: int) -> None:
    from certificates import tasks

    try:
        tasks.certificate_deliver.delay(certificate_id)
    except Exception:  # the broker is down: the render sweep delivers it later
        logger.warning("certificate_delivery_not_queued", extra={"certificate_id": certificate_id}, exc_info=True)


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, reason: str, revoked_by) -> Certificate:
    """Staff withdraw a certificate, with the reason the public verification shows."""
    if not course_access.is_full_access(revoked_by):
        raise PermissionDeniedError("Only staff can revoke certificates.")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "Give a reason for the revocation.", code=ErrorCode.INVALID, extra={"errors": {"reason": ["Required."]}}
        )
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.is_revoked:
        return certificate
    certificate.revoked_at = timezone.now()
    certificate.revoked_reason = reason[:2000]
    certificate.revoked_by = revoked_by
    certificate.save(update_fields=["revoked_at", "revoked_reason", "revoked_by", "updated_at"])
    events.emit(
        "certificate.revoked",
        {"certificate_id": certificate.pk, "code": certificate.code, "revoked_at": certificate.revoked_at.isoformat()},
    )
    logger.info("certificate_revoked", extra={"certificate_id": certificate.pk})
    return certificate


def certificate_issue_manually(*, user, course, issued_by) -> Certificate:
    """Staff: the learner completed the course elsewhere. Completes the enrollment (which
    emits `course_completed`) and issues the certificate at once."""
    from enrollments import services as enrollment_services

    if not course_access.is_full_access(issued_by):
        raise PermissionDeniedError("Only staff can issue certificates manually.")
    enrollment = enrollment_services.enrollment_complete_manually(user=user, course=course)
    certificate, _ = certificate_issue(enrollment_id=enrollment.pk)
    return certificate


def certificates_render_pending() -> int:
    """The sweep: render and email certificates whose PDF is missing (a lost task, a
    storage outage). Safe to run at any time and twice."""
    done = 0
    pending = Certificate.objects.filter(rendered_at__isnull=True, render_error="", name_withheld_at__isnull=True)
    for certificate_id in pending.values_list("pk", flat=True)[:200]:
        try:
            certificate_deliver(certificate_id=certificate_id)
            done += 1
        except CertificateRenderError:
            continue
        except Exception:
            logger.warning("certificate_render_retry_later", extra={"certificate_id": certificate_id}, exc_info=True)
            break  # storage is likely down: the next sweep tries again
    return done


NAME_WITHHELD = "Name withheld at the learner's request"


@transaction.atomic
def certificates_withhold_name(*, user_id: int) -> int:
    """After an account is erased its certificates stay verifiable (valid or revoked, the
    course and the date) without the person's name. Their PDFs, which print it, are
    unlinked here and deleted from the storage by a task after the commit (retried while
    the storage is down), so an unreachable storage never fails the erasure."""
    names: list[str] = []
    count = 0
    # Locked, so that a render in flight either finishes first (and its PDF is deleted
    # here) or sees the withheld name under its own lock and keeps nothing.
    for certificate in Certificate.objects.select_for_update().filter(user_id=user_id):
        if certificate.pdf:
            names.append(certificate.pdf.name)
        certificate.pdf.name = ""
        certificate.learner_name = NAME_WITHHELD
        certificate.rendered_at = None
        certificate.name_withheld_at = certificate.name_withheld_at or timezone.now()  # never rendered again
        certificate.save(update_fields=["learner_name", "pdf", "rendered_at", "name_withheld_at", "updated_at"])
        count += 1
    if names:
        transaction.on_commit(lambda: _enqueue_pdf_deletion(names))
    return count


def _enqueue_pdf_deletion(names: list[str]) -> None:
    from certificates import tasks

    try:
        tasks.pdfs_delete.delay(names)
    except Exception:  # the broker is down: the files are unlinked already; say which they are
        logger.error("certificate_pdf_deletion_not_queued", extra={"names": names}, exc_info=True)


def pdfs_delete(*, names: list[str]) -> int:
    """Delete stored PDFs that no certificate points at any more. Safe to run twice."""
    storage = Certificate._meta.get_field("pdf").storage
    for name in names:
        storage.delete(name)
    return len(names)


# A render stores its file before the row points at it; a file younger than this may be
# one whose row is being written now.
ORPHAN_GRACE = timedelta(hours=1)


def pdfs_sweep_orphans(*, now: datetime | None = None) -> int:
    """Delete the stored PDFs no certificate points at: left by a render killed between
    storing its file and recording it, or by a deletion task that never ran. They print
    a learner's name, so none may outlive the certificate's own PDF. Only files older
    than ORPHAN_GRACE: a render in flight keeps its file. Safe to run twice."""
    now = now or timezone.now()
    storage = Certificate._meta.get_field("pdf").storage
    try:
        _folders, files = storage.listdir("certificates")
    except FileNotFoundError:  # nothing stored yet
        return 0
    kept = set(Certificate.objects.exclude(pdf="").values_list("pdf", flat=True))
    orphans = [
        f"certificates/{name}"
        for name in files
        if f"certificates/{name}" not in kept and storage.get_modified_time(f"certificates/{name}") < now - ORPHAN_GRACE
    ]
    pdfs_delete(names=orphans)
    if orphans:
        logger.info("certificate_orphan_pdfs_deleted", extra={"count": len(orphans)})
    return len(orphans)
