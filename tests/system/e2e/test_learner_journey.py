"""Journey 1, in a real browser: a visitor signs up, finds a course with a search and a
filter, enrols, reads the lessons in order while the progress rises, leaves and comes
back where they were, passes the quiz, completes the course, downloads the certificate
and anyone can verify it by its code."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pypdf
import pytest
from playwright.sync_api import expect

from certificates import services as certificate_services
from certificates.models import Certificate
from courses.models import Category
from quizzes.models import Answer
from tests.system.e2e import data
from tests.system.e2e.support import log_out

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "a-long-and-private-passphrase"


def _progress(page, percent: int) -> None:
    """The progress bar and its text agree on `percent`."""
    bar = page.locator("progress.progress-bar")
    expect(bar).to_have_attribute("value", str(percent))
    expect(page.get_by_text(f"{percent}% complete", exact=True)).to_be_visible()


def _lesson(page, title: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def test_visitor_signs_up_learns_passes_the_quiz_and_verifies_the_certificate(page, audit):
    # Given a catalog: two Python courses in different categories, and a third one.
    programming = Category.objects.create(name="Programming", slug="programming")
    data_category = Category.objects.create(name="Data", slug="data")
    teacher = data.instructor(first_name="Ada", last_name="Lovelace")
    python = data.course(
        title="Python for Everyone",
        category=programming,
        teacher=teacher,
        modules=[("Getting started", ["Welcome", "Variables"]), ("Going further", ["Functions"])],
    )
    data.course(
        title="Python for Data Analysis", category=data_category, teacher=teacher, modules=[("Basics", ["Frames"])]
    )
    data.course(title="Typography Basics", teacher=teacher, modules=[("Type", ["Fonts"])])
    data.course(title="Go in Practice", category=programming, teacher=teacher, modules=[("Basics", ["Goroutines"])])
    quiz = data.quiz(lesson=python.lessons.get(title="Functions"), title="Functions check", pass_mark=50)
    data.single_choice(quiz, "Which keyword defines a function?", [("func", False), ("def", True)], position=1)
    data.true_false(quiz, "A function can return a value.", True, position=2)

    # A visitor arrives, searches the catalog, then narrows it with a filter.
    page.goto("/")
    expect(page.get_by_role("heading", name="New courses")).to_be_visible()
    expect(page.get_by_role("link", name="Typography Basics")).to_be_visible()
    audit("home")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog").click()
    expect(page.get_by_role("heading", name="Catalog", level=1)).to_be_visible()
    page.get_by_label("Search").fill("python")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("2 courses")).to_be_visible()
    results = page.locator(".course-card h3")
    expect(results).to_have_text(["Python for Data Analysis", "Python for Everyone"])
    page.get_by_label("Category").select_option(label="Programming")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"q=python.*category=programming"))
    expect(page.get_by_text("1 course", exact=True)).to_be_visible()
    expect(results).to_have_text(["Python for Everyone"])
    expect(page.get_by_label("Search")).to_have_value("python")
    audit("catalog")

    # The course page: its syllabus lists every item in order, the quiz among the lessons.
    page.get_by_role("link", name="Python for Everyone").click()
    expect(page.get_by_role("heading", name="Python for Everyone", level=1)).to_be_visible()
    syllabus = page.get_by_role("region", name="Syllabus")
    expect(syllabus.get_by_role("listitem")).to_have_text(
        [re.compile(r"^Welcome"), re.compile(r"^Variables"), re.compile(r"^Functions"), re.compile(r"^Functions check")]
    )
    expect(syllabus.get_by_role("listitem").last).to_contain_text("Quiz")
    expect(syllabus.get_by_role("listitem").last).to_contain_text("Required")
    expect(page.get_by_text("Taught by Ada Lovelace")).to_be_visible()
    audit("course")

    # They sign up from it; a first try with different passwords is refused inline.
    page.get_by_role("link", name="Sign up to enrol").click()
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    audit("signup")
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    page.get_by_label(re.compile(r"^Password\W*$")).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD + "-typo")
    page.get_by_role("button", name="Sign up").click()
    again = page.get_by_label("Password again")
    expect(again).to_have_attribute("aria-invalid", "true")
    expect(again).to_have_accessible_description("The two passwords differ.")
    expect(page.get_by_label(re.compile(r"^Password\W*$"))).to_have_accessible_description(
        re.compile("at least 10 characters")
    )
    audit("signup-errors")
    page.get_by_label(re.compile(r"^Password\W*$")).fill(PASSWORD)
    again.fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    # Back on the course they came from, one step from enrolling, the button focused.
    expect(page).to_have_url(re.compile(r"/courses/python-for-everyone/\?enrol=1$"))
    expect(page.get_by_text("Welcome! Your account is ready.")).to_be_visible()
    expect(page.get_by_text("One more step: enrol to start the course.")).to_be_visible()
    expect(page.get_by_role("button", name="Enrol")).to_be_focused()
    # Enrolling and marking lessons complete happen without a page load (static/js/enhance.js):
    # a value set on `window` survives them, and the news is read out by the live region.
    page.evaluate("window.sameDocument = true")
    page.get_by_role("button", name="Enrol").click()
    expect(page.locator("#messages")).to_have_text("You are enrolled. Enjoy the course!")
    panel = page.get_by_role("complementary", name="Enrollment")
    _progress(panel, 0)
    expect(panel).to_be_focused()
    assert page.evaluate("window.sameDocument") is True
    page.get_by_role("region", name="Syllabus").get_by_role("link", name="Variables").wait_for()  # unlocked
    panel.get_by_role("link", name="Continue").click()
    _lesson(page, "Welcome")
    audit("lesson")

    # Lessons in order, progress rising: 3 lessons and 1 required quiz make 4 steps.
    page.evaluate("window.sameDocument = true")
    page.get_by_role("button", name="Mark as complete").click()
    expect(page.get_by_text("You completed this lesson.")).to_be_visible()
    _progress(page, 25)
    outline = page.get_by_role("navigation", name="Course outline")
    expect(outline.get_by_role("listitem").filter(has_text="Welcome")).to_contain_text("(done)")
    assert page.evaluate("window.sameDocument") is True
    _lesson(page, "Welcome")
    page.get_by_role("link", name="Continue: Variables").click()
    _lesson(page, "Variables")
    expect(outline.get_by_role("link", name="Variables")).to_have_attribute("aria-current", "page")
    page.get_by_role("button", name="Mark as complete").click()
    _progress(page, 50)
    page.get_by_role("link", name="Continue: Functions").click()
    _lesson(page, "Functions")
    _progress(page, 50)

    # They log out and back in: the dashboard takes them back where they were.
    log_out(page)
    expect(page.get_by_role("heading", name="Learn at your own pace")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    card = page.locator(".card").filter(has=page.get_by_role("link", name="Python for Everyone"))
    expect(card).to_contain_text("50% complete")
    expect(card).to_contain_text("Last visited: Functions")
    card.get_by_role("link", name="Continue").click()
    _lesson(page, "Functions")
    _progress(page, 50)
    page.get_by_role("button", name="Mark as complete").click()
    expect(page.get_by_text("You completed this lesson.")).to_be_visible()
    _progress(page, 75)

    # Only the quiz is left: the page leads to it.
    expect(page.get_by_text("1 step left")).to_be_visible()
    page.get_by_role("link", name="Take the quiz: Functions check").click()
    expect(page.get_by_role("heading", name="Functions check", level=1)).to_be_visible()
    expect(page.get_by_text("2 questions")).to_be_visible()
    expect(page.get_by_text("Pass mark: 50%")).to_be_visible()
    audit("quiz")

    # A first try: one wrong answer, one left blank. Submitting asks first, then fails,
    # and the result says what to do next.
    page.get_by_role("button", name="Start an attempt").click()
    expect(page.get_by_role("heading", name="Attempt 1")).to_be_visible()
    navigator = page.get_by_role("navigation", name="Questions")
    expect(navigator).to_contain_text("0 of 2 answered")
    page.get_by_role("group", name=re.compile("Question 1")).get_by_label("func").check()
    expect(navigator).to_contain_text("1 of 2 answered")
    audit("quiz-attempt")
    page.get_by_role("button", name="Submit for grading").click()
    confirm = page.get_by_role("dialog")
    expect(confirm.get_by_role("heading")).to_have_text("You left 1 unanswered: submit anyway?")
    audit("quiz-blank-answers")
    confirm.get_by_role("button", name="Submit anyway").click()
    result = page.get_by_role("region", name="Not passed")
    expect(result).to_contain_text("Score: 0 / 2 (0%) · Pass mark: 50%")
    expect(result).to_contain_text("You can try again now")
    audit("quiz-failed")
    result.get_by_role("button", name="Try again").click()

    # The second try passes.
    page.clock.install()
    expect(page.get_by_role("heading", name="Attempt 2")).to_be_visible()
    # Both answers are given within the autosave's delay (the page's clock stands
    # still meanwhile): the autosave must send both, not only the last one.
    page.clock.pause_at(datetime.now() + timedelta(minutes=5))
    page.get_by_role("group", name=re.compile("Question 1")).get_by_label("def").check()
    page.get_by_role("group", name=re.compile("Question 2")).get_by_label("True").check()
    page.clock.run_for(1000)
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    assert (
        Answer.objects.filter(attempt__quiz=quiz, attempt__user__email="grace@example.com", attempt__number=2).count()
        == 2
    )
    page.clock.resume()
    page.get_by_role("button", name="Submit for grading").click()
    expect(page.get_by_role("heading", name="Passed")).to_be_visible()
    expect(page.get_by_text("Score: 2 / 2 (100%)")).to_be_visible()
    expect(page.get_by_role("heading", name="Review")).to_be_visible()
    audit("quiz-result")

    # The result leads to the finish line, where the certificate shows up without a reload
    # once it is ready: its rendering is held back here, then done while the page is open.
    certificate = Certificate.objects.get(user__email="grace@example.com")
    Certificate.objects.filter(pk=certificate.pk).update(pdf="", rendered_at=None)
    page.get_by_role("link", name="Your certificate and what's next").click()
    expect(page.get_by_role("heading", name="You completed Python for Everyone", level=1)).to_be_visible()
    state = page.get_by_role("region", name="Your certificate")
    expect(state).to_contain_text("being prepared")
    audit("finish-line-preparing")
    page.evaluate("window.sameDocument = true")
    certificate_services.certificate_render(certificate_id=certificate.pk)
    expect(state).to_contain_text("Your certificate is ready.", timeout=15_000)
    assert page.evaluate("window.sameDocument") is True
    linkedin = state.get_by_role("link", name="Add to LinkedIn profile")
    expect(linkedin).to_have_attribute(
        "href",
        re.compile(
            r"^https://www\.linkedin\.com/profile/add\?startTask=CERTIFICATION_NAME&name=Python\+for\+Everyone&"
        ),
    )
    expect(state.get_by_label(re.compile("^Verification link"))).to_have_value(
        re.compile(r"/certificates/[0-9A-Z]{16}/$")
    )
    expect(state.get_by_role("button", name="Copy")).to_be_visible()
    related = page.get_by_role("region", name="Keep learning")
    expect(related.locator(".course-card h3")).to_have_text(["Go in Practice"])  # same category, not taken
    audit("finish-line")

    # The dashboard lists the course as completed, and its certificate.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="No course in progress")).to_be_visible()
    completed = page.get_by_role("region", name="Completed")
    expect(completed.get_by_role("link", name="Python for Everyone")).to_be_visible()
    certificates = page.get_by_role("region", name="Certificates")
    expect(certificates).to_contain_text("Python for Everyone")
    code_link = certificates.get_by_role("link", name=re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$"))
    display_code = code_link.inner_text()
    audit("dashboard")

    # The PDF downloads, and it is the learner's certificate.
    with page.expect_download() as download_info:
        certificates.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"certificate-{display_code}.pdf"
    pdf = download.path().read_bytes()
    assert pdf.startswith(b"%PDF-")
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Grace Hopper" in text and "Python for Everyone" in text and display_code in text

    # Anyone can verify the code, logged out, as typed from paper (any case).
    verify_url = code_link.get_attribute("href")
    log_out(page)
    page.goto(verify_url)
    expect(page.get_by_role("heading", name="This certificate is valid")).to_be_visible()
    expect(page.locator("dl")).to_contain_text("Grace Hopper")
    expect(page.locator("dl")).to_contain_text("Python for Everyone")
    expect(page.locator("dl")).to_contain_text(display_code)
    audit("certificate-verification")
    page.goto(f"/certificates/{display_code.lower()}/")
    expect(page.get_by_role("heading", name="This certificate is valid")).to_be_visible()
    wrong = ("1" if display_code[0] != "1" else "2") + display_code[1:]
    response = page.goto(f"/certificates/{wrong}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="No certificate has this code")).to_be_visible()
    audit("certificate-not-found")
