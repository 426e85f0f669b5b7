"""Lesson attachments: an allow-list decided by the content, a size limit, random stored
names, and downloads that are always attachments, never rendered, and only for those who
may read the lesson."""

import io
import re
import zipfile
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile

from courses import services
from courses.models import Attachment
from courses.tests.factories import (
    PDF_BYTES,
    ROLES,
    AttachmentFactory,
    Cast,
    CourseFactory,
    LessonFactory,
    ModuleFactory,
)
from lms.exceptions import ApplicationError

pytestmark = pytest.mark.django_db

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def add(name: str, content: bytes, **kwargs) -> Attachment:
    return services.attachment_add(lesson=LessonFactory(), file=upload(name, content, **kwargs))


def refused(name: str, content: bytes, **kwargs) -> list[str]:
    before = Attachment.objects.count()
    with pytest.raises(ApplicationError) as exc:
        add(name, content, **kwargs)
    assert Attachment.objects.count() == before
    return exc.value.extra["errors"]["file"]


# --- the allow-list ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.pdf", PDF_BYTES),
        ("SCAN.PDF", PDF_BYTES),
        ("diagram.png", PNG_BYTES),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20),
        ("exercise.zip", _zip_bytes()),
        ("essay.docx", _zip_bytes()),
        ("readme.txt", b"Plain words, and a < b > c."),
        ("notes.md", "# Titre\n\nDes accents: é à ü".encode()),
        ("data.csv", b"name,score\nada,10\n"),
    ],
)
def test_allowed_types_with_matching_content_are_stored(name, content):
    attachment = add(name, content)
    assert attachment.size == len(content)
    assert attachment.original_name == name
    with attachment.file.open("rb") as stored:
        assert stored.read() == content


def test_a_long_utf8_text_is_accepted_wherever_its_characters_fall():
    # Only the head of a file is inspected: a character cut in two there is not an error.
    text = ("a" + "é" * 3000).encode()
    assert add("notes.md", text).size == len(text)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", b"<html><body>hi</body></html>"),
        ("image.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>'),
        ("script.js", b"alert(1)"),
        ("tool.exe", b"MZ\x90\x00"),
        ("archive.tar", b"ustar"),
        ("no-extension", b"plain"),
        ("evil.pdf.html", b"%PDF-1.4 but really html"),
        ("evil.txt\x00.html", b"<html>"),
    ],
)
def test_types_outside_the_allow_list_are_refused(name, content):
    assert refused(name, content)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("invoice.pdf", b"<html><script>alert(1)</script></html>"),  # HTML wearing a PDF name
        ("photo.png", b"\xff\xd8\xff\xe0" + b"\x00" * 20),  # a JPEG is not a PNG
        ("slides.pptx", b"%PDF-1.4"),
        ("photo.jpg", b"GIF89a" + b"\x00" * 20),
        ("archive.zip", b"MZ\x90\x00 a Windows program"),
    ],
)
def test_content_that_does_not_match_the_extension_is_refused(name, content):
    assert refused(name, content, content_type="application/pdf")


def test_the_browsers_claimed_type_is_ignored():
    assert refused("x.pdf", b"<script>alert(1)</script>", content_type="application/pdf")


@pytest.mark.parametrize(
    "content",
    [
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        b"   \n<html><body onload=alert(1)></body></html>",
        b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
        b"<?xml version='1.0'?><svg/>",
        b"<script>alert(1)</script>",
        b"\xef\xbb\xbf<html><script>alert(1)</script></html>",  # behind a UTF-8 byte order mark
        b"<iframe src='https://evil.example/'></iframe>",
        b"<img src=x onerror=alert(1)>",
        b"<body onload=alert(1)>",
        b"<!-- a comment --><script>alert(1)</script>",
    ],
)
def test_html_or_svg_disguised_as_text_is_refused(content):
    assert refused("notes.txt", content)


@pytest.mark.parametrize("content", [PNG_BYTES, b"plain\x00with a NUL", b"\xff\xfe\x00\x00bad utf-8"])
def test_binary_content_in_a_text_file_is_refused(content):
    assert refused("notes.txt", content)


def test_a_polyglot_must_start_with_the_real_signature():
    # HTML first, a PDF header further in: browsers would sniff HTML, so it is refused.
    assert refused("paper.pdf", b"<html><script>alert(1)</script></html>\n%PDF-1.4\n")
    assert refused("paper.csv", b"<script>alert(1)</script>,%PDF-1.4\n")


def test_a_polyglot_that_passes_as_its_type_is_still_only_ever_a_download(client):
    # A real PNG header with HTML behind it is a valid PNG upload; what keeps it harmless is
    # that it is served as an opaque download, never rendered.
    course = CourseFactory(slug="c")
    lesson = LessonFactory(module=ModuleFactory(course=course), is_preview=True)
    attachment = services.attachment_add(
        lesson=lesson, file=upload("pic.png", PNG_BYTES + b"<html><script>alert(1)</script></html>")
    )
    response = client.get(f"/courses/c/lessons/{lesson.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(PNG_BYTES)


def test_files_over_the_size_limit_are_refused(settings):
    settings.COURSE_ATTACHMENT_MAX_BYTES = 1024
    assert add("ok.pdf", PDF_BYTES + b"x" * (1024 - len(PDF_BYTES)))
    assert refused("big.pdf", PDF_BYTES + b"x" * 1024)


def test_video_uploads_need_video_content(settings):
    module = ModuleFactory()
    mp4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 16
    lesson = services.lesson_create(
        module=module, data={"title": "V", "kind": "video", "video_file": upload("clip.mp4", mp4)}
    )
    assert re.fullmatch(r"videos/[0-9a-f]{32}\.mp4", lesson.video_file.name)
    with pytest.raises(ApplicationError) as exc:
        services.lesson_create(
            module=module, data={"title": "V", "kind": "video", "video_file": upload("clip.mp4", b"<html>")}
        )
    assert "video_file" in exc.value.extra["errors"]
    settings.COURSE_VIDEO_MAX_BYTES = 10
    with pytest.raises(ApplicationError):
        services.lesson_create(
            module=module, data={"title": "V", "kind": "video", "video_file": upload("big.mp4", mp4)}
        )


# --- stored names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../../../etc/cron.d/evil.txt",
        "..\\..\\windows\\evil.txt",
        "/absolute/path/evil.txt",
        "....//....//evil.txt",
        "%2e%2e%2fevil.txt",
        "x" * 300 + ".txt",
    ],
)
def test_uploaded_names_never_choose_the_stored_path(name):
    attachment = add(name, b"just text")
    assert re.fullmatch(r"attachments/[0-9a-f]{32}\.txt", attachment.file.name)
    location = Path(storages["private"].location).resolve()
    stored = Path(attachment.file.path).resolve()
    assert stored.is_relative_to(location / "attachments")
    assert stored.read_bytes() == b"just text"
    assert "/" not in attachment.original_name and len(attachment.original_name) <= 255


def test_two_uploads_with_the_same_name_never_overwrite_each_other():
    first = add("notes.txt", b"first")
    second = add("notes.txt", b"second")
    assert first.file.name != second.file.name
    with first.file.open("rb") as stored:
        assert stored.read() == b"first"


def test_attachments_live_in_the_private_storage_outside_the_public_media_folder():
    attachment = add("notes.pdf", PDF_BYTES)
    private = storages["private"]
    assert attachment.file.storage.location == private.location
    assert not Path(attachment.file.path).resolve().is_relative_to(Path(storages["default"].location).resolve())


# --- downloads -----------------------------------------------------------------------------


@pytest.fixture
def cast():
    return Cast()


@pytest.fixture
def files(cast):
    course = CourseFactory(slug="c", instructors=[cast.owner])
    module = ModuleFactory(course=course)
    locked = LessonFactory(module=module, is_preview=False)
    preview = LessonFactory(module=module, is_preview=True)
    return {
        "locked": (locked, AttachmentFactory(lesson=locked, title='Answers <b>&</b> "keys"')),
        "preview": (preview, AttachmentFactory(lesson=preview, title="Syllabus")),
    }


def _page_url(lesson, attachment) -> str:
    return f"/courses/{lesson.course.slug}/lessons/{lesson.pk}/attachments/{attachment.pk}/"


def _api_url(lesson, attachment) -> str:
    return f"/api/v1/lessons/{lesson.pk}/attachments/{attachment.pk}/"


def _assert_download(response, content: bytes) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert re.search(r'filename="[A-Za-z0-9._ -]+\.pdf"', disposition), disposition
    assert "private" in response["Cache-Control"]
    # Reading the stream to its end closes the file (closing the response by hand would
    # also signal the end of a request, which closes the test's database connection).
    assert b"".join(response.streaming_content) == content


@pytest.mark.parametrize(
    ("role", "page", "api"),
    [
        ("anonymous", 404, 403),
        ("learner", 404, 403),
        ("other_instructor", 404, 403),
        ("owner", 200, 200),
        ("staff", 200, 200),
    ],
)
def test_a_locked_lessons_files_are_for_its_readers_only(client, api_client, cast, files, role, page, api):
    lesson, attachment = files["locked"]
    user = cast[role]
    if user is not None:
        client.force_login(user)
        api_client.force_authenticate(user)
    page_response = client.get(_page_url(lesson, attachment))
    api_response = api_client.get(_api_url(lesson, attachment))
    assert (page_response.status_code, api_response.status_code) == (page, api)
    if page == 200:
        _assert_download(page_response, PDF_BYTES)
        _assert_download(api_response, PDF_BYTES)
    else:
        assert PDF_BYTES not in page_response.content
        assert PDF_BYTES not in api_response.content


@pytest.mark.parametrize("role", ROLES)
def test_a_preview_lessons_files_are_for_everyone(client, cast, files, role):
    lesson, attachment = files["preview"]
    if cast[role] is not None:
        client.force_login(cast[role])
    _assert_download(client.get(_page_url(lesson, attachment)), PDF_BYTES)


def test_a_file_is_not_reachable_through_another_lesson(client, cast, files):
    _, secret = files["locked"]
    preview, _ = files["preview"]
    assert client.get(_page_url(preview, secret)).status_code == 404
    assert client.get(f"/api/v1/lessons/{preview.pk}/attachments/{secret.pk}/").status_code == 404


def test_a_draft_courses_files_are_404_even_for_a_preview_lesson(client, cast):
    course = CourseFactory(slug="d", draft=True, instructors=[cast.owner])
    lesson = LessonFactory(module=ModuleFactory(course=course), is_preview=True)
    attachment = AttachmentFactory(lesson=lesson)
    assert client.get(_page_url(lesson, attachment)).status_code == 404
    client.force_login(cast.owner)
    _assert_download(client.get(_page_url(lesson, attachment)), PDF_BYTES)


def test_the_download_name_is_safe_whatever_the_title(client, files):
    lesson, attachment = files["preview"]
    attachment.title = 'x"; filename="evil.html\r\nSet-Cookie: a=b'
    attachment.save()
    response = client.get(_page_url(lesson, attachment))
    disposition = response["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert "Set-Cookie" not in response
    assert re.fullmatch(r'attachment; filename="[A-Za-z0-9._ -]+\.pdf"', disposition), disposition
    assert b"".join(response.streaming_content) == PDF_BYTES
