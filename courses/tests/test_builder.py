"""The course builder's server side: the tree, each change through courses.services, the
scope, what a refused change shows; the Markdown preview and images placed in a lesson's
text."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.tests.factories import UserFactory
from courses import services
from courses.models import Attachment, Course, Lesson, Module
from courses.tests.factories import CourseFactory, InstructorFactory, LessonFactory, ModuleFactory
from enrollments import services as enrollment_services
from quizzes.models import Quiz

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf000000030101001a05c2e20000000049454e44ae426082"
)


@pytest.fixture
def owner():
    return InstructorFactory()


@pytest.fixture
def course(owner):
    course = CourseFactory(status="published", slug="built")
    course.instructors.add(owner)
    module = ModuleFactory(course=course, title="Basics", position=1)
    LessonFactory(module=module, title="Intro", position=1)
    LessonFactory(module=module, title="Next", position=2)
    return course


@pytest.fixture
def builder(client, owner, course):
    client.force_login(owner)
    return reverse("admin:courses_course_builder", args=[course.pk])


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_tree_shows_modules_lessons_and_quizzes_in_outline_order(client, builder, course):
    lesson = Lesson.objects.get(title="Intro")
    Quiz.objects.create(lesson=lesson, title="Intro check")
    Quiz.objects.create(module=course.modules.get(), title="Module test")
    page = client.get(builder).content.decode()
    order = [page.index(text) for text in ("Basics", "Intro", "Intro check", "Next", "Module test", "New module")]
    assert order == sorted(order)
    assert reverse("admin:courses_lesson_change", args=[lesson.pk]) in page
    assert f"/courses/built/lessons/{lesson.pk}/" in page  # view as a learner
    assert reverse("module-lesson-order", kwargs={"module_id": lesson.module_id}) in page


def test_the_tree_is_read_in_a_fixed_number_of_queries(client, builder, course, django_assert_max_num_queries):
    module = course.modules.get()
    for i in range(20):
        LessonFactory(module=module, title=f"More {i}", position=10 + i)
    client.get(builder)  # the outline is kept per catalog version
    with django_assert_max_num_queries(12):
        assert client.get(builder).status_code == 200


@pytest.mark.parametrize("who", ["other_instructor", "learner"])
def test_the_builder_of_a_course_one_does_not_teach_does_not_exist(client, course, who):
    client.force_login(InstructorFactory() if who == "other_instructor" else UserFactory())
    response = client.get(reverse("admin:courses_course_builder", args=[course.pk]))
    assert response.status_code in (404, 302)  # a learner is sent to the admin's login
    response = client.post(
        reverse("admin:courses_course_builder", args=[course.pk]), {"do": "add_module", "title": "Mine"}
    )
    assert response.status_code in (404, 302)
    assert not Module.objects.filter(title="Mine").exists()


def test_a_new_course_opens_in_the_builder(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("admin:courses_course_add"),
        {"title": "Fresh", "slug": "fresh", "level": "beginner", "language": "en", "_save": "Save",
         "modules-TOTAL_FORMS": 0, "modules-INITIAL_FORMS": 0},
    )  # fmt: skip
    course = Course.objects.get(slug="fresh")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:courses_course_builder", args=[course.pk])


def test_a_module_and_lessons_of_each_kind_are_added_in_one_step(client, builder, course):
    client.post(builder, {"do": "add_module", "title": "Week two"})
    module = course.modules.get(title="Week two")
    client.post(builder, {"do": "add_lesson", "module": module.pk, "title": "Read", "kind": "text"})
    client.post(
        builder,
        {"do": "add_lesson", "module": module.pk, "title": "Slides", "kind": "file",
         "file": SimpleUploadedFile("slides.pdf", b"%PDF-1.4\n", content_type="application/pdf")},
    )  # fmt: skip
    client.post(
        builder,
        {"do": "add_lesson", "module": module.pk, "title": "Watch", "kind": "video",
         "video_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ"},
    )  # fmt: skip
    lessons = list(module.lessons.order_by("position"))
    assert [(ls.title, ls.kind, ls.position) for ls in lessons] == [
        ("Read", "text", 1), ("Slides", "file", 2), ("Watch", "video", 3),
    ]  # fmt: skip
    assert lessons[1].attachments.get().original_name == "slides.pdf"
    assert lessons[2].video_embed_url


@pytest.mark.parametrize(
    "fields, error",
    [
        ({"kind": "file"}, "A file lesson needs its file."),
        ({"kind": "video"}, "A video lesson needs a video link or an uploaded video."),
        ({"kind": "video", "video_url": "https://example.com/clip"}, "YouTube"),
        ({"kind": "file", "file": SimpleUploadedFile("x.exe", b"MZ\x90\x00")}, "This file type is not allowed"),
        ({"kind": "file", "file": SimpleUploadedFile("x.pdf", b"not a pdf")}, "does not match its type"),
        ({"kind": "text", "title": ""}, "This field is required."),
        ({"kind": "sound"}, "Select a valid choice."),
    ],
)
def test_a_refused_lesson_shows_why_and_keeps_what_was_typed(client, builder, course, fields, error):
    module = course.modules.get()
    body = {"do": "add_lesson", "module": module.pk, "title": "Kept title", **fields}
    response = client.post(builder, body)
    assert response.status_code == 200
    page = response.content.decode()
    assert error in page
    if body["title"]:
        assert 'value="Kept title"' in page
    assert module.lessons.count() == 2
    assert not Attachment.objects.exists()


def test_a_lesson_is_duplicated_right_after_itself_with_its_files(client, builder, course):
    intro = Lesson.objects.get(title="Intro")
    services.attachment_add(lesson=intro, file=SimpleUploadedFile("a.txt", b"notes"))
    client.post(builder, {"do": "duplicate_lesson", "lesson": intro.pk})
    titles = list(course.modules.get().lessons.order_by("position").values_list("title", flat=True))
    assert titles == ["Intro", "Intro (copy)", "Next"]
    copy = Lesson.objects.get(title="Intro (copy)")
    assert copy.attachments.get().file.name == intro.attachments.get().file.name  # the stored file shared


def test_a_duplicated_lesson_shows_its_own_copy_of_each_pasted_image(course):
    intro = Lesson.objects.get(title="Intro")
    _image, markdown = services.lesson_image_add(lesson=intro, image=SimpleUploadedFile("shape.png", PNG))
    intro.body = f"Look:\n\n{markdown}"
    intro.save()
    copy = services.lesson_duplicate(lesson=intro)
    copied = copy.attachments.get()
    assert copied.is_inline
    assert f"/lessons/{copy.pk}/attachments/{copied.pk}/" in copy.body
    assert f"/lessons/{intro.pk}/" not in copy.body


def test_deleting_a_lesson_or_module_a_quiz_hangs_on_is_refused_with_the_reason(client, builder, course):
    lesson = Lesson.objects.get(title="Intro")
    Quiz.objects.create(lesson=lesson, title="Check")
    response = client.post(builder, {"do": "delete_lesson", "lesson": lesson.pk}, follow=True)
    assert any("quizzes" in m for m in _messages(response))
    response = client.post(builder, {"do": "delete_module", "module": lesson.module_id}, follow=True)
    assert any("quizzes" in m for m in _messages(response))
    assert Lesson.objects.filter(pk=lesson.pk).exists()
    other = Lesson.objects.get(title="Next")
    client.post(builder, {"delete_lesson": other.pk})  # as the row's button sends it
    assert not Lesson.objects.filter(pk=other.pk).exists()


def test_a_lesson_of_another_course_is_never_changed_through_this_builder(client, builder, owner):
    elsewhere = CourseFactory()
    elsewhere.instructors.add(owner)
    stranger = LessonFactory(module=ModuleFactory(course=elsewhere))
    response = client.post(builder, {"do": "delete_lesson", "lesson": stranger.pk}, follow=True)
    assert Lesson.objects.filter(pk=stranger.pk).exists()
    assert any("no longer in this course" in m for m in _messages(response))
    response = client.post(
        builder, {"do": "add_lesson", "module": stranger.module_id, "title": "Sneaky", "kind": "text"}
    )
    assert not Lesson.objects.filter(title="Sneaky").exists()


@pytest.mark.parametrize("value", ["x", "", "1e9", "\x00"])
def test_odd_ids_are_refused_without_an_error_page(client, builder, value):
    for do, name in (("delete_lesson", "lesson"), ("duplicate_lesson", "lesson"), ("delete_module", "module")):
        assert client.post(builder, {"do": do, name: value}).status_code == 302
    assert client.post(builder, {"do": "add_lesson", "module": value, "title": "t", "kind": "text"}).status_code == 200


def test_the_markdown_preview_renders_as_the_learner_page_does(client, builder):
    url = reverse("admin:courses_markdown_preview")
    response = client.post(url, {"text": "**bold** <script>alert(1)</script><img src=x onerror=alert(1)>\x00"})
    assert response.status_code == 200
    html = response.json()["html"]
    assert "<strong>bold</strong>" in html
    assert "script" not in html and "onerror" not in html
    assert "no-store" in response["Cache-Control"]
    assert client.get(url).status_code == 405
    assert client.post(url, {"text": "a" * 200_001}).status_code == 400


def test_the_markdown_preview_is_for_the_admin_s_users_only(client):
    client.force_login(UserFactory())
    response = client.post(reverse("admin:courses_markdown_preview"), {"text": "hi"})
    assert response.status_code == 302  # to the admin's login


def test_an_image_placed_in_a_lesson_is_served_inline_to_its_readers_only(client, owner, course):
    lesson = Lesson.objects.get(title="Intro")
    client.force_login(owner)
    url = reverse("admin:courses_lesson_image", args=[lesson.pk])
    response = client.post(url, {"image": SimpleUploadedFile("my diagram (v2).png", PNG, content_type="image/png")})
    assert response.status_code == 201, response.content
    image = Attachment.objects.get(lesson=lesson)
    assert image.is_inline
    path = f"/courses/built/lessons/{lesson.pk}/attachments/{image.pk}/"
    assert response.json()["markdown"] == f"![my diagram v2]({path})"

    learner = UserFactory()
    enrollment_services.enrollment_create(user=learner, course=course)
    client.force_login(learner)
    served = client.get(path)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["Content-Disposition"].startswith("inline")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == PNG
    page = client.get(f"/courses/built/lessons/{lesson.pk}/").content.decode()
    assert "my diagram (v2).png" not in page  # not among the downloads
    api = client.get(f"/api/v1/lessons/{lesson.pk}/").json()
    assert api["attachments"] == []

    client.force_login(UserFactory())  # not enrolled
    assert client.get(path).status_code == 404


def test_an_image_placed_before_the_course_was_renamed_still_shows(client, owner, course):
    lesson = Lesson.objects.get(title="Intro")
    client.force_login(owner)
    upload = SimpleUploadedFile("d.png", PNG, content_type="image/png")
    written = client.post(reverse("admin:courses_lesson_image", args=[lesson.pk]), {"image": upload}).json()
    old_path = written["markdown"].split("(", 1)[1].rstrip(")")
    course.slug = "built-renamed"
    course.save()
    learner = UserFactory()
    enrollment_services.enrollment_create(user=learner, course=course)
    client.force_login(learner)
    moved = client.get(old_path)
    assert moved.status_code == 302 and moved["Location"].startswith("/courses/built-renamed/")
    assert client.get(moved["Location"]).status_code == 200
    client.force_login(UserFactory())  # not enrolled: nothing, not even where it went
    assert client.get(old_path).status_code == 404


@pytest.mark.parametrize(
    "upload, status",
    [
        (SimpleUploadedFile("fake.png", b"<svg onload=alert(1)>"), 400),
        (SimpleUploadedFile("drawing.svg", b"<svg></svg>"), 400),
        (SimpleUploadedFile("notes.txt", b"text"), 400),
        (None, 400),
    ],
)
def test_only_real_png_or_jpeg_images_are_kept(client, owner, course, upload, status):
    client.force_login(owner)
    lesson = Lesson.objects.get(title="Intro")
    body = {"image": upload} if upload else {}
    response = client.post(reverse("admin:courses_lesson_image", args=[lesson.pk]), body)
    assert response.status_code == status
    assert response.json()["detail"]
    assert not Attachment.objects.exists()


def test_another_instructor_cannot_place_an_image_in_this_lesson(client, course):
    client.force_login(InstructorFactory())
    lesson = Lesson.objects.get(title="Intro")
    response = client.post(
        reverse("admin:courses_lesson_image", args=[lesson.pk]), {"image": SimpleUploadedFile("a.png", PNG)}
    )
    assert response.status_code == 404
    assert not Attachment.objects.exists()


def test_a_lesson_s_own_address_is_its_learner_page(course):
    lesson = Lesson.objects.get(title="Intro")
    assert lesson.get_absolute_url() == f"/courses/built/lessons/{lesson.pk}/"
