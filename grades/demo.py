"""A manual grade item in Python Foundations, with the demo learner's cell set by hand, so
the gradebook and the learner's "Your grades" page have something of each kind
(idempotent)."""

from decimal import Decimal

from django.contrib.auth import get_user_model

from assignments.models import Assignment
from courses.models import Course
from grades import services
from grades.models import Category, ManualItem
from quizzes.models import Quiz


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
    # Weighted categories: the quizzes (the lower of the two dropped) half the grade, the
    # assignment 40 %, participation (in none) the 10 % left.
    quizzes = Category.objects.create(course=course, title="Quizzes", weight=Decimal(50), drop_lowest=1)
    work = Category.objects.create(course=course, title="Assignments", weight=Decimal(40))
    for quiz in Quiz.objects.filter(course=course):
        services.item_setting_set(
            course=course, item_key=f"quiz:{quiz.pk}", category=quizzes, extra_credit=False, locked=False, by=teacher
        )
    for task in Assignment.objects.filter(course=course):
        services.item_setting_set(
            course=course, item_key=f"assignment:{task.pk}", category=work, extra_credit=False, locked=False, by=teacher
        )
    # Certificates of the course from now on carry the final grade.
    services.gradebook_update(course=course, data={"show_on_certificate": True})
    stdout.write(
        "  grades     weighted categories, a manual item (participation), the demo learner's grade set by hand"
    )
