"""Redis holds no source of truth: flushing it loses no one's data or session, and a
revoked refresh token stays revoked (the database holds the revocation)."""

import pytest
from django.conf import settings
from django.core.cache import caches

from accounts.tests.factories import PASSWORD, UserFactory
from courses.tests.factories import course_with_lessons
from enrollments import services as enrollment_services
from enrollments.models import Enrollment, LessonProgress


def _flush_redis() -> int:
    """Delete every key this site keeps in Redis (this test process's prefix: the same
    Redis serves other test processes at once, so FLUSHDB is not ours to run)."""
    deleted = 0
    for alias in settings.CACHES:
        cache = caches[alias]
        if not hasattr(cache, "delete_pattern"):
            pytest.skip(f"needs Redis caches (REDIS_URL=redis://...): the {alias!r} cache is not on Redis")
        deleted += cache.delete_pattern("*") or 0
    return deleted


@pytest.mark.redis
@pytest.mark.django_db
def test_flushing_redis_loses_no_source_of_truth_data(client, api_client):
    learner = UserFactory()
    course = course_with_lessons(slug="kept", lessons_per_module=2)
    first = course.lessons.order_by("position").first()
    enrollment_services.enrollment_create(user=learner, course=course)
    enrollment_services.lesson_complete(user=learner, lesson=first)
    client.force_login(learner)
    assert client.get("/dashboard/").status_code == 200  # the session is now cached too
    assert client.get("/api/v1/courses/").status_code == 200  # and the catalog
    tokens = api_client.post("/api/v1/auth/token/", {"email": learner.email, "password": PASSWORD}).json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert api_client.post("/api/v1/auth/logout/", {"refresh": tokens["refresh"]}).status_code == 204
    api_client.credentials()

    assert _flush_redis() > 0

    page = client.get("/dashboard/")
    assert page.status_code == 200 and b"kept" in page.content  # still signed in (the session is in the database)
    assert Enrollment.objects.get(user=learner, course=course).status == "active"
    assert LessonProgress.objects.filter(enrollment__user=learner, completed_at__isnull=False).count() == 1
    catalog = client.get("/api/v1/courses/").json()
    assert [c["slug"] for c in catalog["results"]] == ["kept"]  # rebuilt from the database
    refused = api_client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert refused.status_code == 401  # the revocation is in the database, not only in Redis
