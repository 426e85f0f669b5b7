"""The instructor home in a real browser: the admin's first page draws its charts with the
numbers reports.analytics computes, lists the learners at risk and reminds them; it fits a
laptop and a phone and axe finds nothing serious on it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from enrollments import services as enrollment_services
from enrollments.models import Enrollment
from reports import analytics
from tests.system.e2e import data

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

_CHART_SUMS = """() => [...document.querySelectorAll('canvas.chart')].map(
    c => Chart.getChart(c).data.datasets.map(d => d.data))"""


def _log_in(page, user) -> None:
    page.goto("/admin/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(data.PASSWORD)
    page.get_by_role("button", name=re.compile("^Log in")).click()


def test_the_home_draws_the_selectors_numbers_and_reminds_a_learner_at_risk(new_page, audit):
    teacher = data.instructor()
    course = data.course(title="Charts 101", modules=[("One", ["A", "B", "C"])], teacher=teacher)
    lessons = list(course.lessons.order_by("position"))
    keen = data.enrolled_learner(course, first_name="Keen")
    for lesson in lessons[:2]:
        enrollment_services.lesson_complete(user=keen, lesson=lesson)
    gone = data.enrolled_learner(course, first_name="Gone", last_name="Away")
    Enrollment.objects.filter(user=gone).update(last_activity_at=timezone.now() - timedelta(days=30))

    page = new_page(viewport={"width": 1366, "height": 900})
    _log_in(page, teacher)
    expect(page.get_by_role("heading", name="Your teaching")).to_be_visible()
    expect(page.locator("[data-kpi=enrolled] dd")).to_have_text("2")
    expect(page.locator("#course-numbers")).to_contain_text("Charts 101")

    # Each chart holds exactly the selectors' numbers: enrolments, activity (lessons
    # completed, attempts), then the funnel by lesson.
    page.wait_for_function("() => [...document.querySelectorAll('canvas.chart')].every(c => Chart.getChart(c))")
    drawn = page.evaluate(_CHART_SUMS)
    enrolments = [d.count for d in analytics.enrolments_by_day(teacher)]
    lessons_done, attempts = analytics.activity_by_day(teacher)
    funnel = [s.completed for s in analytics.completion_funnel(course.pk)]
    assert drawn[0] == [enrolments]
    assert drawn[1] == [[d.count for d in lessons_done], [d.count for d in attempts]]
    assert drawn[2] == [funnel] == [[1, 1, 0]]
    audit("instructor-home", page=page)

    risk = page.locator("#at-risk")
    expect(risk).to_contain_text("Gone Away")
    expect(risk).not_to_contain_text("Keen")
    risk.get_by_label("Gone Away").check()
    mail.outbox.clear()  # the enrolment confirmations
    page.get_by_role("button", name=re.compile("Remind the selected learners")).click()
    expect(page.get_by_text("1 reminder sent.")).to_be_visible()
    assert [m.to for m in mail.outbox] == [[gone.email]]

    phone = new_page(viewport={"width": 390, "height": 844})
    _log_in(phone, teacher)
    expect(phone.locator("[data-kpi=enrolled]")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    audit("instructor-home-phone", page=phone)


def test_the_instructors_admin_pages_pass_axe(new_page, audit):
    teacher = data.instructor()
    course = data.course(title="Axe 101", modules=[("One", ["A", "B"])], teacher=teacher)
    quiz = data.quiz(lesson=course.lessons.order_by("id").first(), title="Axe check")
    data.single_choice(quiz, "Which one?", [("This", True), ("That", False)], position=1)
    data.enrolled_learner(course)
    page = new_page(viewport={"width": 1366, "height": 900})
    _log_in(page, teacher)
    pages = {
        "course-list": "/admin/courses/course/",
        "course-change": f"/admin/courses/course/{course.pk}/change/",
        "module-change": f"/admin/courses/module/{course.modules.get().pk}/change/",
        "quiz-change": f"/admin/quizzes/quiz/{quiz.pk}/change/",
        "enrollments": "/admin/enrollments/enrollment/",
        "bulk-enrol": "/admin/enrollments/enrollment/bulk-enrol/",
        "accommodation-add": "/admin/quizzes/accommodation/add/",
    }
    for name, path in pages.items():
        page.goto(path)
        expect(page.locator("#content")).to_be_visible()
        audit(name, page=page)
