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
