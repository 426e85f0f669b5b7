"""In a real browser: an instructor gives a learner twice the time in the admin, and the
server honours it. The learner's one-minute quiz shows two minutes, and an answer saved after
the first minute is still accepted, where it would be refused without the accommodation
(test_timed_quiz.py). Time moves on the server's side as there: the attempt's start and
deadline are moved into the past in the database."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db.models import F
from playwright.sync_api import expect

from quizzes.models import Accommodation, Attempt
from tests.system.e2e import data
from tests.system.e2e.support import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_extra_time_granted_in_the_admin_is_honoured_by_the_server(page, new_page):
    teacher = data.instructor()
    course = data.course(title="Exam Practice", modules=[("Revision", ["Summary"])], teacher=teacher)
    quiz = data.quiz(lesson=course.lessons.get(), title="Timed check", pass_mark=50, time_limit_minutes=1)
    data.single_choice(quiz, "2 + 2 = ?", [("3", False), ("4", True)], position=1)
    learner = data.enrolled_learner(course)

    # The instructor grants twice the time.
    admin = new_page()
    admin.goto("/admin/quizzes/accommodation/add/")
    admin.get_by_label("Email").fill(teacher.email)
    admin.get_by_label("Password").fill(data.PASSWORD)
    admin.get_by_role("button", name=re.compile("^Log in")).click()
    admin.locator("select[name=user]").select_option(label=learner.email)
    admin.locator("select[name=course]").select_option(label="Exam Practice")
    admin.locator("input[name=time_multiplier]").fill("2")
    admin.locator("[name=reason]").fill("Documented need for extra time.")
    admin.get_by_role("button", name="Save", exact=True).click()
    expect(admin.get_by_text(re.compile("was added successfully"))).to_be_visible()
    assert Accommodation.objects.get(user=learner, course=course).granted_by == teacher

    # The learner sees two minutes and starts.
    log_in(page, learner.email, data.PASSWORD)
    page.goto(f"/quizzes/{quiz.pk}/")
    expect(page.get_by_text("Time limit: 2 minutes", exact=True)).to_be_visible()
    expect(page.get_by_text("Your instructor adjusted your time or attempts for this course.")).to_be_visible()
    page.get_by_role("button", name="Start an attempt").click()
    expect(page.get_by_role("heading", name="Attempt 1")).to_be_visible()
    attempt = Attempt.objects.get(user=learner, quiz=quiz)
    assert attempt.deadline - attempt.started_at == timedelta(minutes=2)

    # Seventy seconds later on the server, past the quiz's own minute, the answer is saved.
    late = timedelta(seconds=70)
    Attempt.objects.filter(pk=attempt.pk).update(started_at=F("started_at") - late, deadline=F("deadline") - late)
    page.get_by_role("group", name=re.compile("Question 1")).get_by_label("4", exact=True).check()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    page.get_by_role("button", name=re.compile("^Submit")).click()
    dialog = page.get_by_role("dialog")
    if dialog.count():  # the page may ask to confirm
        dialog.get_by_role("button", name=re.compile("^Submit")).click()
    expect(page.get_by_role("heading", name="Passed")).to_be_visible()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED and attempt.passed is True
    assert attempt.submitted_at < attempt.deadline
