"""The certificate pipeline through a real Celery worker on Redis."""

import pytest

from certificates.models import Certificate
from certificates.receivers import on_course_completed
from certificates.tests.conftest import completed_enrollment
from enrollments.signals import course_completed


@pytest.mark.celery_worker
def test_worker_issues_and_renders_once_even_when_the_task_is_sent_twice(celery_worker):
    # Complete the course without this process's own listener, so the worker does it all.
    course_completed.disconnect(dispatch_uid="certificates.on_course_completed")
    try:
        enrollment = completed_enrollment()
    finally:
        course_completed.connect(on_course_completed, dispatch_uid="certificates.on_course_completed")
    assert not Certificate.objects.exists()
    celery_worker.send_task("certificates.process", args=[enrollment.pk])
    celery_worker.send_task("certificates.process", args=[enrollment.pk])

    def emailed():
        return Certificate.objects.filter(enrollment=enrollment, email_sent_at__isnull=False).exists()

    celery_worker.wait_for(emailed, timeout=60)
    celery_worker.wait_for(lambda: celery_worker.finished("certificates.process") >= 2, timeout=60)
    certificate = Certificate.objects.get()
    assert certificate.is_ready
    assert celery_worker.log().count("Subject: Your certificate for") == 1
