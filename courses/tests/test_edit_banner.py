"""Whoever may edit a course sees its learner pages as learners will, with a banner that
says so (a draft: learners cannot see it yet) and leads to the admin page of what they see."""

import pytest
from django.utils import timezone

from courses.models import Course, Lesson, Module
from courses.tests.factories import Cast
from quizzes.models import Quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    return Cast()


@pytest.fixture
def draft(cast):
    course = Course.objects.create(title="Draft", slug="draft", status=Course.Status.DRAFT)
    course.instructors.add(cast.owner)
    module = Module.objects.create(course=course, title="M", position=1)
    lesson = Lesson.objects.create(module=module, course=course, title="L", position=1)
    quiz = Quiz.objects.create(module=module, title="Q")
    return course, lesson, quiz


def _banner(page: str) -> str:
    return page.split('class="edit-banner"')[1].split("</aside>")[0] if 'class="edit-banner"' in page else ""


def test_the_instructor_previews_a_draft_course_lesson_and_quiz_with_the_way_to_edit_each(client, cast, draft):
    course, lesson, quiz = draft
    client.force_login(cast.owner)
    pages = {
        "/courses/draft/": f"/admin/courses/course/{course.pk}/change/",
        f"/courses/draft/lessons/{lesson.pk}/": f"/admin/courses/lesson/{lesson.pk}/change/",
        f"/quizzes/{quiz.pk}/": f"/admin/quizzes/quiz/{quiz.pk}/change/",
    }
    for path, edit in pages.items():
        banner = _banner(client.get(path).content.decode())
        assert "this course is a draft, so learners cannot see it yet" in banner, path
        assert f'href="{edit}"' in banner and 'href="/admin/"' in banner, path


def test_a_published_course_tells_the_instructor_it_is_what_learners_see(client, cast, draft):
    course, *_ = draft
    Course.objects.filter(pk=course.pk).update(status=Course.Status.PUBLISHED, published_at=timezone.now())
    client.force_login(cast.owner)
    assert "You see this page as your learners do." in _banner(client.get("/courses/draft/").content.decode())


@pytest.mark.parametrize("role", ["other_instructor", "learner"])
def test_no_banner_for_those_who_may_not_edit(client, cast, draft, role):
    course, *_ = draft
    Course.objects.filter(pk=course.pk).update(status=Course.Status.PUBLISHED, published_at=timezone.now())
    client.force_login(cast[role])
    assert _banner(client.get("/courses/draft/").content.decode()) == ""


def test_the_banner_costs_a_learner_no_query(rf, cast, draft, django_assert_num_queries):
    from django.template import Context, Template

    course, *_ = draft
    request = rf.get("/")
    request.user = cast.learner
    with django_assert_num_queries(0):
        assert (
            Template("{% load course_tools %}{% edit_banner course %}")
            .render(Context({"request": request, "course": course}))
            .strip()
            == ""
        )
