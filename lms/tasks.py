"""Platform housekeeping tasks."""

from celery import shared_task

from lms.api.idempotency import purge_expired


@shared_task(name="lms.purge_idempotency_records", acks_late=True, soft_time_limit=300, time_limit=360)
def idempotency_records_purge() -> int:
    return purge_expired()
