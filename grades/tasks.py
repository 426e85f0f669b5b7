"""Background work of the gradebook: the course-grade completion rule checked for a learner
whose grade changed, and for a whole course when the rule is set."""

from celery import shared_task
from django.contrib.auth import get_user_model

from courses.models import Course
from grades import services

_RETRY = {"acks_late": True, "autoretry_for": (ConnectionError,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="grades.course_grade_check", **_RETRY)
def course_grade_check(user_id: int, course_id: int) -> bool | None:
    """Idempotent: the rule is read and the requirement written from the grades as they are."""
    user = get_user_model().objects.filter(pk=user_id).first()
    course = Course.objects.filter(pk=course_id).first()
    if user is None or course is None:
        return None
    return services.course_grade_check(user=user, course=course)


@shared_task(name="grades.course_grades_check", soft_time_limit=1800, time_limit=1900, **_RETRY)
def course_grades_check(course_id: int) -> int:
    course = Course.objects.filter(pk=course_id).first()
    return services.course_grades_check(course=course) if course is not None else 0
