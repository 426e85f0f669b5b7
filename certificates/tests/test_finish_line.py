"""The finish line: a completed course's page shows the certificate's state (refreshing
itself while it is prepared), the ways to share it, and courses to take next."""

from urllib.parse import parse_qs

import pytest
from django.utils import timezone

from certificates import services as certificate_services
from certificates.models import Certificate
from certificates.tests.conftest import completed_enrollment as _completed
from courses.models import Category, Course
from enrollments import services as enrollment_services

pytestmark = pytest.mark.django_db


def completed_enrollment(**kwargs):
    """A completed enrollment and its certificate, issued and rendered as the task does
    once the completion is committed."""
    enrollment = _completed(**kwargs)
    certificate_services.certificate_process(enrollment_id=enrollment.pk)
    return enrollment


def _finish_url(enrollment) -> str:
    return f"/courses/{enrollment.course.slug}/finished/"


def test_the_finish_line_offers_the_ready_certificate_to_download_share_and_verify(client, settings):
    settings.SITE_NAME = "Northwind Academy"
    enrollment = completed_enrollment(title="Analytical Engines")
    certificate = Certificate.objects.get(enrollment=enrollment)
    assert certificate.is_ready
    client.force_login(enrollment.user)
    page = client.get(_finish_url(enrollment)).content.decode()
    assert "You completed Analytical Engines" in page
    region = page.split('id="certificate-state"')[1].split("</section>")[0]
    assert "data-refresh" not in region  # nothing left to wait for
    assert f'href="/certificates/{certificate.pk}/download/"' in region
    assert f'value="{certificate.verification_url}"' in region
    linkedin = region.split('href="https://www.linkedin.com/profile/add?')[1].split('"')[0].replace("&amp;", "&")
    query = {k: v[0] for k, v in parse_qs(linkedin).items()}
    assert query == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Analytical Engines",
        "organizationName": "Northwind Academy",
        "issueYear": str(certificate.issued_at.year),
        "issueMonth": str(certificate.issued_at.month),
        "certUrl": certificate.verification_url,
        "certId": certificate.display_code,
    }


def test_while_the_certificate_is_prepared_its_region_asks_to_be_refreshed(client):
    enrollment = completed_enrollment()
    Certificate.objects.filter(enrollment=enrollment).update(pdf="", rendered_at=None)
    client.force_login(enrollment.user)
    page = client.get(_finish_url(enrollment)).content.decode()
    region = page.split('id="certificate-state"')[0].rsplit("<section", 1)[1] + page.split('id="certificate-state"')[1]
    assert 'data-refresh="4"' in region and "being prepared" in region
    assert "/download/" not in region.split("</section>")[0]


def test_a_revoked_certificate_is_shown_revoked_with_nothing_to_share(client):
    enrollment = completed_enrollment()
    Certificate.objects.filter(enrollment=enrollment).update(revoked_at=timezone.now(), revoked_reason="Plagiarism.")
    client.force_login(enrollment.user)
    region = (
        client.get(_finish_url(enrollment)).content.decode().split('id="certificate-state"')[1].split("</section>")[0]
    )
    assert "revoked" in region and "Plagiarism." in region
    assert "linkedin" not in region and "/download/" not in region and "data-refresh" not in region


def test_the_finish_line_of_a_course_not_completed_leads_back_to_the_course(client):
    from accounts.tests.factories import UserFactory

    enrollment = completed_enrollment()
    other = UserFactory()
    enrollment_services.enrollment_create(user=other, course=enrollment.course)
    client.force_login(other)
    response = client.get(_finish_url(enrollment))
    assert response.status_code == 302 and response["Location"] == f"/courses/{enrollment.course.slug}/"


def test_the_finish_line_suggests_published_courses_of_the_category_not_taken(client):
    enrollment = completed_enrollment()
    category = Category.objects.create(name="Computing", slug="computing")
    Course.objects.filter(pk=enrollment.course_id).update(category=category)
    now = timezone.now()

    def course(slug, **kwargs):
        values = {"title": slug.title(), "slug": slug, "status": Course.Status.PUBLISHED, "published_at": now}
        return Course.objects.create(**{**values, **kwargs})

    course("compilers", category=category)
    taken = course("databases", category=category)
    course("draft-course", category=category, status=Course.Status.DRAFT, published_at=None)
    course("pottery")  # another category
    enrollment_services.enrollment_create(user=enrollment.user, course=taken)
    client.force_login(enrollment.user)
    page = client.get(_finish_url(enrollment)).content.decode()
    related = page.split('id="related-heading"')[1].split("</section>")[0]
    assert "/courses/compilers/" in related
    for absent in (
        "/courses/databases/",
        "/courses/draft-course/",
        "/courses/pottery/",
        f'/courses/{enrollment.course.slug}/"',
    ):
        assert absent not in related


def test_completing_the_last_lesson_from_the_page_lands_on_the_finish_line(client):
    from accounts.tests.factories import UserFactory
    from courses.models import Lesson, Module

    course = Course.objects.create(title="Short", slug="short", status="published", published_at=timezone.now())
    module = Module.objects.create(course=course, title="M", position=1)
    lesson = Lesson.objects.create(module=module, course=course, title="Only", position=1)
    learner = UserFactory()
    enrollment_services.enrollment_create(user=learner, course=course)
    client.force_login(learner)
    response = client.post(f"/courses/short/lessons/{lesson.pk}/complete/", follow=True)
    assert response.redirect_chain[-1][0] == "/courses/short/finished/"
    assert "Congratulations, you completed the course!" in response.content.decode()
    dashboard = client.get("/dashboard/").content.decode()
    assert 'href="/courses/short/finished/"' in dashboard  # the completed card leads back to it
