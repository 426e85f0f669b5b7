"""Learning records, made directly (the rules that create them are tested through
enrollments.services)."""

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from courses import services as course_services
from courses.tests.factories import CourseFactory, LessonFactory
from enrollments.models import Enrollment, LessonProgress


class EnrollmentFactory(factory.django.DjangoModelFactory):
    """A seated (or dropped) learner; the course's popularity counter follows, as the
    services keep it."""

    class Meta:
        model = Enrollment
        skip_postgeneration_save = True

    class Params:
        completed = factory.Trait(status=Enrollment.Status.COMPLETED, completed_at=factory.LazyFunction(timezone.now))
        dropped = factory.Trait(status=Enrollment.Status.DROPPED, dropped_at=factory.LazyFunction(timezone.now))

    user = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CourseFactory)
    status = Enrollment.Status.ACTIVE
    enrolled_at = factory.LazyFunction(timezone.now)
    last_activity_at = factory.LazyAttribute(lambda o: o.enrolled_at)

    @factory.post_generation
    def _seat(obj, create, extracted, **kwargs):
        if create and obj.status != Enrollment.Status.DROPPED:
            course_services.course_enrollment_count_adjust(course_id=obj.course_id, delta=1)


class LessonProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LessonProgress

    enrollment = factory.SubFactory(EnrollmentFactory)
    lesson = factory.SubFactory(LessonFactory, module__course=factory.SelfAttribute("...enrollment.course"))
    first_viewed_at = factory.LazyFunction(timezone.now)
    completed_at = factory.LazyFunction(timezone.now)
