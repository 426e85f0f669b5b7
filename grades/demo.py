"""A manual grade item in Python Foundations, with the demo learner's cell set by hand, so
the gradebook and the learner's "Your grades" page have something of each kind
(idempotent)."""

from decimal import Decimal

from django.contrib.auth import get_user_model

from courses.models import Course
from grades import services
from grades.models import ManualItem


def seed(*, stdout) -> None:
    course = Course.objects.filter(slug="python-foundations").first()
    if course is None or ManualItem.objects.filter(course=course).exists():
        return
    item = ManualItem.objects.create(course=course, title="Participation", points=Decimal(10))
    learner = get_user_model().objects.filter(email="learner@example.com").first()
    teacher = course.instructors.order_by("pk").first()
    if learner is not None and course.enrollments.filter(user=learner).exists():
        services.override_set(
            course=course,
            user=learner,
            item_key=f"manual:{item.pk}",
            percent=Decimal(90),
            reason="Took part in the weekly questions.",
            by=teacher,
        )
    stdout.write("  grades     a manual item (participation) with the demo learner's grade set by hand")
