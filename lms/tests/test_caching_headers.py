"""Personal answers are never cacheable by others (lms.middleware.PrivateResponseMiddleware);
the permission matrix checks the header on every route and role, these the doors."""

import pytest

from accounts import services as account_services
from accounts.tests.factories import UserFactory
from certificates.tests.conftest import completed_enrollment

pytestmark = pytest.mark.django_db


def _private(response) -> bool:
    value = response.get("Cache-Control", "")
    return "private" in value and "no-store" in value


def test_a_bearer_answer_is_private_and_varies_on_authorization(client):
    token = account_services.tokens_issue(user=UserFactory())["access"]
    response = client.get("/api/v1/auth/me/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and _private(response)
    assert "Authorization" in response["Vary"]


def test_any_request_with_credentials_is_answered_privately_even_a_refused_one(client):
    response = client.get("/api/v1/auth/me/", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401 and _private(response)
    assert _private(client.get("/api/v1/health/stack", headers={"Authorization": "Bearer x"}))


def test_the_public_catalog_stays_cacheable_for_anonymous_clients(client):
    completed_enrollment()
    for url in ("/api/v1/courses/", "/api/v1/categories/"):
        response = client.get(url)
        assert response.status_code == 200 and not _private(response), url
        assert "Authorization" in response["Vary"]


def test_a_signed_in_learners_pages_and_downloads_are_private(client):
    enrollment = completed_enrollment()
    client.force_login(enrollment.user)
    for url in ("/dashboard/", "/accounts/profile/", f"/courses/{enrollment.course.slug}/", "/courses/"):
        response = client.get(url)
        assert response.status_code == 200 and _private(response), url


def test_an_answer_that_sets_a_cookie_is_private_even_for_anonymous_visitors(client):
    response = client.get("/accounts/login/")  # the form's CSRF token comes with its cookie
    assert response.cookies and _private(response)


def test_a_private_header_set_by_a_view_is_kept(client):
    from certificates import services as certificate_services

    enrollment = completed_enrollment()
    certificate = certificate_services.certificate_process(enrollment_id=enrollment.pk)
    client.force_login(enrollment.user)
    response = client.get(f"/api/v1/certificates/{certificate.pk}/download/")
    assert response.status_code == 200
    assert response["Cache-Control"].replace(" ", "").split(",").count("private") == 1 and _private(response)
