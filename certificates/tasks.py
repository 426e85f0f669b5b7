"""Certificate tasks: thin wrappers over certificates.services, safe to run twice."""

from smtplib import SMTPException

from azure.core.exceptions import ServiceRequestError, ServiceResponseError
from celery import shared_task

from certificates import services

# Storage (local disk, Azure) and SMTP failures are transient: retry with backoff. The
# Azure SDK's network errors (storage unreachable, no answer) are not OSErrors.
_TRANSIENT = (OSError, ConnectionError, TimeoutError, SMTPException, ServiceRequestError, ServiceResponseError)


@shared_task(
    name="certificates.process",
    acks_late=True,
    autoretry_for=_TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=8,
    soft_time_limit=60,
    time_limit=90,
)
def process_certificate(enrollment_id: int) -> int:
    return services.certificate_process(enrollment_id=enrollment_id).pk


@shared_task(name="certificates.render", acks_late=True, autoretry_for=_TRANSIENT, retry_backoff=True, max_retries=8)
def render_certificate(certificate_id: int, force: bool = False) -> int:
    return services.certificate_render(certificate_id=certificate_id, force=force).pk


@shared_task(name="certificates.render_pending", acks_late=True, soft_time_limit=600, time_limit=660)
def render_pending() -> int:
    return services.certificates_render_pending()


@shared_task(
    name="certificates.delete_pdfs", acks_late=True, autoretry_for=_TRANSIENT, retry_backoff=True, max_retries=8
)
def delete_pdfs(names: list[str]) -> int:
    return services.pdfs_delete(names=names)


@shared_task(name="certificates.sweep_orphan_pdfs", acks_late=True, soft_time_limit=600, time_limit=660)
def sweep_orphan_pdfs() -> int:
    return services.pdfs_sweep_orphans()
