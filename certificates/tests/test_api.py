"""Certificates API and pages: own certificates only; public verification by code."""

import pytest
from django.test import override_settings

from accounts.tests.factories import AdminFactory, UserFactory
from certificates import services
from certificates.tests.conftest import completed_enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(enrollment):
    return services.certificate_process(enrollment_id=enrollment.pk)


def test_learner_lists_and_downloads_own_certificate(api_client, certificate):
    api_client.force_authenticate(certificate.user)
    listed = api_client.get("/api/v1/certificates/").json()
    assert [c["code"] for c in listed["results"]] == [certificate.display_code]
    detail = api_client.get(f"/api/v1/certificates/{certificate.pk}/").json()
    assert detail["ready"] is True and detail["verification_url"].endswith(f"/certificates/{certificate.code}/")
    download = api_client.get(f"/api/v1/certificates/{certificate.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


def test_other_users_certificates_are_404(api_client, certificate):
    for intruder in (UserFactory(), AdminFactory()):
        api_client.force_authenticate(intruder)
        assert api_client.get(f"/api/v1/certificates/{certificate.pk}/").status_code == 404
        assert api_client.get(f"/api/v1/certificates/{certificate.pk}/download/").status_code == 404
        assert api_client.get("/api/v1/certificates/").json()["results"] == []


def test_download_of_a_certificate_being_prepared_is_409(api_client, enrollment):
    certificate, _ = services.certificate_issue(enrollment_id=enrollment.pk)
    api_client.force_authenticate(certificate.user)
    response = api_client.get(f"/api/v1/certificates/{certificate.pk}/download/")
    assert response.status_code == 409
    assert response.json()["code"] == "not_ready"


def test_verify_shows_validity_without_personal_data(api_client, certificate):
    response = api_client.get(f"/api/v1/certificates/verify/{certificate.display_code.lower()}/")
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "code": certificate.display_code,
        "status": "valid",
        "learner_name": "Ada Lovelace",
        "course_title": "Analytical Engines",
        "issued_at": body["issued_at"],
        "revoked_at": None,
        "revoked_reason": None,
    }
    assert certificate.user.email not in response.content.decode()


def test_revoked_certificate_reads_revoked_never_unknown(api_client, client, certificate):
    services.certificate_revoke(certificate=certificate, reason="Issued in error", revoked_by=AdminFactory())
    body = api_client.get(f"/api/v1/certificates/verify/{certificate.code}/").json()
    assert body["status"] == "revoked" and body["revoked_at"]
    page = client.get(f"/certificates/{certificate.code}/")
    assert page.status_code == 200
    assert b"This certificate was revoked" in page.content


def test_unknown_codes_are_404_without_hints(api_client, client, certificate):
    near = certificate.code[:-1] + ("0" if certificate.code[-1] != "0" else "1")
    for code in (near, "nope", "A" * 200):
        response = api_client.get(f"/api/v1/certificates/verify/{code}/")
        assert response.status_code == 404
        assert certificate.learner_name not in response.content.decode()
    page = client.get(f"/certificates/{near}/")
    assert page.status_code == 404
    assert b"No certificate has this code" in page.content


@override_settings(CERTIFICATE_VERIFY_REQUESTS_PER_MINUTE=3)
def test_verification_is_rate_limited(api_client, client, certificate):
    statuses = [api_client.get(f"/api/v1/certificates/verify/{certificate.code}/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    pages = [client.get(f"/certificates/{certificate.code}/").status_code for _ in range(4)]
    assert pages[-1] == 429


def test_public_page_shows_no_email(client, certificate):
    page = client.get(f"/certificates/{certificate.code}/")
    assert page.status_code == 200
    assert b"Ada Lovelace" in page.content
    assert certificate.user.email.encode() not in page.content


def test_dashboard_lists_certificates_with_download_links(client, certificate):
    client.force_login(certificate.user)
    page = client.get("/dashboard/")
    assert certificate.display_code.encode() in page.content
    assert f"/certificates/{certificate.pk}/download/".encode() in page.content
    download = client.get(f"/certificates/{certificate.pk}/download/")
    assert download.status_code == 200
    client.force_login(UserFactory())
    assert client.get(f"/certificates/{certificate.pk}/download/").status_code == 404


def test_admin_revokes_with_a_reason_and_issues_manually(client, certificate):
    admin = AdminFactory()
    client.force_login(admin)
    ask = client.post("/admin/certificates/certificate/", {"action": "revoke", "_selected_action": [certificate.pk]})
    assert ask.status_code == 200 and b"reason" in ask.content
    client.post(
        "/admin/certificates/certificate/",
        {"action": "revoke", "_selected_action": [certificate.pk], "reason": "Cheating"},
    )
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "Cheating"
    other = completed_enrollment(first_name="Grace", last_name="Hopper")
    learner = UserFactory()
    response = client.post("/admin/certificates/certificate/issue/", {"user": learner.pk, "course": other.course_id})
    assert response.status_code == 302
    assert learner.certificates.count() == 1


def test_verification_is_served_from_the_cache_until_the_certificate_changes(
    api_client, certificate, django_assert_num_queries, django_capture_on_commit_callbacks
):
    url = f"/api/v1/certificates/verify/{certificate.code.lower()}/"  # as typed: any case
    first = api_client.get(url)
    assert first.status_code == 200 and first.json()["status"] == "valid"
    with django_assert_num_queries(0):
        again = api_client.get(f"/api/v1/certificates/verify/{certificate.code}/")
    assert again.json() == first.json() and again["Content-Type"] == "application/json"

    with django_capture_on_commit_callbacks() as on_commit:
        services.certificate_revoke(certificate=certificate, reason="Issued in error", revoked_by=AdminFactory())
    assert api_client.get(url).json()["status"] == "valid"  # before the commit: still the cached answer
    for callback in on_commit:  # the commit
        callback()
    revoked = api_client.get(url).json()  # read afresh at once
    assert revoked["status"] == "revoked" and revoked["revoked_reason"] == "Issued in error"

    with django_capture_on_commit_callbacks(execute=True):
        services.certificates_withhold_name(user_id=certificate.user_id)
    withheld = api_client.get(url).json()
    assert withheld["learner_name"] == services.NAME_WITHHELD and withheld["status"] == "revoked"


def test_a_revoked_certificates_pdf_is_no_longer_handed_out_by_the_api_or_the_page(api_client, client, certificate):
    services.certificate_revoke(certificate=certificate, reason="Issued in error", revoked_by=AdminFactory())
    api_client.force_authenticate(certificate.user)
    response = api_client.get(f"/api/v1/certificates/{certificate.pk}/download/")
    assert response.status_code == 409
    assert response.json()["code"] == "revoked"
    client.force_login(certificate.user)
    page = client.get(f"/certificates/{certificate.pk}/download/")
    assert page.status_code == 409
    assert "This certificate was revoked" in page.content.decode()
    assert page.get("Content-Type", "").startswith("text/html")


def test_the_download_page_of_a_certificate_being_prepared_says_so(client, enrollment):
    certificate, _ = services.certificate_issue(enrollment_id=enrollment.pk)
    client.force_login(certificate.user)
    page = client.get(f"/certificates/{certificate.pk}/download/")
    assert page.status_code == 409
    assert "still being prepared" in page.content.decode()


def test_the_verify_form_leads_a_typed_code_to_its_verification(client, certificate):
    form = client.get("/certificates/")
    assert form.status_code == 200 and 'name="code"' in form.content.decode()
    typed = certificate.display_code.lower().replace("0", "o")  # as people type it
    response = client.get("/certificates/", {"code": f"  {typed} "})
    assert response.status_code == 302
    assert response["Location"] == f"/certificates/{certificate.code}/"
    unknown = client.get("/certificates/", {"code": "nope"}, follow=True)
    assert unknown.status_code == 404 and 'name="code"' in unknown.content.decode()  # the form again
