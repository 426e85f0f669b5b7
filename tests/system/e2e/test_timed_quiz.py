"""Journey 2, in a real browser: a learner runs out of time on a timed quiz.

Time moves on both sides without waiting a minute: the server's side by moving the
attempt's start and deadline 61 seconds into the past in the database (the server's
clock cannot be moved from here: the live server runs in a thread of this process), the
browser's side with Playwright's clock, so the page's own countdown reaches zero and
submits the form, as it would for a learner who let the time run out.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db.models import F
from playwright.sync_api import expect

from quizzes.models import Answer, Attempt
from tests.system.e2e import data
from tests.system.e2e.support import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_learner_who_runs_out_of_time_gets_the_attempt_closed_and_graded_at_its_deadline(page, audit):
    # Given a one-minute quiz with two questions, and an enrolled learner.
    course = data.course(title="Exam Practice", modules=[("Revision", ["Summary"])])
    quiz = data.quiz(lesson=course.lessons.get(), title="Timed check", pass_mark=50, time_limit_minutes=1)
    first = data.single_choice(quiz, "2 + 2 = ?", [("3", False), ("4", True)], position=1)
    second = data.single_choice(quiz, "The capital of France?", [("Paris", True), ("Rome", False)], position=2)
    learner = data.enrolled_learner(course)
    log_in(page, learner.email, data.PASSWORD)
    page.clock.install()  # the page's timers and Date from now on follow Playwright's clock

    # They start the attempt: a countdown from one minute, announced politely.
    page.goto(f"/quizzes/{quiz.pk}/")
    expect(page.get_by_text("Time limit: 1 minute", exact=True)).to_be_visible()
    page.get_by_role("button", name="Start an attempt").click()
    expect(page.get_by_role("heading", name="Attempt 1")).to_be_visible()
    expect(page.locator(".countdown-value")).to_have_text(re.compile(r"^(1:00|0:[0-5]\d)$"))
    expect(page.locator("#countdown-announcer")).to_have_attribute("aria-live", "polite")
    expect(page.locator("#countdown-announcer")).to_have_text(re.compile("minute"))
    audit("timed-attempt")

    # A wrong answer, saved in time by the autosave.
    page.get_by_role("group", name=re.compile("Question 1")).get_by_label("3", exact=True).check()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()

    # The minute passes on the server...
    attempt = Attempt.objects.get(user=learner, quiz=quiz)
    late = timedelta(seconds=61)
    Attempt.objects.filter(pk=attempt.pk).update(started_at=F("started_at") - late, deadline=F("deadline") - late)
    attempt.refresh_from_db()

    # ...so a right answer given now is refused by the autosave: the page says the time is
    # up (before its own countdown reaches zero) and submits; the server closes the attempt
    # as of its deadline with what was saved by then.
    # (The "time is up" state shows only for the moment the submission takes.)
    page.get_by_role("group", name=re.compile("Question 2")).get_by_label("Paris").check()
    expect(page.get_by_role("heading", name="Not passed")).to_be_visible()
    expect(page.get_by_text("The time for this attempt is over.")).to_be_visible()
    expect(page.get_by_text("Score: 0 / 2 (0%)")).to_be_visible()
    expect(page.locator(".quiz-form")).to_have_count(0)
    audit("timed-result")

    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED
    assert attempt.submitted_at == attempt.deadline
    assert attempt.passed is False
    saved = {a.question_id_snapshot: a.response for a in Answer.objects.filter(attempt=attempt)}
    assert set(saved) == {first.pk}
    assert second.pk not in saved

    # The quiz page lists the attempt as submitted and not passed.
    page.get_by_role("link", name="Back to the quiz").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="1", exact=True))
    expect(row).to_contain_text("Submitted")
    expect(row).to_contain_text("Not passed")
    expect(page.get_by_role("button", name="Start an attempt")).to_be_visible()


def test_the_countdown_turns_urgent_in_the_last_minute_then_says_time_is_up_and_submits(page):
    course = data.course(title="Quick Check", modules=[("Only", ["Only lesson"])])
    quiz = data.quiz(lesson=course.lessons.get(), title="One minute", pass_mark=50, time_limit_minutes=1)
    data.single_choice(quiz, "2 + 2 = ?", [("3", False), ("4", True)], position=1)
    learner = data.enrolled_learner(course)
    log_in(page, learner.email, data.PASSWORD)
    page.clock.install()
    page.goto(f"/quizzes/{quiz.pk}/")
    page.get_by_role("button", name="Start an attempt").click()
    countdown = page.locator(".countdown")
    expect(countdown).to_have_class(re.compile(r"\bcountdown-urgent\b"))  # a minute or less: urgent
    page.get_by_role("group", name=re.compile("Question 1")).get_by_label("4", exact=True).check()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()

    # The form's submission at zero is held back a moment (the page's submit() only counts
    # the call), to see the state the learner sees before the next page loads.
    page.evaluate(
        """() => { window.realSubmit = HTMLFormElement.prototype.submit; window.submits = 0;
                   HTMLFormElement.prototype.submit = function () { window.submits += 1; }; }"""
    )
    page.clock.fast_forward("01:01")
    expect(page.get_by_role("alert")).to_have_text("Time is up: your saved answers are being submitted.")
    expect(page.locator(".quiz-form")).to_have_class(re.compile(r"\bis-closed\b"))
    assert page.evaluate("window.submits") == 1
    page.evaluate("() => window.realSubmit.call(document.querySelector('.quiz-form'))")
    expect(page.get_by_role("heading", name="Passed")).to_be_visible()
    assert Attempt.objects.get(user=learner).status == Attempt.Status.SUBMITTED
