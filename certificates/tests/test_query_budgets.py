"""Query budget of the certificate verification scenario of the benchmark
(docs/performance.md): one lookup by code, with one certificate or many. Timing belongs
to benchmarks/run.py."""

import pytest
from django.utils import timezone

from accounts.models import User
from certificates.models import Certificate
from courses.models import Course
from enrollments.models import Enrollment

pytestmark = pytest.mark.django_db


def issue(count: int) -> list[Certificate]:
    now = timezone.now()
    course = Course.objects.create(title="Course", slug="course", status=Course.Status.PUBLISHED, published_at=now)
    certificates = []
    for n in range(count):
        user = User.objects.create_user(email=f"learner{n}@example.com", password=None)
        enrollment = Enrollment.objects.create(
            user=user, course=course, status=Enrollment.Status.COMPLETED, enrolled_at=now, completed_at=now
        )
        certificates.append(
            Certificate.objects.create(
                user=user, course=course, enrollment=enrollment, issued_at=now, learner_name=f"Learner {n}",
                course_title=course.title,
            )
        )  # fmt: skip
    return certificates


@pytest.mark.parametrize("count", [1, 30], ids=["one", "many"])
def test_verification_api_is_one_query(count, api_client, django_assert_max_num_queries):
    certificate = issue(count)[-1]
    with django_assert_max_num_queries(1):
        response = api_client.get(f"/api/v1/certificates/verify/{certificate.code}/")
    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 30], ids=["one", "many"])
def test_verification_page_is_one_query(count, client, django_assert_max_num_queries):
    certificate = issue(count)[-1]
    with django_assert_max_num_queries(1):
        response = client.get(f"/certificates/{certificate.code}/")
    assert response.status_code == 200
