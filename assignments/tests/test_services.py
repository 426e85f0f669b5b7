"""Handing work in, lateness against each learner's own due date, grading with a version
check, releasing, and what a released grade does to completion."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError

from accounts.tests.factories import UserFactory
from assignments import services
from assignments.models import Assignment, Submission
from assignments.tests.factories import assignment, due_in, learner_of, pdf
from courses.tests.factories import InstructorFactory
from enrollments.models import CourseRequirement, Enrollment, RequirementCompletion
from lms.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from lms.models import OutboxEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def task():
    return assignment(due_at=due_in(1))


@pytest.fixture
def learner(task):
    return learner_of(task.course)


def test_work_is_handed_in_with_the_server_s_time_and_changed_in_place_until_graded(task, learner):
    first, created = services.submission_save(user=learner, assignment=task, text="My essay", files=[pdf()])
    again, created_again = services.submission_save(user=learner, assignment=task, text="My better essay")
    assert (created, created_again) == (True, False)
    assert first.pk == again.pk
    again.refresh_from_db()
    assert again.status == "submitted" and again.text == "My better essay" and again.late_seconds == 0
    assert again.files.count() == 1  # the file handed in first is kept
    assert OutboxEvent.objects.filter(event_type="assignment.submitted").count() == 2


def test_a_draft_is_kept_and_nothing_is_handed_in(task, learner):
    draft, _ = services.submission_save(user=learner, assignment=task, text="half", final=False)
    assert draft.status == "draft" and draft.submitted_at is None
    assert not OutboxEvent.objects.filter(event_type="assignment.submitted").exists()


def test_one_submission_in_progress_is_a_database_rule(task, learner):
    services.submission_save(user=learner, assignment=task, text="one")
    with pytest.raises(IntegrityError):
        Submission.objects.create(assignment=task, user=learner, number=2, status="draft")


@pytest.mark.parametrize(
    "late_by, penalty",
    [(timedelta(0), Decimal(0)), (timedelta(hours=2), Decimal(10)), (timedelta(days=1, hours=1), Decimal(20)),
     (timedelta(days=30), Decimal(50))],
)  # fmt: skip
def test_late_work_loses_the_penalty_per_day_or_part_of_one_capped(late_by, penalty):
    task = assignment(due_at=due_in(1), late_penalty_percent=10, late_penalty_cap_percent=50)
    learner = learner_of(task.course)
    with time_machine.travel(task.due_at + late_by + timedelta(seconds=0 if late_by else -60)):
        submission, _ = services.submission_save(user=learner, assignment=task, text="work")
    assert submission.late_seconds == int(late_by.total_seconds())
    graded = services.submission_grade(
        submission=submission, score=Decimal(20), feedback="", by=task.course.instructors.first(), version=1
    )
    assert graded.penalty_percent == penalty
    assert graded.final_score == Decimal(20) * (100 - penalty) / 100


def test_an_extension_moves_the_learner_s_own_due_date_and_cut_off(task, learner):
    task.late_policy = Assignment.LatePolicy.REFUSE
    task.save()
    teacher = task.course.instructors.first()
    services.extension_grant(assignment=task, user=learner, due_at=task.due_at + timedelta(days=3), by=teacher)
    other = learner_of(task.course)
    with time_machine.travel(task.due_at + timedelta(days=2)):
        mine, _ = services.submission_save(user=learner, assignment=task, text="on time for me")
        with pytest.raises(ConflictError) as refused:
            services.submission_save(user=other, assignment=task, text="too late")
    assert mine.late_seconds == 0
    assert refused.value.code == "assignment_closed"


def test_nothing_is_accepted_before_opening_or_after_the_cut_off():
    task = assignment(opens_at=due_in(1), due_at=due_in(2), cutoff_at=due_in(3))
    learner = learner_of(task.course)
    with pytest.raises(ConflictError) as early:
        services.submission_save(user=learner, assignment=task, text="early")
    with time_machine.travel(task.cutoff_at + timedelta(minutes=1)), pytest.raises(ConflictError) as late:
        services.submission_save(user=learner, assignment=task, text="late")
    assert (early.value.code, late.value.code) == ("assignment_not_open", "assignment_closed")


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"text": ""}, "text"),
        ({"files": [pdf("a.exe", b"MZ")]}, "files"),
        ({"files": [pdf("fake.pdf", b"not a pdf")]}, "files"),
        ({"files": [pdf("1.pdf"), pdf("2.pdf"), pdf("3.pdf")]}, "files"),
    ],
)
def test_bad_work_is_refused_with_the_field_named_and_nothing_kept(task, learner, kwargs, field):
    with pytest.raises(ApplicationError) as refused:
        services.submission_save(user=learner, assignment=task, **kwargs)
    assert field in refused.value.extra["errors"]
    assert not Submission.objects.exists()


def test_only_enrolled_learners_hand_in(task):
    with pytest.raises(PermissionDeniedError):
        services.submission_save(user=UserFactory(), assignment=task, text="x")
    with pytest.raises(PermissionDeniedError):
        services.submission_save(user=task.course.instructors.first(), assignment=task, text="x")


def test_a_second_grader_with_an_old_version_is_refused_with_what_is_there(task, learner):
    submission, _ = services.submission_save(user=learner, assignment=task, text="work")
    first, second = task.course.instructors.first(), InstructorFactory()
    task.course.instructors.add(second)
    services.submission_grade(submission=submission, score=Decimal(15), feedback="Good", by=first, version=1)
    with pytest.raises(ConflictError) as conflict:
        services.submission_grade(submission=submission, score=Decimal(5), feedback="Weak", by=second, version=1)
    assert conflict.value.extra["current"]["score"] == "15.00"
    submission.refresh_from_db()
    assert (submission.score, submission.feedback, submission.version) == (Decimal(15), "Good", 2)


@pytest.mark.parametrize("score", [Decimal(-1), Decimal("20.01")])
def test_a_score_outside_the_points_is_refused(task, learner, score):
    submission, _ = services.submission_save(user=learner, assignment=task, text="work")
    with pytest.raises(ApplicationError) as refused:
        services.submission_grade(
            submission=submission, score=score, feedback="", by=task.course.instructors.first(), version=1
        )
    assert "score" in refused.value.extra["errors"]


def test_a_grade_given_on_release_mode_is_held_then_released_once_with_one_email(task, learner):
    task.release_policy = Assignment.Release.MANUAL
    task.save()
    submission, _ = services.submission_save(user=learner, assignment=task, text="work")
    teacher = task.course.instructors.first()
    graded = services.submission_grade(submission=submission, score=Decimal(18), feedback="Nice", by=teacher, version=1)
    assert graded.status == "graded" and graded.released_at is None
    assert len(mail.outbox) == 0
    assert services.grades_release(assignment=task) == 1
    assert services.grades_release(assignment=task) == 0  # nothing released twice
    submission.refresh_from_db()
    assert submission.status == "returned"
    assert OutboxEvent.objects.filter(event_type="grades.released").count() == 1


def test_a_released_passing_grade_completes_the_course_when_it_was_the_last_requirement(
    task, learner, django_capture_on_commit_callbacks
):
    # The course's only lesson is done; the required assignment is what remains.
    from enrollments import services as enrollment_services

    enrollment_services.lesson_complete(user=learner, lesson=task.course.lessons.first())
    assert CourseRequirement.objects.filter(course=task.course, key=f"assignment:{task.pk}").exists()
    enrollment = Enrollment.objects.get(user=learner, course=task.course)
    assert enrollment.status == "active"
    submission, _ = services.submission_save(user=learner, assignment=task, text="work")
    with django_capture_on_commit_callbacks(execute=True):
        services.submission_grade(
            submission=submission, score=Decimal(12), feedback="", by=task.course.instructors.first(), version=1
        )
    enrollment.refresh_from_db()
    assert RequirementCompletion.objects.filter(enrollment=enrollment, key=f"assignment:{task.pk}").exists()
    assert enrollment.status == "completed"
    assert len(mail.outbox) >= 1
    assert any("is graded" in m.subject for m in mail.outbox)


def test_a_failing_grade_does_not_meet_the_requirement(task, learner):
    submission, _ = services.submission_save(user=learner, assignment=task, text="work")
    services.submission_grade(
        submission=submission, score=Decimal(5), feedback="", by=task.course.instructors.first(), version=1
    )
    assert not RequirementCompletion.objects.filter(key=f"assignment:{task.pk}").exists()


def test_after_a_grade_the_learner_hands_in_again_only_while_the_limit_allows(learner, task):
    task.max_submissions = 2
    task.save()
    teacher = task.course.instructors.first()
    for expected in (1, 2):
        submission, created = services.submission_save(user=learner, assignment=task, text=f"try {expected}")
        assert created and submission.number == expected
        services.submission_grade(submission=submission, score=Decimal(5), feedback="", by=teacher, version=1)
    with pytest.raises(ConflictError) as refused:
        services.submission_save(user=learner, assignment=task, text="third")
    assert refused.value.code == "submission_limit_reached"


def test_a_required_assignment_is_a_course_requirement_and_stops_being_one(task):
    key = f"assignment:{task.pk}"
    assert CourseRequirement.objects.filter(course=task.course, key=key).exists()
    task.is_required = False
    task.save()
    assert not CourseRequirement.objects.filter(key=key).exists()


def test_learners_who_have_not_handed_in_are_reminded_once_before_their_own_due_date(
    settings, django_capture_on_commit_callbacks
):
    settings.ASSIGNMENT_REMINDER_HOURS = 24
    task = assignment(due_at=due_in(0.5))
    idle, done, extended = learner_of(task.course), learner_of(task.course), learner_of(task.course)
    services.submission_save(user=done, assignment=task, text="handed in")
    services.extension_grant(assignment=task, user=extended, due_at=due_in(5), by=task.course.instructors.first())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.due_reminders_send() == 1
    assert [m.to for m in mail.outbox] == [[idle.email]]
    assert "is due soon" in mail.outbox[0].subject
    assert services.due_reminders_send() == 0  # once per learner and assignment
    with time_machine.travel(timezone_now_plus(days=4.5)), django_capture_on_commit_callbacks(execute=True):
        assert services.due_reminders_send() == 1  # the extended learner, a day before their own date
    assert mail.outbox[-1].to == [extended.email]


def timezone_now_plus(*, days: float):
    from django.utils import timezone

    return timezone.now() + timedelta(days=days)
