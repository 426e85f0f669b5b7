"""Idempotency-Key on creating POSTs: a retry returns the first response and creates
nothing twice; the same key with another body is 422."""

import threading

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import PASSWORD, UserFactory
from courses.models import Course, Lesson, Module
from enrollments.models import Enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(db):
    course = Course.objects.create(title="Idem", slug="idem", status="published", published_at=timezone.now())
    module = Module.objects.create(course=course, title="M")
    Lesson.objects.create(module=module, course=course, title="L")
    return course


def test_retried_enrol_returns_the_first_response(api_client, course):
    api_client.force_authenticate(UserFactory())
    first = api_client.post("/api/v1/enrollments/", {"course": "idem"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api_client.post("/api/v1/enrollments/", {"course": "idem"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Enrollment.objects.count() == 1


def test_same_key_with_another_body_is_422(api_client, course):
    api_client.force_authenticate(UserFactory())
    api_client.post("/api/v1/enrollments/", {"course": "idem"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = api_client.post("/api/v1/enrollments/", {"course": "other"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"


def test_keys_are_per_user(api_client, course):
    for _ in range(2):
        api_client.force_authenticate(UserFactory())
        assert (
            api_client.post(
                "/api/v1/enrollments/", {"course": "idem"}, format="json", HTTP_IDEMPOTENCY_KEY="shared"
            ).status_code
            == 201
        )
    assert Enrollment.objects.count() == 2


def test_register_with_a_key_creates_one_account(api_client):
    body = {"email": "idem@example.com", "password": PASSWORD}
    first = api_client.post("/api/v1/auth/register/", body, format="json", HTTP_IDEMPOTENCY_KEY="reg-1")
    again = api_client.post("/api/v1/auth/register/", body, format="json", HTTP_IDEMPOTENCY_KEY="reg-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()


@pytest.mark.parametrize("key", ["", "x" * 256, "bad\x00key"])
def test_malformed_keys_are_400(api_client, course, key):
    api_client.force_authenticate(UserFactory())
    response = api_client.post("/api/v1/enrollments/", {"course": "idem"}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_create_one_enrollment(course):
    user = UserFactory()
    barrier = threading.Barrier(6)
    statuses = []

    def post():
        client = APIClient()
        client.force_authenticate(user)
        barrier.wait()
        try:
            statuses.append(
                client.post(
                    "/api/v1/enrollments/", {"course": "idem"}, format="json", HTTP_IDEMPOTENCY_KEY="race"
                ).status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Enrollment.objects.count() == 1
    assert set(statuses) <= {201, 409}
    assert statuses.count(201) >= 1
