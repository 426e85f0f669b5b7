"""Export tasks: thin wrappers over reports.services, safe to run twice."""

from azure.core.exceptions import ServiceRequestError, ServiceResponseError
from celery import shared_task

from reports import services

# Storage (local disk, Azure: its SDK's network errors are not OSErrors) failures are
# transient: retry with backoff. Anything else leaves the export pending; the sweep
# enqueues it again and gives up after MAX_BUILDS.
_TRANSIENT = (OSError, ConnectionError, TimeoutError, ServiceRequestError, ServiceResponseError)


@shared_task(
    name="reports.build_export",
    acks_late=True,
    autoretry_for=_TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=4,
    soft_time_limit=900,
    time_limit=960,
)
def export_build(export_id: int) -> bool:
    return services.export_build(export_id=export_id) is not None


@shared_task(name="reports.sweep_exports", acks_late=True, soft_time_limit=300, time_limit=360)
def exports_sweep() -> dict:
    return services.exports_sweep()
