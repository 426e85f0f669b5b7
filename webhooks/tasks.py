"""Webhook tasks: relay the outbox, send deliveries, retry the due ones."""

import logging

from celery import shared_task

from webhooks import services

logger = logging.getLogger(__name__)


@shared_task(name="webhooks.relay_outbox", acks_late=True, soft_time_limit=120, time_limit=150)
def relay_outbox() -> int:
    ids = services.relay_outbox()
    for delivery_id in ids:
        deliver.delay(delivery_id)
    return len(ids)


@shared_task(name="webhooks.deliver", acks_late=True, soft_time_limit=30, time_limit=45)
def deliver(delivery_id: int) -> str:
    return services.deliver(delivery_id=delivery_id).status


@shared_task(name="webhooks.send_due", acks_late=True, soft_time_limit=300, time_limit=360)
def send_due() -> int:
    ids = services.due_deliveries()
    for delivery_id in ids:
        deliver.delay(delivery_id)
    return len(ids)


def enqueue_relay() -> None:
    """After an event commits: relay it now if the broker is reachable; otherwise the
    periodic relay will (the event is safe in the outbox either way)."""
    try:
        relay_outbox.delay()
    except Exception:
        logger.warning("webhook_relay_enqueue_failed", exc_info=True)
