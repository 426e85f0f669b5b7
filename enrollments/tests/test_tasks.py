"""Enrollment emails: the confirmation (once per enrollment) and the inactivity reminder
(at most once per period), inline and through a real Celery worker."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from courses.tests.factories import course_with_lessons
from enrollments import services, tasks
from enrollments.models import Enrollment
from enrollments.tests.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db


def test_the_confirmation_is_sent_once_even_if_the_task_runs_twice():
    enrollment = EnrollmentFactory(course=course_with_lessons(title="Data 101"))
    assert tasks.enrollment_confirmation_send.delay(enrollment.pk).get() is True
    assert tasks.enrollment_confirmation_send.delay(enrollment.pk).get() is False
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [enrollment.user.email]
    assert message.subject == "You are enrolled in Data 101"
    assert f"/courses/{enrollment.course.slug}/" in message.body
    enrollment.refresh_from_db()
    assert enrollment.confirmation_sent_at is not None


def test_the_confirmation_of_a_missing_enrollment_sends_nothing():
    assert tasks.enrollment_confirmation_send.delay(999_999).get() is False
    assert mail.outbox == []


def test_re_enrolling_after_a_drop_does_not_confirm_again(django_capture_on_commit_callbacks):
    course = course_with_lessons()
    learner = EnrollmentFactory(course=course).user
    enrollment = Enrollment.objects.get(user=learner)
    with django_capture_on_commit_callbacks(execute=True):
        services.enrollment_confirmation_send(enrollment_id=enrollment.pk)
        services.enrollment_drop(enrollment=enrollment)
        services.enrollment_create(user=learner, course=course)
    assert len(mail.outbox) == 1


@pytest.fixture
def reminder_days(settings):
    settings.ENROLLMENT_REMINDER_DAYS = 7
    return 7


def test_reminders_go_to_inactive_learners_once_per_period(reminder_days):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        idle = EnrollmentFactory(course=course_with_lessons(title="Idle Course"))
    with time_machine.travel(start + timedelta(days=6), tick=False):
        assert tasks.reminders_send.delay().get() == 0  # not inactive long enough yet
    with time_machine.travel(start + timedelta(days=8), tick=False):
        assert tasks.reminders_send.delay().get() == 1
        assert tasks.reminders_send.delay().get() == 0  # a second run the same day
    with time_machine.travel(start + timedelta(days=12), tick=False):
        assert tasks.reminders_send.delay().get() == 0  # still within the period
    with time_machine.travel(start + timedelta(days=16), tick=False):
        assert tasks.reminders_send.delay().get() == 1  # a new period, still inactive
    assert [m.to for m in mail.outbox] == [[idle.user.email]] * 2
    assert "Idle Course" in mail.outbox[0].subject


def test_reminders_skip_recently_active_completed_and_dropped_learners(reminder_days):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        active_again = EnrollmentFactory()
        completed = EnrollmentFactory(completed=True)
        dropped = EnrollmentFactory(dropped=True)
        idle = EnrollmentFactory()
    with time_machine.travel(start + timedelta(days=6), tick=False):
        Enrollment.objects.filter(pk=active_again.pk).update(last_activity_at=timezone.now())
    with time_machine.travel(start + timedelta(days=8), tick=False):
        assert tasks.reminders_send.delay().get() == 1
    assert [m.to for m in mail.outbox] == [[idle.user.email]]
    assert completed.user.email not in str([m.to for m in mail.outbox])
    assert dropped.user.email not in str([m.to for m in mail.outbox])


def test_visiting_a_lesson_counts_as_activity(reminder_days):
    course = course_with_lessons()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        enrollment = EnrollmentFactory(course=course)
    with time_machine.travel(start + timedelta(days=5), tick=False):
        services.lesson_visit(user=enrollment.user, lesson=course.lessons.first())
    with time_machine.travel(start + timedelta(days=8), tick=False):
        assert services.reminders_send() == 0
    with time_machine.travel(start + timedelta(days=13), tick=False):
        assert services.reminders_send() == 1


def test_the_reminder_names_the_last_lesson(reminder_days):
    course = course_with_lessons()
    lesson = course.lessons.first()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        enrollment = EnrollmentFactory(course=course)
        services.lesson_visit(user=enrollment.user, lesson=lesson)
    with time_machine.travel(start + timedelta(days=8), tick=False):
        services.reminders_send()
    assert f'You stopped at "{lesson.title}"' in mail.outbox[0].body


@pytest.mark.celery_worker
def test_the_confirmation_runs_once_on_a_real_worker_even_when_delivered_twice(celery_worker):
    # Made directly (no service), so the inline enqueue of enrollment_create does not send it first.
    enrollment = EnrollmentFactory(course=course_with_lessons(title="Worker Course"))
    celery_worker.send_task("enrollments.send_confirmation", args=[enrollment.pk])
    celery_worker.send_task("enrollments.send_confirmation", args=[enrollment.pk])

    def sent():
        return Enrollment.objects.get(pk=enrollment.pk).confirmation_sent_at is not None

    celery_worker.wait_for(sent)
    celery_worker.wait_for(lambda: celery_worker.finished("enrollments.send_confirmation") >= 2)
    log = celery_worker.log()
    assert log.count("Subject: You are enrolled in Worker Course") == 1, log
    assert "succeeded" in log and "True" in log and "False" in log
