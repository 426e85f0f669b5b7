"""Delete my account: personal data erased, learning records and certificate
verification kept."""

import pytest

from accounts.models import User
from accounts.tests.factories import PASSWORD
from certificates import services as certificate_services
from certificates.services import NAME_WITHHELD
from certificates.tests.conftest import completed_enrollment

pytestmark = pytest.mark.django_db


def test_erasure_needs_the_password_and_removes_personal_data(api_client, django_capture_on_commit_callbacks):
    enrollment = completed_enrollment()
    certificate = certificate_services.certificate_process(enrollment_id=enrollment.pk)
    user = enrollment.user
    email = user.email
    pdf_name, storage = certificate.pdf.name, certificate.pdf.storage
    assert pdf_name and storage.exists(pdf_name)
    api_client.force_authenticate(user)
    assert api_client.delete("/api/v1/auth/me/", {"password": "wrong"}, format="json").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        assert api_client.delete("/api/v1/auth/me/", {"password": PASSWORD}, format="json").status_code == 204
    user.refresh_from_db()
    assert user.email.endswith("@invalid.invalid") and email not in user.email
    assert (user.first_name, user.last_name, user.is_active, user.has_usable_password()) == ("", "", False, False)
    assert User.objects.filter(pk=user.pk).exists()  # the record stays, anonymised
    enrollment.refresh_from_db()
    assert enrollment.status == "completed"
    verify = api_client.get(f"/api/v1/certificates/verify/{certificate.code}/").json()
    assert verify["status"] == "valid"
    assert verify["learner_name"] == NAME_WITHHELD
    assert "Lovelace" not in str(verify)
    assert not storage.exists(pdf_name)  # the PDF printed the name
    api_client.force_authenticate(None)
    assert api_client.post("/api/v1/auth/token/", {"email": email, "password": PASSWORD}).status_code == 401


def test_delete_page_erases_and_logs_out(client):
    from accounts.tests.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    assert client.post("/accounts/delete/", {"password": "wrong"}).status_code == 400
    response = client.post("/accounts/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active is False
    assert client.get("/dashboard/").status_code == 302


def test_an_erased_instructor_no_longer_shows_on_their_courses(api_client, django_capture_on_commit_callbacks):
    from courses.tests.factories import InstructorFactory, course_with_lessons

    teacher, colleague = InstructorFactory(first_name="Grace", last_name="Hopper"), InstructorFactory()
    course = course_with_lessons(slug="taught", instructors=[teacher, colleague])
    before = api_client.get("/api/v1/courses/taught/").json()  # fills the public cache
    assert teacher.pk in {i["id"] for i in before["instructors"]}
    api_client.force_authenticate(teacher)
    with django_capture_on_commit_callbacks(execute=True):
        assert api_client.delete("/api/v1/auth/me/", {"password": PASSWORD}, format="json").status_code == 204
    api_client.force_authenticate(None)
    after = api_client.get("/api/v1/courses/taught/").json()
    assert [i["id"] for i in after["instructors"]] == [colleague.pk]
    assert list(course.instructors.all()) == [colleague]
