"""Certificate tasks: thin wrappers over certificates.services, safe to run twice."""

from smtplib import SMTPException

from azure.core.exceptions import ServiceRequestError, ServiceResponseError
from celery import shared_task

from certificates import services

# Storage (local disk, Azure) and SMTP failures are transient: retry with backoff. The
# Azure SDK's network errors (storage unreachable, no answer) are not OSErrors.
_TRANSIENT = (OSError, ConnectionError, TimeoutError, SMTPException, ServiceRequestError, ServiceResponseError)


_DELIVERY = {
    "acks_late": True,
    "autoretry_for": _TRANSIENT,
    "retry_backoff": True,
    "retry_backoff_max": 900,
    "retry_jitter": True,
    "max_retries": 8,
    "soft_time_limit": 60,
    "time_limit": 90,
}


@shared_task(name="certificates.deliver", **_DELIVERY)
def certificate_deliver(certificate_id: int) -> int:
    """What certificates.services.certificate_issue queues for a new certificate."""
    return services.certificate_deliver(certificate_id=certificate_id).pk


@shared_task(name="certificates.process", **_DELIVERY)
def certificate_process(enrollment_id: int) -> int:
    """The pipeline by enrollment id (issue if needed, then deliver): what the completion
    listener queued before `certificates.deliver`, kept for messages still queued across
    a deploy and for the worker benchmark."""
    return services.certificate_process(enrollment_id=enrollment_id).pk


@shared_task(name="certificates.render", acks_late=True, autoretry_for=_TRANSIENT, retry_backoff=True, max_retries=8)
def certificate_render(certificate_id: int, force: bool = False) -> int:
    return services.certificate_render(certificate_id=certificate_id, force=force).pk


@shared_task(name="certificates.render_pending", acks_late=True, soft_time_limit=600, time_limit=660)
def certificates_render_pending() -> int:
    return services.certificates_render_pending()


@shared_task(
    name="certificates.delete_pdfs", acks_late=True, autoretry_for=_TRANSIENT, retry_backoff=True, max_retries=8
)
def pdfs_delete(names: list[str]) -> int:
    return services.pdfs_delete(names=names)


@shared_task(name="certificates.sweep_orphan_pdfs", acks_late=True, soft_time_limit=600, time_limit=660)
def pdfs_sweep_orphans() -> int:
    return services.pdfs_sweep_orphans()
