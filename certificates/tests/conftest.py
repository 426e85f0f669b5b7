import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from courses.models import Course, Lesson, Module
from enrollments import services as enrollment_services


def completed_enrollment(*, first_name="Ada", last_name="Lovelace", title="Analytical Engines"):
    """A learner who completed a one-lesson course through the real services."""
    from accounts.tests.factories import InstructorFactory

    instructor = InstructorFactory(first_name="Charles", last_name="Babbage")
    course = Course.objects.create(
        title=title, slug=f"c-{Course.objects.count() + 1}", status=Course.Status.PUBLISHED, published_at=timezone.now()
    )
    course.instructors.add(instructor)
    module = Module.objects.create(course=course, title="M", position=1)
    lesson = Lesson.objects.create(module=module, course=course, title="L", position=1)
    learner = UserFactory(first_name=first_name, last_name=last_name)
    enrollment_services.enrollment_create(user=learner, course=course)
    return enrollment_services.lesson_complete(user=learner, lesson=lesson).enrollment


@pytest.fixture
def enrollment(db):
    return completed_enrollment()
