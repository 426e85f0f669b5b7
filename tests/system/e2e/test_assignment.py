"""An assignment in a real browser: a learner hands a file in late, the instructor grades
it in the grader (the penalty applied by the server), releases the grades, and the learner
sees grade and feedback; the course completes with the released pass."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assignments.models import Assignment, Submission
from enrollments import services as enrollment_services
from enrollments.models import Enrollment
from tests.system.e2e import data

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _log_in(page, user, *, admin=False) -> None:
    page.goto("/admin/login/" if admin else "/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(data.PASSWORD)
    page.get_by_role("button", name=re.compile("^Log in")).click()


def test_a_late_file_is_graded_released_and_completes_the_course(new_page, audit, tmp_path):
    teacher = data.instructor()
    course = data.course(title="Handed in", modules=[("Week one", ["Read this"])], teacher=teacher)
    task = Assignment.objects.create(
        module=course.modules.get(), title="Your essay", points=20, accept_text=True, accept_files=True,
        due_at=timezone.now() - timedelta(hours=3), late_policy="penalty", late_penalty_percent=10,
        late_penalty_cap_percent=50, release_policy="manual", is_required=True, pass_percent=50,
        rubric=[
            {"title": "Argument", "levels": [{"label": "Weak", "points": "4"}, {"label": "Clear", "points": "10"}]},
            {"title": "Sources", "levels": [{"label": "None", "points": "0"}, {"label": "Some", "points": "6"},
                                            {"label": "Cited", "points": "10"}]},
        ],
    )  # fmt: skip
    learner = data.enrolled_learner(course)
    enrollment_services.lesson_complete(user=learner, lesson=course.lessons.get())
    essay = tmp_path / "essay.pdf"
    essay.write_bytes(b"%PDF-1.4\n% my essay\n")

    page = new_page(viewport={"width": 1366, "height": 900})
    _log_in(page, learner)
    page.goto(f"/courses/{course.slug}/")
    page.get_by_role("link", name="Your essay").first.click()
    expect(page.get_by_role("heading", name="Your essay")).to_be_visible()
    page.get_by_label("Your answer").fill("My essay is attached.")
    page.get_by_label("Files").set_input_files(str(essay))
    page.get_by_role("button", name="Hand in", exact=True).click()
    expect(page.get_by_text("Your work is handed in.")).to_be_visible()
    expect(page.locator(".submissions")).to_contain_text("late")
    audit("assignment-learner", page=page)
    submission = Submission.objects.get(assignment=task, user=learner)
    assert 3 * 3600 - 60 < submission.late_seconds < 3 * 3600 + 120  # the server's clock, not the browser's

    grader = new_page(viewport={"width": 1366, "height": 900})
    _log_in(grader, teacher, admin=True)
    grader.goto("/admin/")
    expect(grader.locator("[data-kpi=waiting] dd")).to_have_text("1")
    grader.locator("[data-kpi=waiting] a").click()
    grader.get_by_role("link", name="Grade", exact=True).click()
    expect(grader.get_by_role("link", name="essay.pdf")).to_be_visible()
    # The PDF is shown in the page by the browser's viewer (a sandboxed frame, or one the
    # site's DENY framing rule blocks, shows Chromium's error page instead).
    for _ in range(50):
        if any(f.url.startswith("chrome-extension://") for f in grader.frames):
            break
        grader.wait_for_timeout(100)
    assert not [f.url for f in grader.frames if f.url.startswith("chrome-error")]
    assert any(f.url.startswith("chrome-extension://") for f in grader.frames), [f.url for f in grader.frames]
    expect(grader.get_by_text("Late penalty: 10")).to_be_visible()
    # The rubric: a level of each criterion, the score their sum (the server counts it again).
    grader.get_by_role("group", name="Argument").get_by_label("Clear (10 pts)").check()
    grader.get_by_role("group", name="Sources").get_by_label("Some (6 pts)").check()
    expect(grader.get_by_label("Score")).to_have_value("16.00")
    grader.get_by_label("Feedback (Markdown)").fill("A clear argument. **Cite your sources.**")
    expect(grader.locator(".markdown-preview strong")).to_have_text("Cite your sources.")
    grader.get_by_role("button", name="Save the grade").click()
    expect(grader.get_by_text("held until released")).to_be_visible()
    audit("grader", page=grader)
    submission.refresh_from_db()
    assert (submission.score, submission.final_score, submission.status) == (Decimal(16), Decimal("14.40"), "graded")

    # Held: the learner sees no grade yet.
    page.reload()
    expect(page.get_by_text("Handed in, waiting for a grade")).to_be_visible()
    expect(page.get_by_text("Cite your sources")).to_have_count(0)

    grader.goto("/admin/assignments/assignment/")
    grader.locator("tr", has_text="Your essay").locator("input[type=checkbox]").check()
    grader.locator("select[name=action]").select_option("release_grades")
    grader.get_by_role("button", name=re.compile("Run|Go")).first.click()
    expect(grader.get_by_text("1 grade(s) released.")).to_be_visible()

    page.reload()
    expect(page.locator(".submissions")).to_contain_text(re.compile(r"Grade: 14\.4 / 20"))
    expect(page.locator("table.rubric")).to_contain_text("Sources")
    expect(page.locator("table.rubric")).to_contain_text("Some")
    expect(page.locator(".feedback strong")).to_have_text("Cite your sources.")
    assert Enrollment.objects.get(user=learner, course=course).status == "completed"
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
