"""The demo learner, part-way through a course (idempotent)."""

from accounts.models import User
from courses.models import Course
from enrollments import services


def seed(*, stdout) -> None:
    learner = User.objects.filter(email="learner@example.com").first()
    course = Course.objects.filter(slug="python-foundations").first()
    if learner is None or course is None:
        return
    services.enrollment_create(user=learner, course=course)
    first = course.lessons.order_by("module__position", "position", "id").first()
    if first is not None:
        services.lesson_complete(user=learner, lesson=first)
    stdout.write("  learning   learner@example.com is part-way through Python Foundations")
    # A course finished, to show the finish line (/courses/sql-for-analysts/finished/): its
    # certificate, and a course of the same category to take next.
    finished = Course.objects.filter(slug="sql-for-analysts").first()
    if finished is not None:
        services.enrollment_create(user=learner, course=finished)
        for lesson in finished.lessons.all():
            services.lesson_complete(user=learner, lesson=lesson)
        stdout.write("  learning   learner@example.com completed SQL for Analysts")
