"""Query budgets of the catalog's benchmark scenarios (docs/performance.md).

Each view runs the same number of queries with a small catalog and with a larger one
(more courses, more lessons, more instructors per course), so an N+1 fails here. The
budgets are exact counts under the test transaction; timing belongs to the benchmark
(benchmarks/run.py), never to a test.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from courses.models import Attachment, Category, Course, Lesson, Module
from lms.tests.helpers import within_budgets

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Size:
    courses: int
    lessons: int  # per course
    instructors: int  # per course


SMALL = Size(courses=2, lessons=3, instructors=1)
LARGE = Size(courses=25, lessons=60, instructors=3)
SIZES = pytest.mark.parametrize("size", [SMALL, LARGE], ids=["small", "large"])


def build_catalog(size: Size) -> list[Course]:
    """Published courses in child categories (the serializers name the parent), each with
    instructors, a prerequisite, modules of ten lessons and a lesson with attachments."""
    parent = Category.objects.create(name="Science", slug="science")
    children = [Category.objects.create(name=f"Topic {i}", slug=f"topic-{i}", parent=parent) for i in range(3)]
    teachers = [
        User.objects.create_user(email=f"teacher{i}@example.com", password=None, role=User.Role.INSTRUCTOR)
        for i in range(size.instructors)
    ]
    now = timezone.now()
    courses = []
    for c in range(size.courses):
        course = Course.objects.create(
            title=f"Course {c}",
            slug=f"course-{c}",
            status=Course.Status.PUBLISHED,
            published_at=now - timedelta(minutes=c),
            category=children[c % len(children)],
            description="**Learn** things.",
        )
        course.instructors.add(*teachers)
        if courses:
            course.prerequisites.add(courses[-1])
        modules = Module.objects.bulk_create(
            [Module(course=course, title=f"Module {m}", position=m) for m in range(-(-size.lessons // 10))]
        )
        lessons = Lesson.objects.bulk_create(
            [
                Lesson(
                    module=modules[i // 10],
                    course=course,
                    title=f"Lesson {i}",
                    body="Text",
                    body_html="<p>Text</p>",
                    position=i,
                    is_preview=i == 0,
                )
                for i in range(size.lessons)
            ]
        )
        Attachment.objects.bulk_create(
            [Attachment(lesson=lessons[0], title=f"File {n}", file=f"attachments/f{c}-{n}.pdf") for n in range(2)]
        )
        courses.append(course)
    return courses


@pytest.fixture
def learner():
    return User.objects.create_user(email="learner@example.com", password=None)


@SIZES
def test_catalog_api_list_runs_a_fixed_number_of_queries(size, api_client, learner, django_assert_max_num_queries):
    build_catalog(size)
    api_client.force_authenticate(learner)
    # A cache miss (each test starts with empty caches): count, page, instructors.
    with django_assert_max_num_queries(3):
        response = api_client.get("/api/v1/courses/?v=miss")
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(size.courses, 20)
    assert all(c["category"]["parent"] == "science" for c in response.json()["results"])


@SIZES
def test_catalog_api_list_served_from_cache_runs_no_catalog_query(size, api_client, django_assert_max_num_queries):
    build_catalog(size)
    api_client.get("/api/v1/courses/")
    with django_assert_max_num_queries(0):
        response = api_client.get("/api/v1/courses/")
    assert response.status_code == 200


@SIZES
def test_catalog_page_runs_a_fixed_number_of_queries(size, client, learner, django_assert_max_num_queries):
    build_catalog(size)
    client.force_login(learner)
    # user, count, page of courses, their instructors, the category filter's list; then,
    # shared among public viewers, only the user.
    for response in within_budgets(django_assert_max_num_queries, lambda: client.get("/courses/"), cold=5, warm=1):
        assert response.status_code == 200
        assert response.content.count(b'class="card course-card"') == min(size.courses, 12)


@SIZES
def test_course_detail_api_outline_runs_a_fixed_number_of_queries(
    size, api_client, learner, django_assert_max_num_queries
):
    course = build_catalog(size)[-1]
    api_client.force_authenticate(learner)
    # Course (with category and parent), instructors, prerequisites; cold, the outline too
    # (modules, lessons, quizzes), which the process then keeps (courses.cache).
    responses = within_budgets(
        django_assert_max_num_queries, lambda: api_client.get(f"/api/v1/courses/{course.slug}/"), cold=7, warm=3
    )
    for response in responses:
        assert response.status_code == 200
        assert sum(len(m["lessons"]) for m in response.json()["modules"]) == size.lessons
        assert sum(len(m["items"]) for m in response.json()["modules"]) == size.lessons


@SIZES
def test_course_page_outline_runs_a_fixed_number_of_queries(size, client, learner, django_assert_max_num_queries):
    course = build_catalog(size)[-1]
    client.force_login(learner)
    # user, course, instructors, prerequisites, modules, lessons, whether the learner may
    # read every lesson (enrolled?), the learner's enrollment for the panel (none: no
    # progress to compute), the course's quizzes; warm, the course, its outline and
    # quizzes are kept in the process: user, enrolled?, the panel's enrollment.
    responses = within_budgets(
        django_assert_max_num_queries, lambda: client.get(f"/courses/{course.slug}/"), cold=9, warm=3
    )
    for response in responses:
        assert response.status_code == 200


@SIZES
def test_course_page_for_anonymous_visitors_runs_a_fixed_number_of_queries(size, client, django_assert_max_num_queries):
    course = build_catalog(size)[-1]
    responses = within_budgets(
        django_assert_max_num_queries, lambda: client.get(f"/courses/{course.slug}/"), cold=7, warm=0
    )
    for response in responses:
        assert response.status_code == 200


@SIZES
def test_lesson_api_runs_a_fixed_number_of_queries(size, api_client, learner, django_assert_max_num_queries):
    course = build_catalog(size)[-1]
    preview = course.lessons.get(is_preview=True)
    api_client.force_authenticate(learner)
    # lesson with module and course, its attachments, the visibility check.
    with django_assert_max_num_queries(3):
        response = api_client.get(f"/api/v1/lessons/{preview.pk}/")
    assert response.status_code == 200
    assert len(response.json()["attachments"]) == 2
