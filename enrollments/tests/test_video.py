"""Uploaded videos: they resume where the learner stopped, and the lesson completes once
90 % has been watched, counted on the server from the positions the player reports."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.tests.factories import UserFactory
from courses.models import Course, Lesson, Module
from enrollments import services
from enrollments.models import Enrollment, LessonProgress
from lms.exceptions import ApplicationError, ConflictError

pytestmark = pytest.mark.django_db

VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 4  # 1,036 bytes that pass as MP4


@pytest.fixture
def lesson():
    course = Course.objects.create(title="Film", slug="film", status="published", published_at=timezone.now())
    module = Module.objects.create(course=course, title="M", position=1)
    lesson = Lesson(module=module, course=course, title="Watch", kind="video", position=1)
    lesson.video_file.save("watch.mp4", ContentFile(VIDEO), save=False)
    lesson.save()
    return lesson


@pytest.fixture
def learner(lesson):
    user = UserFactory()
    services.enrollment_create(user=user, course=lesson.course)
    return user


def _play(learner, lesson, *, start, seconds, duration=100.0, step=10.0, now=None):
    """Report positions every `step` seconds of play from `start`, with the clock moving
    as fast as the video."""
    now = now or timezone.now()
    done = None
    position = start
    while position <= start + seconds:
        done = services.video_progress_record(
            user=learner, lesson=lesson, position=position, duration=duration, now=now
        )
        position += step
        now += timedelta(seconds=step)
    return done, now


def test_watching_ninety_percent_of_the_video_completes_the_lesson_and_the_course(learner, lesson):
    done, _ = _play(learner, lesson, start=0, seconds=80)
    assert done.watched_share == pytest.approx(0.8) and not done.lesson_completed
    assert LessonProgress.objects.get().completed_at is None
    done, _ = _play(learner, lesson, start=0, seconds=90)
    assert done.lesson_completed and done.course_completed
    assert LessonProgress.objects.get().completed_at is not None
    assert Enrollment.objects.get().status == "completed"


def test_a_jump_ahead_is_resumed_from_but_not_counted_as_watched(learner, lesson):
    now = timezone.now()
    services.video_progress_record(user=learner, lesson=lesson, position=0, duration=100, now=now)
    done = services.video_progress_record(
        user=learner, lesson=lesson, position=95, duration=100, now=now + timedelta(seconds=10)
    )
    assert done.watched_share == 0 and not done.lesson_completed
    assert LessonProgress.objects.get().video_position == 95  # where it resumes


def test_playing_at_double_speed_counts_but_faster_does_not(learner, lesson):
    now = timezone.now()
    services.video_progress_record(user=learner, lesson=lesson, position=0, duration=100, now=now)
    done = services.video_progress_record(
        user=learner, lesson=lesson, position=20, duration=100, now=now + timedelta(seconds=10)
    )
    assert done.watched_share == pytest.approx(0.2)
    done = services.video_progress_record(
        user=learner, lesson=lesson, position=60, duration=100, now=now + timedelta(seconds=20)
    )
    assert done.watched_share == pytest.approx(0.2)  # 40 s of video in 10 s: not watched


def test_the_same_stretch_watched_or_reported_twice_counts_once(learner, lesson):
    start = timezone.now()
    _, later = _play(learner, lesson, start=0, seconds=50, now=start)
    done, _ = _play(learner, lesson, start=0, seconds=50, now=later + timedelta(minutes=1))  # watched again
    assert done.watched_share == pytest.approx(0.5)
    again = services.video_progress_record(user=learner, lesson=lesson, position=50, duration=100, now=later)
    assert again.watched_share == pytest.approx(0.5)


def test_a_shorter_length_reported_later_does_not_shrink_the_video(learner, lesson):
    _play(learner, lesson, start=0, seconds=30)
    done = services.video_progress_record(user=learner, lesson=lesson, position=30, duration=31)
    assert done.duration == 100 and done.watched_share == pytest.approx(0.3) and not done.lesson_completed


@pytest.mark.parametrize(
    ("position", "duration", "field"), [(-1, 100, "position"), (5, 0, "duration"), (5, 1e9, "duration")]
)
def test_impossible_positions_and_lengths_are_refused_with_the_field_named(learner, lesson, position, duration, field):
    with pytest.raises(ApplicationError) as refused:
        services.video_progress_record(user=learner, lesson=lesson, position=position, duration=duration)
    assert field in refused.value.extra["errors"]
    assert not LessonProgress.objects.exists()


def test_an_uploaded_video_lesson_cannot_be_marked_complete(learner, lesson, api_client, client):
    with pytest.raises(ConflictError):
        services.lesson_complete(user=learner, lesson=lesson)
    api_client.force_authenticate(learner)
    response = api_client.post(f"/api/v1/lessons/{lesson.pk}/complete/")
    assert response.status_code == 409 and response.json()["code"] == "watch_the_video"
    client.force_login(learner)
    page = client.get(f"/courses/film/lessons/{lesson.pk}/").content.decode()
    assert "Mark as complete" not in page and "once you have watched 90% of the video" in page


def test_the_api_counts_reports_and_refuses_bad_input(learner, lesson, api_client, time_machine):
    api_client.force_authenticate(learner)
    url = f"/api/v1/lessons/{lesson.pk}/video-progress/"
    time_machine.move_to(timezone.now(), tick=False)
    for second in range(0, 100, 10):
        response = api_client.post(url, {"position": second, "duration": 100}, format="json")
        assert response.status_code == 200, response.content
        time_machine.shift(10)
    assert response.json() == {
        "position": 90.0, "duration": 100.0, "watched_percent": 90, "lesson_completed": True, "course_completed": True,
    }  # fmt: skip
    for bad in ({"position": "NaN", "duration": 100}, {"position": 5}, {"position": [1], "duration": {"a": 1}}):
        response = api_client.post(url, bad, format="json")
        assert response.status_code == 400 and response.json()["errors"], bad


def test_the_lesson_page_resumes_where_the_learner_stopped(learner, lesson, client):
    _play(learner, lesson, start=0, seconds=40)
    client.force_login(learner)
    page = client.get(f"/courses/film/lessons/{lesson.pk}/").content.decode()
    assert 'data-resume="40.0"' in page and "Watched: 40%" in page
    assert f'src="/courses/film/lessons/{lesson.pk}/video/"' in page


def test_the_video_plays_by_byte_ranges_for_the_enrolled_only(learner, lesson, client):
    url = f"/courses/film/lessons/{lesson.pk}/video/"
    assert client.get(url).status_code == 404  # not signed in
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404  # not enrolled
    client.force_login(learner)
    whole = client.get(url)
    assert whole.status_code == 200 and whole["Content-Type"] == "video/mp4" and whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole.streaming_content) == VIDEO
    part = client.get(url, headers={"Range": "bytes=4-11"})
    assert part.status_code == 206 and part.content == VIDEO[4:12]
    assert part["Content-Range"] == f"bytes 4-11/{len(VIDEO)}"
    tail = client.get(url, headers={"Range": "bytes=-6"})
    assert tail.status_code == 206 and tail.content == VIDEO[-6:]
    beyond = client.get(url, headers={"Range": f"bytes={len(VIDEO)}-"})
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(VIDEO)}"
    assert whole["Cache-Control"] == "private, no-store" and whole["X-Content-Type-Options"] == "nosniff"


def test_a_video_report_runs_a_fixed_number_of_queries(learner, lesson, api_client, django_assert_max_num_queries):
    """The player reports every 10 seconds while a video plays: the request the learners'
    players send most. Lesson, the locked enrollment, the locked progress row (a savepoint
    for its get-or-create), its update, under the test's own transaction's savepoints."""
    api_client.force_authenticate(learner)
    url = f"/api/v1/lessons/{lesson.pk}/video-progress/"
    api_client.post(url, {"position": 0, "duration": 100}, format="json")  # the row exists from here
    with django_assert_max_num_queries(7):
        response = api_client.post(url, {"position": 5, "duration": 100}, format="json")
    assert response.status_code == 200
