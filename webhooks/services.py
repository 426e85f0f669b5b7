"""Webhook delivery: outbox events fan out to subscriptions, each delivery is signed,
retried with exponential backoff up to WEBHOOK_MAX_ATTEMPTS, then marked dead.

Signature: `X-Webhook-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with
the subscription's secret; `X-Webhook-Timestamp` is that timestamp (Unix seconds);
`X-Webhook-Id` is the event id, the same on every retry, so receivers can drop
duplicates (delivery is at least once).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lms.models import OutboxEvent
from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.security import DeliveryError, UnsafeTarget, post, resolve_target

logger = logging.getLogger(__name__)


def can_manage_webhooks(user) -> bool:
    """Subscriptions and their deliveries are for staff (admins) only, in the API and in
    the admin alike: they name outside addresses and carry every event."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.has_full_access)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def event_body(event: OutboxEvent) -> bytes:
    envelope = {
        "id": str(event.id),
        "type": event.event_type,
        "version": event.version,
        "occurred_at": event.occurred_at.isoformat(),
        "data": event.payload,
    }
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()


def outbox_relay(*, limit: int = 500) -> list[int]:
    """Turn undispatched events into pending deliveries; returns the delivery ids to send.
    Rows are claimed with SKIP LOCKED, so relays running in parallel never double up."""
    with transaction.atomic():
        events = list(
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(dispatched_at__isnull=True)
            .order_by("occurred_at")[:limit]
        )
        if not events:
            return []
        subscriptions = list(WebhookSubscription.objects.filter(is_active=True))
        now = timezone.now()
        deliveries = [
            WebhookDelivery(subscription=sub, event=event, next_attempt_at=now)
            for event in events
            for sub in subscriptions
            if event.event_type in (sub.events or [])
        ]
        WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(dispatched_at=now)
        ids = list(
            WebhookDelivery.objects.filter(event__in=events, status=WebhookDelivery.Status.PENDING).values_list(
                "pk", flat=True
            )
        )
    return ids


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(settings.WEBHOOK_RETRY_BASE_SECONDS * (2 ** (attempts - 1)), 6 * 3600))


def delivery_send(*, delivery_id: int) -> WebhookDelivery:
    """Send one delivery if it is due. The row is locked for the attempt, so a delivery
    is never sent by two workers at once; a worker killed mid-send leaves it pending, and
    it is sent again (receivers de-duplicate by X-Webhook-Id)."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription", "event")
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return WebhookDelivery.objects.get(pk=delivery_id)
        if delivery.next_attempt_at > timezone.now():
            return delivery
        subscription = delivery.subscription
        body = event_body(delivery.event)
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "LMS-Webhooks/1",
            "X-Webhook-Id": str(delivery.event_id),
            "X-Webhook-Event": delivery.event.event_type,
            "X-Webhook-Timestamp": str(timestamp),
            "X-Webhook-Signature": sign(subscription.secret, timestamp, body),
        }
        status_code, error, latency_ms = None, "", None
        try:
            target = resolve_target(subscription.url)
        except UnsafeTarget as exc:
            # Refused before any connection: logged as blocked, whatever the address would
            # have answered, so the log cannot tell an open internal port from a closed one.
            error = f"blocked: {exc}"
        else:
            started = time.perf_counter()
            try:
                status_code = post(target, body=body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
            except DeliveryError as exc:
                error = str(exc)
            latency_ms = int((time.perf_counter() - started) * 1000)
        delivery.attempts += 1
        delivery.last_latency_ms = latency_ms
        delivery.last_status_code = status_code
        delivery.last_error = error
        if status_code is not None and 200 <= status_code < 300:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = timezone.now()
        elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            delivery.status = WebhookDelivery.Status.DEAD
        else:
            delivery.next_attempt_at = timezone.now() + _backoff(delivery.attempts)
        delivery.save()
    logger.info(
        "webhook_attempt",
        extra={
            "delivery_id": delivery.pk,
            "status": delivery.status,
            "http_status": status_code,
            "attempts": delivery.attempts,
        },
    )
    return delivery


def deliveries_due(*, limit: int = 500) -> list[int]:
    return list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def replay_dead(*, subscription=None) -> int:
    """Send every dead delivery again (of one subscription, or of all)."""
    dead = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.DEAD)
    if subscription is not None:
        dead = dead.filter(subscription=subscription)
    return replay(deliveries=list(dead.only("pk")))


def replay(*, deliveries) -> int:
    """Send dead (or delivered) deliveries again, from a fresh attempt count."""
    return WebhookDelivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
        status=WebhookDelivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
