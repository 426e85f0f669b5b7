"""The certificates admin offers each person the actions they may take, and no other."""

import pytest
from django.urls import reverse

from accounts.tests.factories import AdminFactory
from certificates import services
from certificates.tests.conftest import completed_enrollment
from lms.exceptions import PermissionDeniedError

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:certificates_certificate_changelist")


def _offered(response) -> set[str]:
    return {value for value, _label in response.context["action_form"].fields["action"].choices if value}


def test_an_instructor_is_not_offered_revoke_and_cannot_post_it(client):
    enrollment = completed_enrollment()
    certificate, _ = services.certificate_issue(enrollment_id=enrollment.pk)
    instructor = enrollment.course.instructors.get()
    client.force_login(instructor)
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    assert "revoke" not in _offered(page)
    assert "rerender" in _offered(page)
    assert "Issue manually" not in page.content.decode()
    client.post(CHANGELIST, {"action": "revoke", "_selected_action": [certificate.pk], "reason": "Mine to undo"})
    certificate.refresh_from_db()
    assert not certificate.is_revoked


def test_staff_are_offered_revoke_and_it_revokes(client):
    enrollment = completed_enrollment()
    certificate, _ = services.certificate_issue(enrollment_id=enrollment.pk)
    client.force_login(AdminFactory())
    assert "revoke" in _offered(client.get(CHANGELIST))
    response = client.post(
        CHANGELIST, {"action": "revoke", "_selected_action": [certificate.pk], "reason": "Issued in error"}
    )
    assert response.status_code in (200, 302)
    certificate.refresh_from_db()
    assert certificate.is_revoked and certificate.revoked_reason == "Issued in error"


def test_the_service_refuses_a_revocation_by_anyone_but_staff():
    enrollment = completed_enrollment()
    certificate, _ = services.certificate_issue(enrollment_id=enrollment.pk)
    with pytest.raises(PermissionDeniedError):
        services.certificate_revoke(
            certificate=certificate, reason="No", revoked_by=enrollment.course.instructors.get()
        )
    certificate.refresh_from_db()
    assert not certificate.is_revoked
