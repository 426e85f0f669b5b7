"""Journey 3, in a real browser: an instructor builds a course in the admin (a module, a
lesson, a quiz with a question and its choices), publishes it, and visitors find it in
the catalog. The admin is Django's with django-unfold's look (its markup and scripts: the
slug filled from the title, "Add another" rows); the catalog pages are the product's."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from courses.models import Category, Course
from tests.system.e2e import data

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _saved(page) -> None:
    expect(page.get_by_text(re.compile(r"was (added|changed) successfully"))).to_be_visible()
    expect(page.locator(".errornote, .errorlist")).to_have_count(0)


def _add_row(page, model: str) -> None:
    page.get_by_role("link", name=re.compile(f"Add another {model}$")).click()


def test_instructor_creates_and_publishes_a_course_in_the_admin_and_it_appears_in_the_catalog(page, new_page, audit):
    Category.objects.create(name="Programming", slug="programming")
    teacher = data.instructor(first_name="Ivan", last_name="Petrov")
    admin = page
    visitor = new_page()  # another browser context: not logged in

    # Log in to the admin.
    admin.goto("/admin/")
    admin.get_by_label("Email").fill(teacher.email)
    admin.get_by_label("Password").fill(data.PASSWORD)
    admin.get_by_role("button", name=re.compile("^Log in")).click()
    expect(admin.get_by_role("heading", name="Your teaching")).to_be_visible()

    # A course with one module; the slug is filled in from the title.
    admin.get_by_role("link", name="Create your first course").click()
    admin.get_by_role("textbox", name="Title*", exact=True).fill("Rust for Beginners")
    admin.keyboard.press("Tab")  # leaving the title fills the slug (Django's prepopulate)
    expect(admin.get_by_label("Slug")).to_have_value("rust-for-beginners")
    admin.get_by_label("Summary").fill("Ownership, borrowing and cargo, gently.")
    admin.get_by_label("Description (Markdown)").fill("## About\n\nA first course in **Rust**.")
    admin.get_by_label("Category").select_option(label="Programming")
    _add_row(admin, "Module")
    admin.locator("[name='modules-0-position']").fill("1")
    admin.locator("[name='modules-0-title']").fill("First steps")
    admin.get_by_role("button", name="Save and continue editing").click()
    _saved(admin)
    course = Course.objects.get(slug="rust-for-beginners")
    assert course.status == Course.Status.DRAFT
    assert list(course.instructors.all()) == [teacher]

    # Not in the catalog while it is a draft.
    visitor.goto("/courses/?q=rust")
    expect(visitor.get_by_role("heading", name="No course matches")).to_be_visible()

    # A lesson in the module, then its text.
    admin.get_by_role("link", name="Edit lessons").click()
    _add_row(admin, "Lesson")
    admin.locator("[name='lessons-0-position']").fill("1")
    admin.locator("[name='lessons-0-title']").fill("Hello, Rust")
    admin.locator("[name='lessons-0-kind']").select_option("text")
    admin.get_by_role("button", name="Save and continue editing").click()
    _saved(admin)
    admin.get_by_role("link", name="Edit content").click()
    admin.get_by_label("Body (Markdown)").fill("Every program starts at `fn main()`.")
    admin.get_by_role("button", name="Save", exact=True).click()
    _saved(admin)

    # A quiz on the lesson with one question, then the question's choices.
    admin.goto("/admin/quizzes/quiz/add/")
    admin.get_by_role("textbox", name="Title*", exact=True).fill("Rust check")
    admin.get_by_label("Lesson").select_option(label="Hello, Rust")
    admin.get_by_label("Pass mark (%)").fill("100")
    _add_row(admin, "Question")
    admin.locator("[name='questions-0-position']").fill("1")
    admin.locator("[name='questions-0-kind']").select_option("single")
    admin.locator("[name='questions-0-prompt']").fill("Which keyword declares a variable?")
    admin.get_by_role("button", name="Save and continue editing").click()
    _saved(admin)
    admin.get_by_role("link", name="Edit", exact=True).click()
    admin.locator("[name='choices-0-text']").fill("let")
    admin.locator("[name='choices-0-is_correct']").check()
    admin.locator("[name='choices-1-text']").fill("var")
    admin.get_by_role("button", name="Save", exact=True).click()
    _saved(admin)

    # Publish it from the course list.
    admin.goto("/admin/courses/course/")
    admin.get_by_role("row", name=re.compile("Rust for Beginners")).get_by_role("checkbox").check()
    admin.locator("select[name=action]").select_option(label="Publish the selected courses")
    admin.get_by_role("button", name="Run").click()
    expect(admin.get_by_text("1 course(s) updated.")).to_be_visible()
    expect(admin.get_by_role("row", name=re.compile("Rust for Beginners"))).to_contain_text("Published")

    # A visitor finds it in the catalog, with its syllabus and its quiz.
    visitor.goto("/courses/?q=rust")
    expect(visitor.locator(".course-card h3")).to_have_text(["Rust for Beginners"])
    expect(visitor.locator(".course-card")).to_contain_text("Programming")
    expect(visitor.locator(".course-card")).to_contain_text("Ivan Petrov")
    visitor.get_by_role("link", name="Rust for Beginners").click()
    expect(visitor.get_by_role("heading", name="Rust for Beginners", level=1)).to_be_visible()
    syllabus = visitor.get_by_role("region", name="Syllabus")
    expect(syllabus).to_contain_text("First steps")
    expect(syllabus).to_contain_text("Hello, Rust")
    audit("published-course", page=visitor)
    visitor.get_by_role("link", name="Rust check").click()
    expect(visitor.get_by_text("1 question", exact=True)).to_be_visible()
    expect(visitor.get_by_text("Pass mark: 100%")).to_be_visible()
    expect(visitor.get_by_role("link", name="Log in to take this quiz")).to_be_visible()


def _log_in(page, user) -> None:
    page.goto("/admin/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(data.PASSWORD)
    page.get_by_role("button", name=re.compile("^Log in")).click()
    expect(page.get_by_role("heading", name="Your teaching")).to_be_visible()


@pytest.mark.parametrize("width", [1366, 1024])
def test_the_course_and_quiz_pages_fit_a_laptop_screen_with_their_inlines(new_page, width):
    teacher = data.instructor()
    course = data.course(title="Wide Things", modules=[("One", ["A", "B"]), ("Two", ["C"])], teacher=teacher)
    quiz = data.quiz(lesson=course.lessons.order_by("id").first(), title="Wide check")
    data.single_choice(quiz, "Which one?", [("This", True), ("That", False)], position=1)
    page = new_page(viewport={"width": width, "height": 800})
    _log_in(page, teacher)
    for path in (f"/admin/courses/course/{course.pk}/change/", f"/admin/quizzes/quiz/{quiz.pk}/change/"):
        page.goto(path)
        expect(page.locator(".tabular").first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path


def test_a_video_lesson_added_from_the_inline_is_refused_on_its_row_with_what_was_typed_kept(page):
    teacher = data.instructor()
    course = data.course(title="Films", modules=[("Reels", ["Intro"])], teacher=teacher)
    _log_in(page, teacher)
    page.goto(f"/admin/courses/module/{course.modules.get().pk}/change/")
    _add_row(page, "Lesson")
    page.locator("[name='lessons-1-position']").fill("2")
    page.locator("[name='lessons-1-title']").fill("The trailer")
    page.locator("[name='lessons-1-kind']").select_option("video")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".errornote").first).to_be_visible()
    expect(page.get_by_text("A video lesson needs a video link or an uploaded video.")).to_be_visible()
    expect(page.locator("[name='lessons-1-title']")).to_have_value("The trailer")


def test_lessons_are_put_in_order_by_dragging_them_without_a_reload(page):
    teacher = data.instructor()
    course = data.course(title="Order", modules=[("Steps", ["First", "Second", "Third"])], teacher=teacher)
    module = course.modules.get()
    _log_in(page, teacher)
    page.goto(f"/admin/courses/module/{module.pk}/change/")
    page.evaluate("window.__notReloaded = true")
    rows = page.locator("#lessons-group tbody.original")
    expect(rows).to_have_count(3)
    third_handle = rows.nth(2).locator("[x-sort\\:handle]")
    third_handle.drag_to(rows.nth(0).locator("[x-sort\\:handle]"))
    assert page.evaluate("window.__notReloaded") is True  # the order changed in place
    page.get_by_role("button", name="Save and continue editing").click()
    _saved(page)
    titles = list(module.lessons.order_by("position", "id").values_list("title", flat=True))
    assert titles[0] == "Third", titles
    assert sorted(titles) == ["First", "Second", "Third"]
