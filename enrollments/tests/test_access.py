"""Who may read a lesson's content (enrollments.access)."""

import pytest
from django.utils import timezone

from courses import selectors as course_selectors
from courses.tests.factories import Cast, CourseFactory, LessonFactory, ModuleFactory
from enrollments import access
from enrollments.models import Enrollment
from enrollments.tests.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    return Cast()


@pytest.mark.parametrize(
    ("role", "preview", "readable"),
    [
        ("anonymous", True, True),
        ("anonymous", False, False),
        ("learner", False, False),
        ("other_instructor", False, False),
        ("owner", False, True),
        ("staff", False, True),
    ],
)
def test_who_may_read_a_lesson_by_role(cast, role, preview, readable):
    lesson = LessonFactory(module=ModuleFactory(course=CourseFactory(instructors=[cast.owner])), is_preview=preview)
    found = course_selectors.lesson_get_for(cast[role], lesson.pk)
    assert access.can_read_lesson(cast[role], found) is readable


@pytest.mark.parametrize(
    ("status", "readable"),
    [(Enrollment.Status.ACTIVE, True), (Enrollment.Status.COMPLETED, True), (Enrollment.Status.DROPPED, False)],
)
def test_an_active_or_completed_enrollment_reads_every_lesson_and_a_dropped_one_does_not(status, readable):
    lesson = LessonFactory(is_preview=False)
    enrollment = EnrollmentFactory(
        course=lesson.course, status=status, completed_at=timezone.now() if status == "completed" else None
    )
    assert access.can_read_lesson(enrollment.user, lesson) is readable
    assert access.can_read_all_lessons(enrollment.user, lesson.course) is readable


def test_the_caller_who_read_the_enrollment_saves_the_query(django_assert_num_queries, cast):
    lesson = course_selectors.lesson_get_for(cast.learner, LessonFactory(is_preview=False).pk)  # with its course
    with django_assert_num_queries(0):
        assert access.can_read_lesson(cast.learner, lesson, enrolled=True) is True
