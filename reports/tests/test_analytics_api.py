"""The analytics API: the same numbers as the instructor home, scoped like every read."""

from __future__ import annotations

import pytest
from django.core import mail
from rest_framework.test import APIClient

from accounts.tests.factories import AdminFactory
from courses.tests.factories import CourseFactory, InstructorFactory, LessonFactory, ModuleFactory
from enrollments.tests.factories import EnrollmentFactory, LessonProgressFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    teacher = InstructorFactory()
    course = CourseFactory(instructors=[teacher], slug="numbers")
    lessons = [LessonFactory(module=ModuleFactory(course=course), position=n) for n in (1, 2)]
    learner = EnrollmentFactory(course=course)
    LessonProgressFactory(enrollment=learner, lesson=lessons[0])
    return teacher, course, learner


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_overview_lists_the_teachers_courses_with_their_numbers(setup):
    teacher, _, _ = setup
    body = _client(teacher).get("/api/v1/analytics/overview/").json()
    assert [c["slug"] for c in body["courses"]] == ["numbers"]
    assert body["courses"][0]["average_progress"] == 50
    assert body["totals"]["enrolled"] == 1
    assert len(body["enrolments_by_day"]) == 30 and body["enrolments_by_day"][-1]["count"] == 1
    assert set(body["activity_by_day"]) == {"lessons_completed", "attempts_submitted"}


def test_a_course_answers_its_funnel_to_its_teacher_and_404_to_another(setup, django_assert_max_num_queries):
    teacher, _, _ = setup
    with django_assert_max_num_queries(18):  # 14 (waiting work: 1), and the outline read cold (4: its assignments)
        response = _client(teacher).get("/api/v1/analytics/courses/numbers/")
    body = response.json()
    assert [s["completed"] for s in body["completion_funnel"]] == [1, 0]
    assert body["numbers"]["enrolled"] == 1
    assert _client(InstructorFactory()).get("/api/v1/analytics/courses/numbers/").status_code == 404
    assert _client(AdminFactory()).get("/api/v1/analytics/courses/numbers/").status_code == 200


def test_the_site_numbers_are_for_staff(setup):
    teacher, _, _ = setup
    assert _client(teacher).get("/api/v1/analytics/site/").status_code == 403
    body = _client(AdminFactory()).get("/api/v1/analytics/site/").json()
    assert body["operations"]["dead_webhook_deliveries"] == 0 and body["totals"]["enrolled"] == 1


def test_a_learner_reads_their_own_summary_and_no_one_elses_numbers(setup):
    _, _, enrollment = setup
    client = _client(enrollment.user)
    body = client.get("/api/v1/analytics/me/").json()
    assert body == {
        "courses": 1, "completed": 0, "lessons_completed": 1, "lessons_completed_last_30_days": 1,
        "quiz_attempts": 0, "average_score": None, "certificates": 0,
    }  # fmt: skip
    assert client.get("/api/v1/analytics/overview/").status_code == 403
    assert (
        client.post("/api/v1/analytics/remind/", {"enrollment_ids": [enrollment.pk]}, format="json").status_code == 403
    )


def test_remind_through_the_api_sends_once_and_checks_its_input(setup):
    teacher, _, enrollment = setup
    client = _client(teacher)
    assert client.post("/api/v1/analytics/remind/", {"enrollment_ids": [enrollment.pk]}, format="json").json() == {
        "sent": 1,
        "already_reminded": 0,
    }
    assert client.post("/api/v1/analytics/remind/", {"enrollment_ids": [enrollment.pk]}, format="json").json() == {
        "sent": 0,
        "already_reminded": 1,
    }
    assert len(mail.outbox) == 1
    bad = client.post("/api/v1/analytics/remind/", {"enrollment_ids": ["x\x00"]}, format="json")
    assert bad.status_code == 400 and "enrollment_ids" in bad.json()["errors"]
