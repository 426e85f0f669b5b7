"""Webhook tasks: relay the outbox, send deliveries, retry the due ones."""

import logging

from celery import shared_task
from django.core.cache import cache

from webhooks import services

logger = logging.getLogger(__name__)

# Set while a relay is queued and not yet started: events committed meanwhile ride along
# with it instead of queueing one relay each (1,000 graded attempts made 1,000 relays).
RELAY_QUEUED_KEY = "webhooks:relay-queued"
RELAY_QUEUED_TTL = 30  # a lost relay stops coalescing after this; the beat relay runs every 15 s
# A relay starts this long after the event that queued it, so that the events of the next
# second ride along too: a lone beat sweep commits one attempt at a time, each relay was
# done before the next commit, and 1,000 attempts still queued 978 relays
# (docs/performance.md, Celery workers). Deliveries wait one second more.
RELAY_DELAY_SECONDS = 1


@shared_task(name="webhooks.relay_outbox", acks_late=True, soft_time_limit=120, time_limit=150)
def outbox_relay() -> int:
    # Cleared before reading the outbox: an event committed after this point queues a
    # new relay, one committed before it is read below.
    _forget_queued_relay()
    ids = services.outbox_relay()
    for delivery_id in ids:
        delivery_send.delay(delivery_id)
    return len(ids)


@shared_task(name="webhooks.deliver", acks_late=True, soft_time_limit=30, time_limit=45)
def delivery_send(delivery_id: int) -> str:
    return services.delivery_send(delivery_id=delivery_id).status


@shared_task(name="webhooks.send_due", acks_late=True, soft_time_limit=300, time_limit=360)
def deliveries_send_due() -> int:
    ids = services.deliveries_due()
    for delivery_id in ids:
        delivery_send.delay(delivery_id)
    return len(ids)


def outbox_relay_enqueue() -> None:
    """After an event commits: relay it now if the broker is reachable; otherwise the
    periodic relay will (the event is safe in the outbox either way)."""
    try:
        if not cache.add(RELAY_QUEUED_KEY, 1, timeout=RELAY_QUEUED_TTL):
            return  # a relay is already queued and will read this event
    except Exception:  # no cache: queue one anyway
        logger.warning("webhook_relay_flag_unavailable", exc_info=True)
    try:
        outbox_relay.apply_async(countdown=RELAY_DELAY_SECONDS)
    except Exception:
        _forget_queued_relay()
        logger.warning("webhook_relay_enqueue_failed", exc_info=True)


def _forget_queued_relay() -> None:
    try:
        cache.delete(RELAY_QUEUED_KEY)
    except Exception:
        logger.warning("webhook_relay_flag_unavailable", exc_info=True)
