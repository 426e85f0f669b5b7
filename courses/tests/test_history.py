"""Every change of content and accommodations is kept with who made it (django-simple-history),
and shown in the admin only to those who may see the record."""

from __future__ import annotations

import pytest

from courses.models import Course, Lesson
from courses.tests.factories import CourseFactory, InstructorFactory, LessonFactory, ModuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson():
    course = CourseFactory(instructors=[InstructorFactory()])
    return LessonFactory(module=ModuleFactory(course=course))


def test_a_change_in_the_admin_is_kept_with_who_made_it(client, lesson):
    teacher = lesson.course.instructors.get()
    client.force_login(teacher)
    response = client.post(
        f"/admin/courses/lesson/{lesson.pk}/change/",
        {"module": lesson.module_id, "title": "Renamed", "kind": "text", "body": "New text.", "position": 1,
         "estimated_minutes": 5, "attachments-TOTAL_FORMS": 0, "attachments-INITIAL_FORMS": 0},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    last = lesson.history.order_by("-history_date").first()
    assert (last.title, last.body, last.history_user, last.history_type) == ("Renamed", "New text.", teacher, "~")
    assert lesson.history.count() == 2  # created, then changed


def test_the_history_page_shows_the_versions_to_the_teacher_and_404_to_another(client, lesson):
    client.force_login(lesson.course.instructors.get())
    page = client.get(f"/admin/courses/lesson/{lesson.pk}/history/")
    assert page.status_code == 200 and lesson.title in page.content.decode()
    client.force_login(InstructorFactory())
    for path in (
        f"/admin/courses/lesson/{lesson.pk}/history/",
        f"/admin/courses/course/{lesson.course_id}/history/",
        f"/admin/courses/lesson/{lesson.pk}/history/{lesson.history.first().history_id}/",
        "/admin/courses/lesson/not-a-number/history/",
    ):
        assert client.get(path).status_code == 404, path


def test_a_publication_is_kept_in_the_course_history_but_not_the_enrolment_counter(lesson):
    from courses import services

    course = services.course_publish(course=Course.objects.get(pk=lesson.course_id))
    assert course.history.order_by("-history_date").first().status == Course.Status.PUBLISHED
    assert "enrollment_count" not in {f.name for f in course.history.model._meta.fields}
    assert Lesson.history.filter(id=lesson.pk).exists()
