"""Query budgets of the learning scenarios of the benchmark (docs/performance.md).

Each view runs the same number of queries for a learner with 2 small courses and for one
with 10 courses of 60 lessons and real progress, so an N+1 fails here. The budgets are
exact counts under the test transaction; timing belongs to benchmarks/run.py.

Each view is called twice: first in a process that holds none of the catalog's values
(outlines, courses.cache), then again once it holds them, as a worker does after its
first request, with a smaller budget.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from courses.models import Course, Lesson, Module
from enrollments.models import Enrollment, LessonProgress
from lms.tests.helpers import within_budgets

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Size:
    courses: int  # the learner's enrollments
    lessons: int  # per course
    done: int  # lessons completed in each


SMALL = Size(courses=2, lessons=4, done=1)
LARGE = Size(courses=10, lessons=60, done=25)
SIZES = pytest.mark.parametrize("size", [SMALL, LARGE], ids=["small", "large"])


@dataclass
class Learning:
    learner: User
    courses: list[Course]

    @property
    def course(self) -> Course:
        return self.courses[0]

    def lesson(self, index: int) -> Lesson:
        return self.course.lessons.order_by("module__position", "position", "id")[index]


def build_learning(size: Size) -> Learning:
    """A learner enrolled in `size.courses` published courses (the last one completed),
    with progress through the first `size.done` lessons of each."""
    learner = User.objects.create_user(email="learner@example.com", password=None)
    teacher = User.objects.create_user(email="teacher@example.com", password=None, role=User.Role.INSTRUCTOR)
    now = timezone.now()
    courses = []
    for c in range(size.courses):
        course = Course.objects.create(
            title=f"Course {c}",
            slug=f"course-{c}",
            status=Course.Status.PUBLISHED,
            published_at=now,
            enrollment_count=1,
        )
        course.instructors.add(teacher)
        modules = Module.objects.bulk_create(
            [Module(course=course, title=f"Module {m}", position=m) for m in range(-(-size.lessons // 10))]
        )
        lessons = Lesson.objects.bulk_create(
            [
                Lesson(module=modules[i // 10], course=course, title=f"Lesson {i}", body_html="<p>x</p>", position=i)
                for i in range(size.lessons)
            ]
        )
        completed = c == size.courses - 1
        enrollment = Enrollment.objects.create(
            user=learner,
            course=course,
            status=Enrollment.Status.COMPLETED if completed else Enrollment.Status.ACTIVE,
            enrolled_at=now - timedelta(days=c + 1),
            completed_at=now if completed else None,
            last_lesson=lessons[size.done - 1],
            last_activity_at=now - timedelta(hours=c),
        )
        LessonProgress.objects.bulk_create(
            [
                LessonProgress(enrollment=enrollment, lesson=lesson, first_viewed_at=now, completed_at=now)
                for lesson in lessons[: size.lessons if completed else size.done]
            ]
        )
        courses.append(course)
    return Learning(learner=learner, courses=courses)


@SIZES
def test_dashboard_runs_a_fixed_number_of_queries(size, client, django_assert_max_num_queries):
    data = build_learning(size)
    client.force_login(data.learner)
    # user, enrollments, their completed lessons and met requirements (one query),
    # certificates; cold, the courses' outlines too (modules, lessons: two queries for
    # all the courses) and their quizzes.
    for response in within_budgets(django_assert_max_num_queries, lambda: client.get("/dashboard/"), cold=8, warm=4):
        assert response.status_code == 200
        assert response.content.count(b'class="progress-bar"') == size.courses - 1


@SIZES
def test_lesson_page_runs_a_fixed_number_of_queries(size, client, django_assert_max_num_queries):
    data = build_learning(size)
    lesson = data.lesson(size.done)
    client.force_login(data.learner)
    # Warm, whatever the outline's length: user, enrollment (read once: it decides access
    # and is the one the visit writes), lesson with its attachments (two), the visit's
    # progress row, completed lessons and met requirements (one query).
    responses = within_budgets(
        django_assert_max_num_queries,
        lambda: client.get(f"/courses/{data.course.slug}/lessons/{lesson.pk}/"),
        cold=14,
        warm=6,
    )
    for response in responses:
        assert response.status_code == 200


@SIZES
def test_course_page_with_progress_runs_a_fixed_number_of_queries(size, client, django_assert_max_num_queries):
    data = build_learning(size)
    client.force_login(data.learner)
    # Warm: user, course with instructors and prerequisites (three), whether the learner
    # may open every lesson, the enrol panel's enrollment, its progress (one query).
    responses = within_budgets(
        django_assert_max_num_queries, lambda: client.get(f"/courses/{data.course.slug}/"), cold=10, warm=4
    )
    for response in responses:
        assert response.status_code == 200


@SIZES
def test_lesson_complete_api_runs_a_fixed_number_of_queries(size, api_client, django_assert_max_num_queries):
    data = build_learning(size)
    lessons = iter([data.lesson(size.done), data.lesson(size.done + 1)])  # two lessons not done yet
    api_client.force_authenticate(data.learner)
    # Warm: lesson, the locked enrollment, the progress row (inserted if missing, then
    # its completion), the resume point, the progress (one query), and the transaction's
    # savepoint and release under the test's own transaction: never one query per
    # lesson or module.
    responses = within_budgets(
        django_assert_max_num_queries,
        lambda: api_client.post(f"/api/v1/lessons/{next(lessons).pk}/complete/"),
        cold=12,
        warm=8,
    )
    for extra, response in enumerate(responses, start=1):
        assert response.status_code == 200
        assert response.json()["required_done"] == size.done + extra


@SIZES
def test_enrollment_list_api_runs_a_fixed_number_of_queries(size, api_client, django_assert_max_num_queries):
    data = build_learning(size)
    api_client.force_authenticate(data.learner)
    # count, page (with courses, users and progress counts), required quizzes.
    with django_assert_max_num_queries(3):
        response = api_client.get("/api/v1/enrollments/")
    assert response.status_code == 200
    assert response.json()["count"] == size.courses


@SIZES
def test_progress_api_runs_a_fixed_number_of_queries(size, api_client, django_assert_max_num_queries):
    data = build_learning(size)
    enrollment = Enrollment.objects.get(user=data.learner, course=data.course)
    api_client.force_authenticate(data.learner)
    responses = within_budgets(
        django_assert_max_num_queries,
        lambda: api_client.get(f"/api/v1/enrollments/{enrollment.pk}/progress/"),
        cold=6,
        warm=2,
    )
    for response in responses:
        assert response.status_code == 200
        assert response.json()["required_done"] == size.done
