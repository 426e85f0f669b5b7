"""The event catalog and `emit`, used by the domain services inside their transactions.

Events (version 1; payloads are documented in docs/api.md):
  user.registered, enrollment.created, enrollment.completed, enrollment.dropped,
  attempt.submitted, assignment.submitted, submission.graded, grades.released,
  certificate.issued, certificate.revoked
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from lms.models import OutboxEvent

CATALOG = {
    "user.registered": 1,
    "enrollment.created": 1,
    "enrollment.completed": 1,
    "enrollment.dropped": 1,
    "attempt.submitted": 1,
    "assignment.submitted": 1,
    "submission.graded": 1,
    "grades.released": 1,
    "certificate.issued": 1,
    "certificate.revoked": 1,
}
# What webhook subscriptions may name in /api/v1/: the events of its 1.0.0 release. A v1
# client reads a subscription's `events` as a closed enum (tools/api_compat.py), so newer
# events (the assignments') are recorded in the outbox, for the apps that consume it, and
# become subscribable in a new major version of the API.
SUBSCRIBABLE = (
    "user.registered", "enrollment.created", "enrollment.completed", "enrollment.dropped", "attempt.submitted",
    "certificate.issued", "certificate.revoked",
)  # fmt: skip

# Called after commit when an event was written (the webhooks app sets it to enqueue its
# relay task at once; the periodic relay catches anything missed).
_on_emitted: list = []


def on_emitted(callback) -> None:
    if callback not in _on_emitted:
        _on_emitted.append(callback)


def emit(event_type: str, payload: Mapping) -> OutboxEvent:
    """Record `event_type` in the outbox, in the caller's transaction."""
    if event_type not in CATALOG:
        raise ValueError(f"Unknown event type {event_type!r}")
    event = OutboxEvent.objects.create(
        id=uuid.uuid4(),
        event_type=event_type,
        version=CATALOG[event_type],
        payload=dict(payload),
        occurred_at=timezone.now(),
    )
    for callback in _on_emitted:
        transaction.on_commit(callback)
    return event
