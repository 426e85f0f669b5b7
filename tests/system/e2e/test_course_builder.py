"""The course builder in a real browser, as a new instructor uses it: a 2-module, 3-lesson
course with 2 files in at most 8 clicks and submits, a 5-question quiz in at most 7, order
changed by dragging and by the keyboard without a reload (and kept), a live Markdown
preview, and an image pasted into a lesson's text that its learners then see."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from courses.models import Attachment, Course, Lesson
from quizzes.models import Question, Quiz
from tests.system.e2e import data

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# The smallest PNG there is: one pixel.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf000000030101001a05c2e20000000049454e44ae426082"
)


class Counter:
    """Clicks and submits, counted as a person makes them: a click on a button or a
    chooser, a choice in a list, Enter in a field."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def click(self, locator):
        self.count += 1
        locator.click()

    def enter(self, locator):
        self.count += 1
        locator.press("Enter")

    def choose(self, locator, value):
        self.count += 1
        locator.select_option(value)

    def pick_file(self, locator, path):
        self.count += 1
        locator.set_input_files(str(path))


def _log_in(page, user) -> None:
    page.goto("/admin/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(data.PASSWORD)
    page.get_by_role("button", name=re.compile("^Log in")).click()


def _module(page, title):
    return page.locator("li.builder-module", has=page.get_by_role("heading", name=title))


def test_a_course_of_two_modules_three_lessons_and_two_files_takes_eight_clicks(new_page, audit, tmp_path):
    teacher = data.instructor()
    syllabus, notes = tmp_path / "syllabus.pdf", tmp_path / "notes.txt"
    syllabus.write_bytes(b"%PDF-1.4\n% the syllabus\n")
    notes.write_text("Read chapter one.\n")
    page = new_page(viewport={"width": 1366, "height": 900})
    _log_in(page, teacher)
    page.goto("/admin/courses/course/add/")
    count = Counter(page)

    page.get_by_label("Title").first.fill("Built in the browser")
    count.click(page.locator("button[name=_save]"))
    expect(page.get_by_role("heading", name="Built in the browser")).to_be_visible()
    for title in ("Week one", "Week two"):
        page.get_by_label("New module").fill(title)
        count.enter(page.get_by_label("New module"))
        expect(_module(page, title)).to_be_visible()
    for module, title, upload in (
        ("Week one", "Welcome", None),
        ("Week one", "Syllabus", syllabus),
        ("Week two", "Reading", notes),
    ):
        form = _module(page, module).locator("form.builder-add-lesson")
        form.get_by_label("New lesson").fill(title)
        if upload:
            count.pick_file(form.get_by_label("File or video"), upload)
            expect(form.get_by_label("Kind")).to_have_value("file")  # a file makes a file lesson
        count.click(form.get_by_role("button", name="Add lesson"))
        expect(page.locator(".builder-lesson", has_text=title)).to_be_visible()

    assert count.count <= 8, count.count
    course = Course.objects.get(title="Built in the browser")
    assert teacher in course.instructors.all()
    lessons = {lesson.title: lesson for lesson in Lesson.objects.filter(course=course)}
    assert [m.title for m in course.modules.order_by("position")] == ["Week one", "Week two"]
    assert (lessons["Welcome"].kind, lessons["Syllabus"].kind, lessons["Reading"].kind) == ("text", "file", "file")
    assert sorted(Attachment.objects.filter(lesson__course=course).values_list("original_name", flat=True)) == [
        "notes.txt", "syllabus.pdf",
    ]  # fmt: skip
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    audit("course-builder", page=page)

    # Order, without a reload: the keyboard's arrows, then dragging by the handle.
    page.evaluate("window.__sameDocument = true")
    first = _module(page, "Week one")
    first.get_by_role("button", name="Move lesson “Syllabus” up").click()
    expect(page.locator("#builder-status")).to_contain_text("Syllabus")
    expect(first.get_by_role("button", name="Move lesson “Syllabus” up")).to_be_focused()
    page.wait_for_function("() => !document.querySelector('#builder-status').textContent.includes('…')")
    assert list(Lesson.objects.filter(module__title="Week one").order_by("position").values_list("title", flat=True)) == [
        "Syllabus", "Welcome",
    ]  # fmt: skip
    handles = page.locator("li.builder-module > .builder-module-head .builder-handle")
    handles.nth(1).drag_to(
        page.locator("li.builder-module").nth(0).locator(".builder-module-head"), target_position={"x": 200, "y": 2}
    )
    page.wait_for_function(
        "() => document.querySelector('#builder-status').textContent.includes('Week two')"
        " && !document.querySelector('#builder-status').textContent.includes('…')"
    )
    assert page.evaluate("window.__sameDocument") is True  # no reload
    assert list(course.modules.order_by("position").values_list("title", flat=True)) == ["Week two", "Week one"]
    page.reload()
    expect(page.locator("li.builder-module h2").first).to_have_text("Week two")

    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    audit("course-builder-phone", page=page)


def test_a_five_question_quiz_takes_seven_clicks_with_only_each_kind_s_fields(new_page, audit):
    teacher = data.instructor()
    course = data.course(title="Quizzed", modules=[("Basics", ["Intro"])], teacher=teacher)
    page = new_page(viewport={"width": 1366, "height": 900})
    _log_in(page, teacher)
    page.goto(f"/admin/courses/course/{course.pk}/builder/")
    count = Counter(page)

    page.get_by_label("New quiz").fill("Check the basics")
    count.enter(page.get_by_label("New quiz"))
    expect(page.get_by_role("heading", name="Check the basics")).to_be_visible()
    form = page.locator("form.builder-add-question")
    expect(form.get_by_label("Choices")).to_be_visible()
    expect(form.get_by_label("Correct value")).to_be_hidden()  # single choice: no numeric key
    questions = [
        ("single", "2 + 2?", "3\n*4\n5"),
        ("multiple", "Which are even?", "*2\n*4\n5"),
        ("single", "Capital of France?", "*Paris\nLyon"),
        ("single", "Python is…", "*a language\nonly a snake"),
        ("single", "1 + 1?", "*2\n3"),
    ]
    for kind, prompt, choices in questions:
        if kind != "single":
            count.choose(form.get_by_label("Kind"), kind)
        form.get_by_label("Question (Markdown)").fill(prompt)
        form.get_by_label("Choices").fill(choices)
        count.click(form.get_by_role("button", name="Add question"))
        expect(page.locator(".builder-questions > li", has_text=prompt)).to_be_visible()

    assert count.count <= 7, count.count
    quiz = Quiz.objects.get(title="Check the basics")
    saved = list(quiz.questions.order_by("position").prefetch_related("choices"))
    assert [q.prompt for q in saved] == [q[1] for q in questions]
    assert [[c.text for c in q.choices.all() if c.is_correct] for q in saved] == [
        ["4"],
        ["2", "4"],
        ["Paris"],
        ["a language"],
        ["2"],
    ]

    # A numeric question shows its value and tolerance, not choices; a wrong key is
    # refused with what was typed kept.
    form.get_by_label("Kind").select_option("numeric")
    expect(form.get_by_label("Choices")).to_be_hidden()
    expect(form.get_by_label("Correct value")).to_be_visible()
    form.get_by_label("Question (Markdown)").fill("Pi to two places?")
    form.get_by_role("button", name="Add question").click()
    expect(page.get_by_text("A numeric question needs its correct value.")).to_be_visible()
    expect(page.locator("form.builder-add-question").get_by_label("Question (Markdown)")).to_have_value(
        "Pi to two places?"
    )
    assert Question.objects.filter(quiz=quiz).count() == 5
    audit("quiz-builder", page=page)


def test_the_lesson_text_previews_live_and_a_pasted_image_reaches_its_learners(new_page, audit):
    teacher = data.instructor()
    course = data.course(title="Pictures", modules=[("One", ["Drawn"])], teacher=teacher)
    lesson = Lesson.objects.get(course=course)
    page = new_page(viewport={"width": 1366, "height": 900})
    _log_in(page, teacher)
    page.goto(f"/admin/courses/lesson/{lesson.pk}/change/")
    body = page.locator("textarea[name=body]")
    body.fill("## Shapes\n\nA *circle*.<script>alert(1)</script>")
    preview = page.locator(".markdown-preview[data-preview-of=body]")
    expect(preview.locator("em")).to_have_text("circle")
    assert preview.locator("script").count() == 0  # the learner pages' sanitiser
    body.press("End")
    page.evaluate(
        """(bytes) => {
            const box = document.querySelector('textarea[name=body]');
            const data = new DataTransfer();
            data.items.add(new File([new Uint8Array(bytes)], 'diagram.png', {type: 'image/png'}));
            box.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
        }""",
        list(PIXEL),
    )
    expect(body).to_have_value(re.compile(r"!\[diagram\]\(/courses/pictures/lessons/\d+/attachments/\d+/\)"))
    expect(preview.locator("img")).to_have_count(1)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist, [role=alert], .bg-green-100").first).to_be_visible()
    image = Attachment.objects.get(lesson=lesson)
    assert image.is_inline
    assert "diagram" in Lesson.objects.get(pk=lesson.pk).body

    learner = data.enrolled_learner(course)
    reader = new_page(viewport={"width": 1366, "height": 900})
    reader.goto("/accounts/login/")
    reader.get_by_label("Email").fill(learner.email)
    reader.get_by_label("Password").fill(data.PASSWORD)
    reader.get_by_role("button", name="Log in").click()
    reader.goto(f"/courses/{course.slug}/lessons/{lesson.pk}/")
    shown = reader.locator("article img, .lesson-body img").first
    expect(shown).to_be_visible()
    assert reader.evaluate("(img) => img.naturalWidth", shown.element_handle()) == 1
    expect(reader.get_by_text("diagram.png")).to_have_count(0)  # not listed among the downloads
    # Someone not enrolled does not get it.
    stranger = new_page()
    response = stranger.request.get(f"/courses/{course.slug}/lessons/{lesson.pk}/attachments/{image.pk}/")
    assert response.status == 404


def test_quick_moves_are_saved_one_after_the_other_and_a_cancelled_drag_saves_nothing(new_page):
    teacher = data.instructor()
    course = data.course(title="Quick moves", modules=[("Week", ["Alpha", "Beta", "Gamma"])], teacher=teacher)
    page = new_page(viewport={"width": 1366, "height": 900})
    _log_in(page, teacher)
    page.goto(f"/admin/courses/course/{course.pk}/builder/")
    held = []
    page.route("**/lessons/order/", lambda route: held.append(route))
    page.get_by_role("button", name="Move lesson “Alpha” down").click()
    page.get_by_role("button", name="Move lesson “Alpha” down").click()
    page.wait_for_timeout(400)
    assert len(held) == 1  # the second move waits for the first to be saved
    held[0].continue_()
    page.wait_for_function("() => document.querySelector('#builder-status').textContent.includes('2 / 3')")
    for _ in range(30):
        if len(held) == 2:
            break
        page.wait_for_timeout(100)
    held[1].continue_()
    page.wait_for_function("() => document.querySelector('#builder-status').textContent.includes('3 / 3')")
    titles = lambda: list(  # noqa: E731
        Lesson.objects.filter(course=course).order_by("position").values_list("title", flat=True)
    )
    assert titles() == ["Beta", "Gamma", "Alpha"]
    page.unroute("**/lessons/order/")

    # A drag let go outside the list is cancelled: the rows go back and nothing is sent.
    sent = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "PUT" else None)
    order = "rows => rows.map(r => r.dataset.title)"
    page.locator("li[data-title='Beta'] .builder-handle").hover()
    page.mouse.down()
    alpha = page.locator("li[data-title='Alpha']").bounding_box()
    page.mouse.move(alpha["x"] + 200, alpha["y"] + alpha["height"] - 4, steps=8)
    assert page.locator("li.builder-lesson").evaluate_all(order) == ["Gamma", "Alpha", "Beta"]  # moving
    page.mouse.move(5, 5, steps=8)  # out of the builder, and let go there
    page.mouse.up()
    page.wait_for_timeout(300)
    assert page.locator("li.builder-lesson").evaluate_all(order) == ["Beta", "Gamma", "Alpha"]
    assert sent == [] and titles() == ["Beta", "Gamma", "Alpha"]
