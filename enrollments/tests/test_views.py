"""Learner pages: the enrol button, lesson pages with saved progress, the dashboard."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from courses.cache import local_clear
from courses.tests.factories import (
    AttachmentFactory,
    Cast,
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    course_with_lessons,
)
from enrollments.models import Enrollment, LessonProgress
from enrollments.tests.factories import EnrollmentFactory, LessonProgressFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    return Cast()


@pytest.fixture
def course(cast):
    return course_with_lessons(slug="python", title="Python", modules=2, lessons_per_module=2, instructors=[cast.owner])


def _lessons(course):
    return list(course.lessons.order_by("module__position", "position", "id"))


def lesson_url(lesson) -> str:
    return f"/courses/{lesson.course.slug}/lessons/{lesson.pk}/"


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- enrolling -----------------------------------------------------------------------------


def test_the_enrol_button_enrols_and_opens_the_first_lesson(client, cast, course):
    client.force_login(cast.learner)
    response = client.post("/courses/python/enrol/")
    assert response.status_code == 302
    assert response["Location"] == lesson_url(_lessons(course)[0])
    assert Enrollment.objects.get().user == cast.learner
    assert "You are enrolled. Enjoy the course!" in _messages(response)


def test_enrolling_from_the_page_without_reloading_it_comes_back_to_the_course(client, cast, course):
    # static/js/enhance.js posts `stay=1` and swaps the panel of the page it is sent back to.
    client.force_login(cast.learner)
    response = client.post("/courses/python/enrol/", {"stay": "1"}, follow=True)
    assert response.redirect_chain == [("/courses/python/", 302)]
    page = response.content.decode()
    assert 'id="enrol-panel"' in page and 'id="syllabus"' in page
    assert "You are enrolled. Enjoy the course!" in page
    assert f'href="{lesson_url(_lessons(course)[0])}"' in page  # Continue, in the swapped panel
    assert Enrollment.objects.get().user == cast.learner


def test_the_enrol_button_needs_a_csrf_token(cast, course):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.learner)
    assert client.post("/courses/python/enrol/").status_code == 403
    page = client.get("/courses/python/")
    token = page.context["csrf_token"]
    assert client.post("/courses/python/enrol/", {"csrfmiddlewaretoken": str(token)}).status_code == 302
    assert Enrollment.objects.count() == 1


def test_enrolling_needs_a_login_and_a_post(client, cast, course):
    response = client.post("/courses/python/enrol/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/courses/python/enrol/")
    client.force_login(cast.learner)
    assert client.get("/courses/python/enrol/").status_code == 405
    assert not Enrollment.objects.exists()


def test_a_refused_enrollment_is_explained_on_the_course_page(client, cast):
    course = course_with_lessons(slug="full", capacity=1)
    EnrollmentFactory(course=course)
    client.force_login(cast.learner)
    response = client.post("/courses/full/enrol/", follow=True)
    assert response.redirect_chain == [("/courses/full/", 302)]
    assert b"This course is full." in response.content
    assert Enrollment.objects.filter(user=cast.learner).count() == 0


def test_enrolling_in_a_draft_is_404(client, cast):
    course_with_lessons(slug="draft", draft=True)
    client.force_login(cast.learner)
    assert client.post("/courses/draft/enrol/").status_code == 404


def test_enrolling_twice_from_the_page_keeps_one_enrollment(client, cast, course):
    client.force_login(cast.learner)
    client.post("/courses/python/enrol/")
    second = client.post("/courses/python/enrol/")
    assert second.status_code == 302
    assert Enrollment.objects.count() == 1


def test_the_course_page_shows_progress_and_continue_once_enrolled(client, cast, course):
    enrollment = EnrollmentFactory(user=cast.learner, course=course)
    first, second, *_ = _lessons(course)
    LessonProgressFactory(enrollment=enrollment, lesson=first)
    client.force_login(cast.learner)
    content = client.get("/courses/python/").content.decode()
    assert "25% complete" in content
    assert f'href="{lesson_url(second)}">Continue' in content
    assert 'action="/courses/python/enrol/"' not in content


def test_dropping_from_the_page_and_coming_back(client, cast, course):
    enrollment = EnrollmentFactory(user=cast.learner, course=course)
    client.force_login(cast.learner)
    response = client.post("/courses/python/drop/")
    assert response["Location"] == "/dashboard/"
    enrollment.refresh_from_db()
    assert enrollment.status == "dropped"
    assert b"Enrol again" in client.get("/courses/python/").content
    client.post("/courses/python/enrol/")
    enrollment.refresh_from_db()
    assert enrollment.status == "active"


# --- lesson pages --------------------------------------------------------------------------


def test_an_enrolled_learner_reads_a_lesson_and_it_becomes_the_resume_point(client, cast, course):
    enrollment = EnrollmentFactory(user=cast.learner, course=course)
    _, second, *_ = _lessons(course)
    client.force_login(cast.learner)
    with time_machine.travel("2025-04-01 12:00Z", tick=False):
        response = client.get(lesson_url(second))
    assert response.status_code == 200
    assert second.body_html.encode() in response.content
    enrollment.refresh_from_db()
    assert enrollment.last_lesson == second
    assert enrollment.last_activity_at.isoformat() == "2025-04-01T12:00:00+00:00"
    progress = LessonProgress.objects.get(enrollment=enrollment, lesson=second)
    assert progress.first_viewed_at.isoformat() == "2025-04-01T12:00:00+00:00"
    assert progress.completed_at is None
    with time_machine.travel("2025-04-09 12:00Z", tick=False):
        client.get(lesson_url(second))
    progress.refresh_from_db()
    assert progress.first_viewed_at.isoformat() == "2025-04-01T12:00:00+00:00"  # the first view stays the first


@pytest.mark.parametrize("role", ["anonymous", "learner"])
def test_a_locked_lesson_records_nothing_for_those_who_cannot_read_it(client, cast, course, role):
    if cast[role]:
        client.force_login(cast[role])
    locked = _lessons(course)[1]
    assert client.get(lesson_url(locked)).status_code == 403
    assert not LessonProgress.objects.exists()


def test_the_lesson_page_shows_the_outline_states_and_neighbours(client, cast, course):
    enrollment = EnrollmentFactory(user=cast.learner, course=course)
    a, b, c, _ = _lessons(course)
    LessonProgressFactory(enrollment=enrollment, lesson=a)
    client.force_login(cast.learner)
    response = client.get(lesson_url(b))
    content = response.content.decode()
    assert f'<a href="{lesson_url(b)}" aria-current="page">' in content
    assert '<li class="item-lesson done">' in content and '<li class="item-lesson started current">' in content
    assert "(locked)" not in content
    assert f'href="{lesson_url(a)}" rel="prev"' in content
    assert f'href="{lesson_url(c)}" rel="next"' in content
    assert f'action="{lesson_url(b)}complete/"' in content
    assert "25% complete" in content


def test_the_outline_marks_lessons_locked_for_a_visitor_on_a_preview(client, course):
    a, b, *_ = _lessons(course)
    a.is_preview = True
    a.save()
    content = client.get(lesson_url(a)).content.decode()
    assert "(locked)" in content
    assert f'href="{lesson_url(b)}"' not in content.split('class="lesson"')[0]  # no link in the outline


def test_a_lesson_under_another_courses_slug_is_404(client, cast, course):
    other = course_with_lessons(slug="other")
    EnrollmentFactory(user=cast.learner, course=course)
    EnrollmentFactory(user=cast.learner, course=other)
    client.force_login(cast.learner)
    foreign = _lessons(other)[0]
    assert client.get(f"/courses/python/lessons/{foreign.pk}/").status_code == 404
    assert client.post(f"/courses/python/lessons/{foreign.pk}/complete/").status_code == 404
    assert not LessonProgress.objects.exists()


def test_mark_complete_moves_on_to_the_next_lesson_and_congratulates_at_the_end(client, cast, course):
    EnrollmentFactory(user=cast.learner, course=course)
    lessons = _lessons(course)
    client.force_login(cast.learner)
    response = client.post(f"{lesson_url(lessons[0])}complete/", {"next": "continue"})
    assert response["Location"] == lesson_url(lessons[1])
    for lesson in lessons[1:-1]:
        client.post(f"{lesson_url(lesson)}complete/")
    last = client.post(f"{lesson_url(lessons[-1])}complete/", {"next": "continue"})
    assert last["Location"] == "/courses/python/finished/"  # the finish line
    assert "Congratulations, you completed the course!" in _messages(last)
    assert Enrollment.objects.get().status == "completed"


def test_mark_complete_without_moving_on_shows_the_lesson_done_with_a_next_link(client, cast, course):
    # What static/js/enhance.js swaps in: the completion region and the outline.
    EnrollmentFactory(user=cast.learner, course=course)
    lessons = _lessons(course)
    client.force_login(cast.learner)
    response = client.post(f"{lesson_url(lessons[0])}complete/", {"stay": "1"}, follow=True)
    assert response.redirect_chain == [(lesson_url(lessons[0]), 302)]
    page = response.content.decode()
    assert 'id="lesson-completion"' in page and 'id="lesson-outline"' in page
    assert "You completed this lesson." in page
    assert f'<a class="button" href="{lesson_url(lessons[1])}">Continue: {lessons[1].title}</a>' in page


def test_mark_complete_without_an_enrollment_is_refused_with_a_message(client, cast, course):
    client.force_login(cast.learner)
    response = client.post(f"{lesson_url(_lessons(course)[0])}complete/")
    assert response["Location"] == "/courses/python/"
    assert "Enrol in this course first." in _messages(response)
    assert not LessonProgress.objects.exists()


def test_enrolled_learners_download_lesson_files_on_the_page(client, cast, course):
    lesson = _lessons(course)[1]
    attachment = AttachmentFactory(lesson=lesson, title="Cheat sheet")
    url = f"{lesson_url(lesson)}attachments/{attachment.pk}/"
    client.force_login(cast.learner)
    assert client.get(url).status_code == 404
    EnrollmentFactory(user=cast.learner, course=course)
    page = client.get(lesson_url(lesson)).content.decode()
    assert f'href="{url}" download>Cheat sheet</a>' in page
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/octet-stream"
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


# --- the dashboard -------------------------------------------------------------------------


def test_the_dashboard_needs_a_login(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/dashboard/"


def test_the_dashboard_shows_progress_continue_links_and_completed_courses(client, cast, course):
    enrollment = EnrollmentFactory(user=cast.learner, course=course)
    a, b, *_ = _lessons(course)
    LessonProgressFactory(enrollment=enrollment, lesson=a)
    Enrollment.objects.filter(pk=enrollment.pk).update(last_lesson=a)
    finished = course_with_lessons(title="Finished Course")
    EnrollmentFactory(user=cast.learner, course=finished, completed=True)
    left = course_with_lessons(title="Abandoned Course")
    EnrollmentFactory(user=cast.learner, course=left, dropped=True)
    EnrollmentFactory(user=cast.other_learner, course=course_with_lessons(title="Not Mine"))
    client.force_login(cast.learner)
    content = client.get("/dashboard/").content.decode()
    assert 'value="25"' in content and "25% complete" in content
    assert f'href="{lesson_url(b)}">Continue' in content
    assert f"Last visited: {a.title}" in content
    assert "Finished Course" in content.split('id="completed-heading"')[1]
    assert "Abandoned Course" not in content
    assert "Not Mine" not in content


def test_the_dashboard_invites_a_new_learner_to_the_catalog(client, cast):
    client.force_login(cast.learner)
    assert b"You are not enrolled in any course yet" in client.get("/dashboard/").content


def _enrol_in_courses(learner, n: int, lessons: int) -> None:
    now = timezone.now()
    for i in range(n):
        course = CourseFactory()
        module = ModuleFactory(course=course)
        created = LessonFactory.create_batch(lessons, module=module)
        enrollment = EnrollmentFactory(
            user=learner, course=course, last_activity_at=now - timedelta(minutes=i), last_lesson=created[0]
        )
        LessonProgressFactory(enrollment=enrollment, lesson=created[0])


def test_the_dashboard_runs_a_constant_number_of_queries(client, cast, django_assert_max_num_queries):
    client.force_login(cast.learner)
    _enrol_in_courses(cast.learner, 2, 3)
    with django_assert_max_num_queries(8) as small:  # the outlines' items: quizzes, assignments
        assert len(client.get("/dashboard/").context["active"]) == 2
    _enrol_in_courses(cast.learner, 18, 12)
    with django_assert_max_num_queries(len(small)):
        response = client.get("/dashboard/")
    assert len(response.context["active"]) == 20
    assert all(e.progress.next_lesson_id for e in response.context["active"])


def test_the_lesson_page_runs_a_constant_number_of_queries(
    client, cast, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    course = CourseFactory(slug="big")
    module = ModuleFactory(course=course, position=0)
    lesson = LessonFactory(module=module, position=0)
    AttachmentFactory(lesson=lesson)
    EnrollmentFactory(user=cast.learner, course=course)
    client.force_login(cast.learner)
    client.get(lesson_url(lesson))  # the first view writes its progress row
    local_clear()  # measure the page that reads the outline, not the one that reuses it
    with django_assert_max_num_queries(16) as small:
        assert client.get(lesson_url(lesson)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):  # the catalog version moves on
        for _ in range(5):
            LessonFactory.create_batch(10, module=ModuleFactory(course=course))
        AttachmentFactory.create_batch(3, lesson=lesson)
    with django_assert_max_num_queries(len(small)):
        response = client.get(lesson_url(lesson))
    assert response.context["outline"].count('<ol class="outline">') == 6
    assert response.context["outline"].count("<li ") == 51


def test_an_active_learner_can_leave_a_course_from_its_page_and_from_the_dashboard(client):
    from accounts.tests.factories import UserFactory
    from courses.tests.factories import course_with_lessons
    from enrollments import services as enrollment_services
    from enrollments.models import Enrollment

    course = course_with_lessons(lessons_per_module=1)
    learner = UserFactory()
    enrollment_services.enrollment_create(user=learner, course=course)
    client.force_login(learner)
    drop_url = f"/courses/{course.slug}/drop/"
    for page in (f"/courses/{course.slug}/", "/dashboard/"):
        body = client.get(page).content.decode()
        assert f'action="{drop_url}"' in body and "Leave this course" in body, page
    response = client.post(drop_url, follow=True)
    assert Enrollment.objects.get(user=learner, course=course).status == Enrollment.Status.DROPPED
    assert "You left the course" in response.content.decode()
    assert f'action="{drop_url}"' not in client.get(f"/courses/{course.slug}/").content.decode()


def test_a_new_account_is_welcomed_and_a_returning_learner_welcomed_back(client):
    from accounts.tests.factories import UserFactory
    from courses.tests.factories import course_with_lessons
    from enrollments import services as enrollment_services

    learner = UserFactory(first_name="Nia", last_name="New")
    client.force_login(learner)
    body = client.get("/dashboard/").content.decode()
    assert "Welcome, Nia New" in body and "Welcome back" not in body
    enrollment_services.enrollment_create(user=learner, course=course_with_lessons(lessons_per_module=1))
    assert "Welcome back, Nia New" in client.get("/dashboard/").content.decode()
