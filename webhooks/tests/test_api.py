"""Staff manage webhook subscriptions through the API; URLs are checked against SSRF."""

import pytest

from accounts.tests.factories import AdminFactory, UserFactory
from webhooks.models import WebhookSubscription

pytestmark = pytest.mark.django_db


def test_staff_create_a_subscription_and_get_its_secret(api_client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    api_client.force_authenticate(AdminFactory())
    response = api_client.post(
        "/api/v1/webhooks/", {"url": "http://127.0.0.1:9/hook", "events": ["enrollment.created"]}, format="json"
    )
    assert response.status_code == 201, response.content
    assert len(response.json()["secret"]) >= 32
    assert WebhookSubscription.objects.get().events == ["enrollment.created"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "http://10.1.2.3/hook", "events": ["user.registered"]}, "url"),
        ({"url": "https://hooks.example.com/x", "events": ["user.deleted"]}, "events"),
        ({"url": "https://hooks.example.com/x", "events": []}, "events"),
    ],
)
def test_bad_subscriptions_are_400(api_client, settings, payload, field):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    api_client.force_authenticate(AdminFactory())
    response = api_client.post("/api/v1/webhooks/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_non_staff_cannot_list_or_create(api_client):
    api_client.force_authenticate(UserFactory())
    assert api_client.get("/api/v1/webhooks/").status_code == 403
    assert api_client.post("/api/v1/webhooks/", {}, format="json").status_code == 403


def test_only_active_admins_manage_webhooks_in_the_api_and_the_admin(api_client, client):
    """One rule (webhooks.services.can_manage_webhooks) for both doors: an instructor has
    the admin but not the webhooks; a deactivated admin has neither."""
    from courses.tests.factories import InstructorFactory

    admin_user, instructor = AdminFactory(), InstructorFactory()
    retired = AdminFactory(is_active=False)
    for user, allowed in ((admin_user, True), (instructor, False), (retired, False)):
        api_client.force_authenticate(user)
        assert (api_client.get("/api/v1/webhooks/").status_code == 200) is allowed
        client.force_login(user)
        assert (client.get("/admin/webhooks/webhooksubscription/").status_code == 200) is allowed


def test_replaying_dead_deliveries_takes_one_subscriptions_or_all_of_them(api_client, client):
    import uuid

    from django.utils import timezone

    from lms.models import OutboxEvent
    from webhooks.models import WebhookDelivery

    subs = [
        WebhookSubscription.objects.create(url=f"https://hooks{n}.example.com/x", events=["user.registered"])
        for n in range(2)
    ]
    event = OutboxEvent.objects.create(
        id=uuid.uuid4(), event_type="user.registered", payload={}, occurred_at=timezone.now()
    )
    for sub in subs:
        WebhookDelivery.objects.create(
            subscription=sub, event=event, status="dead", attempts=8, next_attempt_at=timezone.now()
        )
    staff = AdminFactory()
    api_client.force_authenticate(staff)
    response = api_client.post(f"/api/v1/webhooks/{subs[0].pk}/replay-dead/")
    assert response.status_code == 200 and response.json() == {"replayed": 1}
    assert dict(WebhookDelivery.objects.values_list("subscription_id", "status")) == {
        subs[0].pk: "pending",
        subs[1].pk: "dead",
    }
    client.force_login(staff)
    any_delivery = WebhookDelivery.objects.first().pk
    client.post("/admin/webhooks/webhookdelivery/", {"action": "replay_all_dead", "_selected_action": [any_delivery]})
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"pending"}
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {0}
