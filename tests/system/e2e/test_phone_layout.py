"""The demo site (`manage.py seed_demo`) on a phone: every main page reflows into 320 CSS
pixels without sideways scrolling (WCAG 1.4.10), and passes axe there too."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.demo import DEMO_USERS
from courses.models import Lesson
from quizzes.models import Quiz
from tests.system.e2e.support import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PHONE = {"viewport": {"width": 320, "height": 640}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def _fits(page) -> None:
    overflow = page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            const wide = [...document.querySelectorAll("body *")].filter((el) => {
                const rect = el.getBoundingClientRect();
                return rect.width > 0 && rect.right > width + 1;
            });
            return { scroll: document.documentElement.scrollWidth, width,
                     wide: wide.slice(0, 5).map((el) => el.outerHTML.slice(0, 120)) };
        }"""
    )
    assert overflow["scroll"] <= overflow["width"], f"{page.url} scrolls sideways on a phone: {overflow}"


def test_the_demo_site_fits_a_phone_screen(new_page, audit):
    call_command("seed_demo", stdout=io.StringIO())
    email, password = next((e, p) for e, p, role, *_ in DEMO_USERS if role == "learner")
    quiz = Quiz.objects.get(title="Python basics check")
    lesson = Lesson.objects.get(title="Variables and types")  # text with a code block
    phone = new_page(**PHONE)

    for name, path in [("home", "/"), ("catalog", "/courses/?q=python"), ("course", "/courses/python-foundations/")]:
        phone.goto(path)
        _fits(phone)
        audit(f"phone-{name}", page=phone)

    log_in(phone, email, password)
    _fits(phone)
    audit("phone-dashboard", page=phone)
    phone.goto(f"/courses/python-foundations/lessons/{lesson.pk}/")
    expect(phone.get_by_role("heading", name="Variables and types", level=1)).to_be_visible()
    _fits(phone)
    audit("phone-lesson", page=phone)
    phone.goto(f"/quizzes/{quiz.pk}/")
    phone.get_by_role("button", name="Start an attempt").click()
    expect(phone.get_by_role("heading", name="Attempt 1")).to_be_visible()
    _fits(phone)
    audit("phone-quiz-attempt", page=phone)
