"""Webhooks: outbox events delivered, signed, retried, de-duplicable; nothing for a
rollback; no delivery to private addresses unless allowed."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.tests.factories import PASSWORD
from lms.models import OutboxEvent
from lms.tests.helpers import WebhookReceiver, free_port
from webhooks import services
from webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def allow_loopback(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


def _subscribe(url, events=("user.registered",)):
    sub = WebhookSubscription(url=url, events=list(events))
    sub.full_clean()
    sub.save()
    return sub


def _register(email="hook@example.com"):
    with transaction.atomic():
        return account_services.user_register(email=email, password=PASSWORD, first_name="Hook")


def test_event_is_delivered_signed_to_a_real_receiver(allow_loopback, django_capture_on_commit_callbacks):
    sub = _subscribe("http://127.0.0.1:1/placeholder")
    with WebhookReceiver(sub.secret) as receiver:
        WebhookSubscription.objects.filter(pk=sub.pk).update(url=receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            user = _register()
        assert len(receiver.requests) == 1
        got = receiver.requests[0]
        assert got["valid"] is True
        assert got["body"]["type"] == "user.registered"
        assert got["body"]["data"]["user_id"] == user.pk
        event = OutboxEvent.objects.get(event_type="user.registered")
        assert got["id"] == str(event.id) == got["body"]["id"]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert delivery.last_latency_ms is not None


def test_receiver_down_then_up_gets_the_event_once_after_retries(allow_loopback):
    sub = _subscribe("http://127.0.0.1:1/placeholder")
    _register()
    with WebhookReceiver(sub.secret, fail_first=2) as receiver:
        WebhookSubscription.objects.filter(pk=sub.pk).update(url=receiver.url)
        (delivery_id,) = services.outbox_relay()
        now = timezone.now()
        for minutes in (0, 5, 30):
            with time_machine.travel(now + timedelta(minutes=minutes)):
                services.delivery_send(delivery_id=delivery_id)
        with time_machine.travel(now + timedelta(hours=2)):
            services.delivery_send(delivery_id=delivery_id)  # already delivered: nothing is sent
        assert [r["id"] for r in receiver.requests] == [receiver.requests[0]["id"]]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("delivered", 3)


def test_delivery_is_marked_dead_after_the_limit_and_can_be_replayed(allow_loopback, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    sub = _subscribe(f"http://127.0.0.1:{free_port()}/nobody-listens")
    _register()
    (delivery_id,) = services.outbox_relay()
    services.delivery_send(delivery_id=delivery_id)
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        delivery = services.delivery_send(delivery_id=delivery_id)
    assert (delivery.status, delivery.last_error) == ("dead", "connection failed")
    with WebhookReceiver(sub.secret) as receiver:
        WebhookSubscription.objects.filter(pk=sub.pk).update(url=receiver.url)
        assert services.replay(deliveries=[delivery]) == 1
        assert services.delivery_send(delivery_id=delivery_id).status == "delivered"
        assert len(receiver.requests) == 1


def test_a_rolled_back_change_emits_nothing():
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        account_services.user_register(email="ghost@example.com", password=PASSWORD)
        raise Boom
    assert not OutboxEvent.objects.exists()


def test_events_without_subscribers_are_dispatched_without_deliveries():
    _register()
    assert services.outbox_relay() == []
    assert OutboxEvent.objects.filter(dispatched_at__isnull=False).count() == 1
    assert services.outbox_relay() == []  # a second relay finds nothing new


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://10.0.0.5/x",
        "http://169.254.169.254/latest",
        "ftp://example.com/x",
        "http://localhost/x",
    ],
)
def test_private_and_non_http_targets_are_refused(url, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(ValidationError):
        _subscribe(url)


def test_unknown_event_types_are_refused(allow_loopback):
    with pytest.raises(ValidationError):
        _subscribe("http://127.0.0.1/x", events=["user.deleted"])


def test_a_target_that_became_private_is_not_called(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    sub = _subscribe("http://127.0.0.1:1/x")
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    _register()
    (delivery_id,) = services.outbox_relay()
    delivery = services.delivery_send(delivery_id=delivery_id)
    assert delivery.last_status_code is None and delivery.last_error.startswith("blocked: ")
    assert delivery.last_latency_ms is None  # nothing was sent, so nothing was timed
    assert sub.pk


def test_events_committed_while_a_relay_is_queued_ride_along_with_it(monkeypatch, django_capture_on_commit_callbacks):
    from lms import events
    from webhooks import tasks

    queued = []
    # Enqueueing is recorded here instead of running inline (the suite runs tasks inline);
    # the commits, the coalescing flag in the real cache and the relay task itself are real.
    monkeypatch.setattr(tasks.outbox_relay, "apply_async", lambda countdown: queued.append(("relay", countdown)))
    for n in range(20):
        with django_capture_on_commit_callbacks(execute=True):
            events.emit("user.registered", {"user_id": n, "email": f"u{n}@example.com"})
    assert queued == [("relay", tasks.RELAY_DELAY_SECONDS)]
    assert tasks.outbox_relay() == 0  # the queued relay runs: all 20 events relayed (no subscriber)
    assert not OutboxEvent.objects.filter(dispatched_at__isnull=True).exists()
    with django_capture_on_commit_callbacks(execute=True):  # an event after it started: a new relay
        events.emit("user.registered", {"user_id": 99, "email": "late@example.com"})
    assert queued == [("relay", tasks.RELAY_DELAY_SECONDS)] * 2


def test_a_relay_whose_broker_is_down_does_not_block_the_next_one(monkeypatch):
    from webhooks import tasks

    calls = []

    def refuse(countdown):
        calls.append("try")
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.outbox_relay, "apply_async", refuse)
    tasks.outbox_relay_enqueue()
    tasks.outbox_relay_enqueue()
    assert calls == ["try", "try"]  # the flag was cleared when the enqueue failed
