"""Journey 4, in a real browser: a quiz taken with the keyboard only (no mouse).

Tab moves between controls, Space checks a box or a radio button, Enter follows a link
or presses a button, and the arrow keys move within a group of radio buttons (as in
every browser: a radio group is one Tab stop). Every element the focus lands on must
show a visible focus ring that contrasts with its background.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.system.e2e import data
from tests.system.e2e.support import assert_visible_focus, tab_to

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _focused(locator) -> None:
    expect(locator).to_be_focused()


def test_learner_takes_a_quiz_with_the_keyboard_only(page):
    course = data.course(title="Keyboard Skills", modules=[("Only module", ["Only lesson"])])
    quiz = data.quiz(lesson=course.lessons.get(), title="Keyboard check", pass_mark=100)
    data.single_choice(quiz, "Which colour is grass?", [("red", False), ("green", True), ("blue", False)], position=1)
    data.multiple_choice(quiz, "Which are animals?", [("cat", True), ("stone", False), ("dog", True)], position=2)
    data.true_false(quiz, "Water is wet.", True, position=3)
    data.short_text(quiz, "The capital of France?", ["Paris"], position=4)
    learner = data.enrolled_learner(course)

    # Log in: the email field has the focus when the page opens.
    page.goto("/accounts/login/")
    _focused(page.get_by_label("Email"))
    page.keyboard.type(learner.email)
    page.keyboard.press("Tab")
    _focused(page.get_by_label("Password"))
    page.keyboard.type(data.PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/dashboard/$"))

    # The first Tab reaches the skip link, shown on screen; Enter jumps to the content.
    page.goto(f"/quizzes/{quiz.pk}/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    _focused(skip)
    assert_visible_focus(page)
    page.keyboard.press("Enter")
    _focused(page.get_by_role("main"))
    start = page.get_by_role("button", name="Start an attempt")
    passed_by = tab_to(page, start)
    assert not any("Account menu" in what for what in passed_by), "the skip link did not skip the navigation"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Attempt 1")).to_be_visible()

    # Question 1 (radio group): Tab into the group, then the arrow key picks "green".
    q1 = page.get_by_role("group", name=re.compile("Question 1"))
    tab_to(page, q1.get_by_label("red"))
    page.keyboard.press("ArrowDown")
    _focused(q1.get_by_label("green"))
    expect(q1.get_by_label("green")).to_be_checked()
    assert_visible_focus(page)

    # Each question ends with its "Flag for review" box: Tab passes it.
    page.keyboard.press("Tab")
    _focused(q1.get_by_label("Flag for review"))

    # Question 2 (check boxes): Space on "cat" and "dog", not on "stone".
    q2 = page.get_by_role("group", name=re.compile("Question 2"))
    page.keyboard.press("Tab")
    _focused(q2.get_by_label("cat"))
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    _focused(q2.get_by_label("stone"))
    page.keyboard.press("Tab")
    _focused(q2.get_by_label("dog"))
    page.keyboard.press("Space")
    expect(q2.get_by_label("cat")).to_be_checked()
    expect(q2.get_by_label("stone")).not_to_be_checked()
    expect(q2.get_by_label("dog")).to_be_checked()
    # Flag it for review with Space: the navigator says so, in words too.
    page.keyboard.press("Tab")
    _focused(q2.get_by_label("Flag for review"))
    page.keyboard.press("Space")
    navigator = page.get_by_role("navigation", name="Questions")
    expect(navigator.get_by_role("link", name=re.compile(r"^2 \(answered, flagged for review\)$"))).to_be_visible()
    expect(navigator).to_contain_text("2 of 4 answered")

    # Question 3 (true/false): Tab to "True", Space checks it.
    q3 = page.get_by_role("group", name=re.compile("Question 3"))
    page.keyboard.press("Tab")
    _focused(q3.get_by_label("True"))
    page.keyboard.press("Space")
    expect(q3.get_by_label("True")).to_be_checked()
    page.keyboard.press("Tab")  # its flag

    # Question 4 (short text): Tab, type.
    q4 = page.get_by_role("group", name=re.compile("Question 4"))
    page.keyboard.press("Tab")
    _focused(q4.get_by_role("textbox"))
    page.keyboard.type("Paris")

    # Tab to "Submit for grading" (past "Save answers") and press Enter.
    submit = page.get_by_role("button", name="Submit for grading")
    passed_by = tab_to(page, submit, limit=4)  # past its flag and "Save answers"
    assert any("Save answers" in what for what in passed_by)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Passed")).to_be_visible()
    expect(page.get_by_text("Score: 4 / 4 (100%)")).to_be_visible()
