from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.tests.factories import UserFactory
from assignments.models import Assignment
from enrollments import services as enrollment_services
from quizzes.tests.factories import published_course


def assignment(*, course=None, **fields) -> Assignment:
    course = course or published_course()
    defaults = {"title": "Essay", "points": 20, "accept_text": True, "accept_files": True, "max_files": 2}
    return Assignment.objects.create(module=course.modules.first(), **{**defaults, **fields})


def due_in(days: float):
    return timezone.now() + timedelta(days=days)


def learner_of(course):
    user = UserFactory()
    enrollment_services.enrollment_create(user=user, course=course)
    return user


def pdf(name="work.pdf", body=b"%PDF-1.4\n% my work\n"):
    return SimpleUploadedFile(name, body, content_type="application/pdf")
