"""Listening to enrollments' `course_completed` event."""

import logging

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.signals import user_erased
from certificates import selectors, services
from certificates.models import Certificate
from enrollments.signals import course_completed

logger = logging.getLogger(__name__)


@receiver(course_completed, dispatch_uid="certificates.on_course_completed")
def on_course_completed(sender, enrollment_id: int, **kwargs) -> None:
    # Issue at once (a fast, idempotent insert), so the certificate exists even if the
    # broker is down; the issue queues its PDF and email, and the periodic sweep picks up
    # any certificate whose task was lost.
    try:
        services.certificate_issue(enrollment_id=enrollment_id)
    except Exception:
        logger.warning("certificate_enqueue_failed", extra={"enrollment_id": enrollment_id}, exc_info=True)


@receiver(user_erased, dispatch_uid="certificates.on_user_erased")
def on_user_erased(sender, user_id: int, **kwargs) -> None:
    services.certificates_withhold_name(user_id=user_id)


@receiver([post_save, post_delete], sender=Certificate, dispatch_uid="certificates.forget_verification")
def forget_verification(sender, instance: Certificate, **kwargs) -> None:
    """A changed certificate is read afresh by the public verification (once committed)."""
    selectors.certificate_verification.forget(instance.code)
