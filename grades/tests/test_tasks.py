"""The course-grade checks through a real Celery worker on Redis: a learner's check and a
whole course's, each sent twice, meeting the requirement once."""

from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from enrollments import services as enrollment_services
from enrollments.models import Enrollment, RequirementCompletion
from grades.models import Gradebook, ManualItem, Override, course_grade_key
from quizzes.tests.factories import published_course


@pytest.mark.celery_worker
def test_the_worker_checks_the_course_grade_rule_once_whatever_the_deliveries(celery_worker):
    course = published_course()
    passing, failing = UserFactory(), UserFactory()
    item = ManualItem.objects.create(course=course, title="Exam", points=Decimal(100))
    for user, percent in ((passing, 80), (failing, 30)):
        enrollment_services.enrollment_create(user=user, course=course)
        Override.objects.create(course=course, user=user, item_key=f"manual:{item.pk}", percent=percent, reason="r")
    # The rule, written directly: the worker does every check.
    Gradebook.objects.create(course=course, pass_percent=Decimal(50))
    enrollment_services.requirement_set(course_id=course.pk, key=course_grade_key(course.pk), required=True)

    celery_worker.send_task("grades.course_grades_check", args=[course.pk])
    celery_worker.send_task("grades.course_grades_check", args=[course.pk])
    celery_worker.send_task("grades.course_grade_check", args=[passing.pk, course.pk])
    celery_worker.wait_for(lambda: celery_worker.finished("grades.course_grades_check") >= 2, timeout=60)
    celery_worker.wait_for(lambda: celery_worker.finished("grades.course_grade_check") >= 1, timeout=60)
    met = RequirementCompletion.objects.filter(key__startswith="grade:course:")
    assert list(met.values_list("enrollment__user_id", flat=True)) == [passing.pk]
    # The lesson is not done: the course stays active, whatever the grade.
    assert Enrollment.objects.get(user=passing, course=course).status == "active"
