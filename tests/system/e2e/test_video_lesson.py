"""Journey, in a real browser: an uploaded video resumes where the learner stopped, and its
lesson completes once 90 % has been watched, counted by the server from what the player
reported (no "mark as complete" for it). The video is the demo's (courses/demo_media/),
a 20-second WebM that Chromium plays; it plays muted at double speed to keep the test short
(the fastest the server counts)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files import File
from playwright.sync_api import expect

from courses import services as course_services
from enrollments.models import LessonProgress
from tests.system.e2e import data
from tests.system.e2e.support import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DEMO_VIDEO = Path(__file__).resolve().parents[3] / "courses" / "demo_media" / "first-program.webm"


def _video(page, script: str):
    return page.evaluate(f"(() => {{ const v = document.querySelector('video'); {script} }})()")


def test_an_uploaded_video_resumes_and_completes_its_lesson_once_mostly_watched(page, audit):
    course = data.course(title="Watch and Learn", modules=[("Films", ["Notes"])])
    with DEMO_VIDEO.open("rb") as handle:
        lesson = course_services.lesson_create(
            module=course.modules.get(),
            data={"title": "The film", "kind": "video", "video_file": File(handle, name="film.webm")},
        )
    learner = data.enrolled_learner(course)
    log_in(page, learner.email, data.PASSWORD)
    page.goto(f"/courses/{course.slug}/lessons/{lesson.pk}/")
    expect(page.get_by_role("heading", name="The film", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Mark as complete")).to_have_count(0)
    page.wait_for_function("document.querySelector('video').readyState >= 1")
    audit("video-lesson")

    # A third of it, then a pause: the position is saved.
    _video(page, "v.muted = true; v.playbackRate = 2; return v.play();")
    page.wait_for_function("document.querySelector('video').currentTime >= 6")
    _video(page, "v.pause();")
    expect(page.locator(".video-watched")).to_have_text(re.compile(r"^Watched: (2[5-9]|3\d|4\d)%$"))
    saved = LessonProgress.objects.get(lesson=lesson).video_position
    assert saved >= 6

    # Back later: the video starts where they stopped.
    page.reload()
    page.wait_for_function("document.querySelector('video').readyState >= 1")
    page.wait_for_function(f"Math.abs(document.querySelector('video').currentTime - {saved}) < 1")

    # They watch the rest: the lesson completes without a reload, and the page moves on.
    page.evaluate("window.sameDocument = true")
    _video(page, "v.muted = true; v.playbackRate = 2; return v.play();")
    expect(page.get_by_text("You completed this lesson.")).to_be_visible(timeout=20_000)
    expect(
        page.get_by_role("navigation", name="Course outline").get_by_role("listitem").filter(has_text="The film")
    ).to_contain_text("(done)")
    assert page.evaluate("window.sameDocument") is True
    assert LessonProgress.objects.get(lesson=lesson).completed_at is not None
    audit("video-lesson-done")
