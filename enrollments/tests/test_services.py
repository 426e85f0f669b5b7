"""Enrollment rules, exercised on the database through enrollments.services."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.tests.factories import UserFactory
from courses import selectors as course_selectors
from courses import services as course_services
from courses.models import Course, Lesson
from courses.tests.factories import CourseFactory, LessonFactory, ModuleFactory, course_with_lessons
from enrollments import selectors, services
from enrollments.models import Enrollment, LessonProgress, RequirementCompletion
from enrollments.signals import course_completed
from enrollments.tests.factories import EnrollmentFactory
from lms import metrics
from lms.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from lms.tests.helpers import run_at_once

pytestmark = pytest.mark.django_db


def _counter(counter) -> float:
    return counter._value.get()


@pytest.fixture
def completions():
    """Every course_completed event sent during the test."""
    received = []

    def receiver(sender, signal, **kwargs):
        received.append(kwargs)

    course_completed.connect(receiver, weak=False)
    yield received
    course_completed.disconnect(receiver)


@pytest.fixture
def provider():
    """Declare course requirements the way another app does (enrollments.services.requirement_set)."""

    def declare(keys_by_course: dict[int, set[str]]):
        for course_id, keys in keys_by_course.items():
            for key in keys:
                services.requirement_set(course_id=course_id, key=key, required=True)

    return declare


def _lessons(course: Course) -> list:
    return list(course.lessons.order_by("module__position", "position", "id"))


# --- enrolling -----------------------------------------------------------------------------


def test_enrolling_creates_an_active_enrollment_and_counts_it(django_capture_on_commit_callbacks):
    course = course_with_lessons()
    learner = UserFactory()
    before = _counter(metrics.COURSE_ENROLLMENTS)
    with django_capture_on_commit_callbacks(execute=True):
        enrollment, created = services.enrollment_create(user=learner, course=course)
    assert created is True
    assert (enrollment.user, enrollment.course, enrollment.status) == (learner, course, Enrollment.Status.ACTIVE)
    assert enrollment.enrolled_at is not None
    course.refresh_from_db()
    assert course.enrollment_count == 1
    assert _counter(metrics.COURSE_ENROLLMENTS) == before + 1
    assert [m.to for m in mail.outbox] == [[learner.email]]
    assert course.title in mail.outbox[0].subject


def test_the_confirmation_email_waits_for_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.enrollment_create(user=UserFactory(), course=course_with_lessons())
    assert mail.outbox == []
    assert callbacks


def test_enrolling_again_while_active_returns_the_same_enrollment(django_capture_on_commit_callbacks):
    course = course_with_lessons()
    learner = UserFactory()
    first, _ = services.enrollment_create(user=learner, course=course)
    with django_capture_on_commit_callbacks(execute=True):
        again, created = services.enrollment_create(user=learner, course=course)
    assert created is False
    assert again.pk == first.pk
    assert Enrollment.objects.count() == 1
    course.refresh_from_db()
    assert course.enrollment_count == 1
    assert mail.outbox == []


def test_enrolling_again_after_completing_keeps_the_completion():
    course = course_with_lessons()
    enrollment = EnrollmentFactory(course=course, completed=True)
    again, created = services.enrollment_create(user=enrollment.user, course=course)
    assert (again.pk, again.status, created) == (enrollment.pk, Enrollment.Status.COMPLETED, False)


@pytest.mark.parametrize("status", [Course.Status.DRAFT, Course.Status.ARCHIVED])
def test_a_course_that_is_not_published_refuses_enrollment(status):
    course = course_with_lessons(status=status, published_at=timezone.now())
    with pytest.raises(ConflictError) as exc:
        services.enrollment_create(user=UserFactory(), course=course)
    assert exc.value.code == "course_not_published"
    assert not Enrollment.objects.exists()


def test_enrollment_before_the_window_opens_is_refused_then_allowed_at_the_opening():
    opens = timezone.now() + timedelta(days=2)
    course = course_with_lessons(enrollment_opens_at=opens, enrollment_closes_at=opens + timedelta(days=7))
    learner = UserFactory()
    with pytest.raises(ConflictError) as exc:
        services.enrollment_create(user=learner, course=course)
    assert exc.value.code == "enrollment_not_open"
    with time_machine.travel(opens, tick=False):
        enrollment, created = services.enrollment_create(user=learner, course=course)
    assert created and enrollment.enrolled_at == opens


def test_enrollment_after_the_window_closes_is_refused():
    closes = timezone.now() + timedelta(days=1)
    course = course_with_lessons(enrollment_closes_at=closes)
    with time_machine.travel(closes - timedelta(seconds=1), tick=False):
        services.enrollment_create(user=UserFactory(), course=course)
    for moment in (closes, closes + timedelta(days=30)):
        with time_machine.travel(moment, tick=False), pytest.raises(ConflictError) as exc:
            services.enrollment_create(user=UserFactory(), course=course)
        assert exc.value.code == "enrollment_closed"
    assert Enrollment.objects.count() == 1


def test_missing_prerequisites_are_named_and_refused_until_completed():
    basics = course_with_lessons(title="Basics")
    intermediate = course_with_lessons(title="Intermediate")
    advanced = course_with_lessons(title="Advanced")
    advanced.prerequisites.add(basics, intermediate)
    learner = UserFactory()
    EnrollmentFactory(user=learner, course=basics, completed=True)
    EnrollmentFactory(user=learner, course=intermediate)  # enrolled is not enough: completed is
    with pytest.raises(ApplicationError) as exc:
        services.enrollment_create(user=learner, course=advanced)
    assert exc.value.code == "prerequisites_missing"
    assert exc.value.extra["missing_prerequisites"] == ["Intermediate"]
    Enrollment.objects.filter(user=learner, course=intermediate).update(
        status=Enrollment.Status.COMPLETED, completed_at=timezone.now()
    )
    assert services.enrollment_create(user=learner, course=advanced)[1] is True


def test_a_full_course_refuses_with_course_full():
    course = course_with_lessons(capacity=2)
    EnrollmentFactory(course=course)
    EnrollmentFactory(course=course, completed=True)  # a completed learner keeps their seat
    EnrollmentFactory(course=course, dropped=True)  # a dropped one does not
    with pytest.raises(ConflictError) as exc:
        services.enrollment_create(user=UserFactory(), course=course)
    assert exc.value.code == "course_full"
    assert Enrollment.objects.filter(course=course).count() == 3


def test_dropping_frees_a_seat():
    course = course_with_lessons(capacity=1)
    first, _ = services.enrollment_create(user=UserFactory(), course=course)
    services.enrollment_drop(enrollment=first)
    assert services.enrollment_create(user=UserFactory(), course=course)[1] is True
    with pytest.raises(ConflictError):
        services.enrollment_create(user=first.user, course=course)  # the seat is taken now


def test_drop_then_enrol_again_reactivates_the_same_row_with_its_progress():
    course = course_with_lessons(lessons_per_module=3)
    learner = UserFactory()
    enrollment, _ = services.enrollment_create(user=learner, course=course)
    first = _lessons(course)[0]
    services.lesson_complete(user=learner, lesson=first)

    dropped = services.enrollment_drop(enrollment=enrollment)
    assert (dropped.status, dropped.dropped_at is not None) == (Enrollment.Status.DROPPED, True)
    course.refresh_from_db()
    assert course.enrollment_count == 0

    again, created = services.enrollment_create(user=learner, course=course)
    assert (again.pk, again.status, again.dropped_at, created) == (enrollment.pk, Enrollment.Status.ACTIVE, None, False)
    assert Enrollment.objects.count() == 1
    assert selectors.progress_for(again).completed_lesson_ids == {first.pk}
    course.refresh_from_db()
    assert course.enrollment_count == 1


def test_dropping_twice_changes_nothing_the_second_time():
    enrollment, _ = services.enrollment_create(user=UserFactory(), course=course_with_lessons())
    services.enrollment_drop(enrollment=enrollment)
    services.enrollment_drop(enrollment=enrollment)
    assert Course.objects.get(pk=enrollment.course_id).enrollment_count == 0


def test_a_completed_course_cannot_be_dropped():
    enrollment = EnrollmentFactory(completed=True)
    with pytest.raises(ConflictError) as exc:
        services.enrollment_drop(enrollment=enrollment)
    assert exc.value.code == "enrollment_completed"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_enrollments_fill_exactly_the_capacity():
    capacity = 3
    course = course_with_lessons(capacity=capacity)
    learners = UserFactory.create_batch(50)
    results = run_at_once(
        [lambda learner=learner: services.enrollment_create(user=learner, course=course) for learner in learners]
    )
    # A refusal is the rule working; any other error is a failure of it, named here.
    outcomes = [
        r.code if isinstance(r, ConflictError) else "enrolled" if isinstance(r, tuple) else repr(r) for r in results
    ]

    assert sorted(outcomes) == ["course_full"] * (50 - capacity) + ["enrolled"] * capacity
    assert Enrollment.objects.filter(course=course).count() == capacity
    course.refresh_from_db()
    assert course.enrollment_count == capacity


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_learner_enrolling_from_many_tabs_at_once_gets_one_enrollment():
    course = course_with_lessons()
    learner = UserFactory()
    results = run_at_once([lambda: services.enrollment_create(user=learner, course=course)] * 10)

    assert all(isinstance(r, tuple) for r in results), results
    assert len({enrollment.pk for enrollment, _ in results}) == 1
    assert [created for _, created in results].count(True) == 1
    assert Course.objects.get(pk=course.pk).enrollment_count == 1


# --- lessons, progress and completion -------------------------------------------------------


def test_completing_a_lesson_twice_records_it_once():
    course = course_with_lessons(lessons_per_module=3)
    enrollment = EnrollmentFactory(course=course)
    lesson = _lessons(course)[0]
    with time_machine.travel("2025-05-01 10:00Z", tick=False):
        services.lesson_complete(user=enrollment.user, lesson=lesson)
    with time_machine.travel("2025-05-02 10:00Z", tick=False):
        services.lesson_complete(user=enrollment.user, lesson=lesson)
    progress = LessonProgress.objects.get()
    assert progress.completed_at.isoformat() == "2025-05-01T10:00:00+00:00"
    enrollment.refresh_from_db()
    assert enrollment.last_lesson == lesson


def test_completing_a_lesson_that_was_only_viewed_marks_it_done():
    course = course_with_lessons(lessons_per_module=2)
    enrollment = EnrollmentFactory(course=course)
    lesson = _lessons(course)[0]
    with time_machine.travel("2025-05-01 10:00Z", tick=False):
        services.lesson_visit(user=enrollment.user, lesson=lesson)
    assert LessonProgress.objects.get().completed_at is None
    with time_machine.travel("2025-05-03 10:00Z", tick=False):
        services.lesson_complete(user=enrollment.user, lesson=lesson)
    row = LessonProgress.objects.get()
    assert row.completed_at.isoformat() == "2025-05-03T10:00:00+00:00"
    assert row.first_viewed_at.isoformat() == "2025-05-01T10:00:00+00:00"  # the first view is kept


@pytest.mark.parametrize("status", ["none", "dropped"])
def test_only_enrolled_learners_complete_lessons(status):
    course = course_with_lessons()
    learner = UserFactory()
    if status == "dropped":
        EnrollmentFactory(user=learner, course=course, dropped=True)
    with pytest.raises(PermissionDeniedError) as exc:
        services.lesson_complete(user=learner, lesson=_lessons(course)[0])
    assert exc.value.code == "not_enrolled"
    assert not LessonProgress.objects.exists()


def test_the_course_completes_once_with_one_event(django_capture_on_commit_callbacks, completions):
    course = course_with_lessons(lessons_per_module=2)
    optional = LessonFactory(module=course.modules.get(), is_required=False, position=9)
    enrollment = EnrollmentFactory(course=course)
    first, second = [ls for ls in _lessons(course) if ls.is_required]
    before = _counter(metrics.COURSE_COMPLETIONS)

    with django_capture_on_commit_callbacks(execute=True):
        assert (
            services.lesson_complete(user=enrollment.user, lesson=first).enrollment.status == Enrollment.Status.ACTIVE
        )
    assert completions == []

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        done = services.lesson_complete(user=enrollment.user, lesson=second).enrollment
    assert done.status == Enrollment.Status.COMPLETED
    assert done.completed_at is not None
    assert completions == []  # the event waits for the commit
    for callback in callbacks:
        callback()
    assert completions == [{"enrollment_id": enrollment.pk, "user_id": enrollment.user_id, "course_id": course.pk}]

    with django_capture_on_commit_callbacks(execute=True):
        services.lesson_complete(user=enrollment.user, lesson=second)
        services.lesson_complete(user=enrollment.user, lesson=optional)
        services.enrollment_check_completion(enrollment=enrollment)
    assert len(completions) == 1
    assert _counter(metrics.COURSE_COMPLETIONS) == before + 1


def test_a_lesson_added_after_completion_does_not_revoke_it(completions, django_capture_on_commit_callbacks):
    course = course_with_lessons(lessons_per_module=1)
    enrollment = EnrollmentFactory(course=course)
    with django_capture_on_commit_callbacks(execute=True):
        services.lesson_complete(user=enrollment.user, lesson=_lessons(course)[0])
        new = course_services.lesson_create(module=course.modules.get(), data={"title": "Bonus"})
        services.lesson_complete(user=enrollment.user, lesson=new)
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.COMPLETED
    assert len(completions) == 1


@pytest.mark.parametrize(
    ("required", "optional", "done_required", "done_optional", "percent"),
    [
        (4, 0, 0, 0, 0),
        (4, 0, 1, 0, 25),
        (3, 0, 1, 0, 33),  # rounded down: never shows 100 before it is done
        (3, 2, 2, 2, 66),  # optional lessons count for nothing
        (3, 2, 0, 2, 0),
        (2, 1, 2, 0, 100),
    ],
)
def test_progress_percent_counts_required_lessons_only(required, optional, done_required, done_optional, percent):
    course = CourseFactory()
    module = ModuleFactory(course=course)
    required_lessons = LessonFactory.create_batch(required, module=module, is_required=True)
    optional_lessons = LessonFactory.create_batch(optional, module=module, is_required=False)
    enrollment = EnrollmentFactory(course=course)
    for lesson in required_lessons[:done_required] + optional_lessons[:done_optional]:
        services.lesson_complete(user=enrollment.user, lesson=lesson)
    progress = selectors.progress_for(enrollment)
    assert (progress.required_total, progress.required_done, progress.percent) == (required, done_required, percent)


def test_requirements_from_other_apps_count_toward_progress_and_completion(
    provider, completions, django_capture_on_commit_callbacks
):
    course = course_with_lessons(lessons_per_module=1)
    other = course_with_lessons(lessons_per_module=1)
    provider({course.pk: {"quiz:1", "quiz:2"}})
    enrollment = EnrollmentFactory(course=course)
    learner = enrollment.user

    with django_capture_on_commit_callbacks(execute=True):
        services.lesson_complete(user=learner, lesson=_lessons(course)[0])
    progress = selectors.progress_for(enrollment)
    assert (progress.required_total, progress.required_done, progress.percent) == (3, 1, 33)
    assert Enrollment.objects.get(pk=enrollment.pk).status == Enrollment.Status.ACTIVE

    with django_capture_on_commit_callbacks(execute=True):
        services.requirement_complete(user=learner, course_id=course.pk, key="quiz:1")
        services.requirement_complete(user=learner, course_id=course.pk, key="quiz:1")  # idempotent
        services.requirement_complete(user=learner, course_id=course.pk, key="quiz:99")  # not required: ignored
    assert RequirementCompletion.objects.filter(enrollment=enrollment, key="quiz:1").count() == 1
    assert selectors.progress_for(enrollment).percent == 66
    # The dashboard reads the lessons done and the requirements met of all the learner's
    # enrollments in one query: the same counts.
    EnrollmentFactory(user=learner, course=other)
    on_dashboard = {e.course_id: e.progress for e in selectors.dashboard_for(learner)}
    assert (on_dashboard[course.pk].required_done, on_dashboard[course.pk].percent) == (2, 66)
    assert on_dashboard[other.pk].required_done == 0
    assert completions == []

    with django_capture_on_commit_callbacks(execute=True):
        done = services.requirement_complete(user=learner, course_id=course.pk, key="quiz:2")
    assert done.status == Enrollment.Status.COMPLETED
    assert len(completions) == 1
    # A course without extra requirements is unaffected by the others' declarations.
    assert selectors.progress_for(Enrollment.objects.get(user=learner, course=other)).required_total == 1


def test_a_requirement_reported_for_a_learner_who_is_not_enrolled_is_ignored():
    course = course_with_lessons()
    assert services.requirement_complete(user=UserFactory(), course_id=course.pk, key="quiz:1") is None
    assert not RequirementCompletion.objects.exists()


def test_a_lesson_visit_records_the_first_view_and_the_resume_point():
    course = course_with_lessons(lessons_per_module=2)
    enrollment = EnrollmentFactory(course=course)
    first, second = _lessons(course)
    with time_machine.travel("2025-06-01 08:00Z", tick=False):
        services.lesson_visit(user=enrollment.user, lesson=first)
    with time_machine.travel("2025-06-03 08:00Z", tick=False):
        services.lesson_visit(user=enrollment.user, lesson=first)
        services.lesson_visit(user=enrollment.user, lesson=second)
    views = dict(LessonProgress.objects.values_list("lesson_id", "first_viewed_at"))
    assert views[first.pk].isoformat() == "2025-06-01T08:00:00+00:00"
    assert views[second.pk].isoformat() == "2025-06-03T08:00:00+00:00"
    enrollment.refresh_from_db()
    assert enrollment.last_lesson == second
    assert enrollment.last_activity_at.isoformat() == "2025-06-03T08:00:00+00:00"


def test_a_lesson_visit_reuses_the_enrollment_its_caller_read(django_assert_num_queries):
    course = course_with_lessons(lessons_per_module=2)
    enrollment = EnrollmentFactory(course=course)
    first, _ = _lessons(course)
    # The progress row (read, then created in a savepoint: four queries), the resume point.
    with django_assert_num_queries(5) as queries:
        visited = services.lesson_visit(user=enrollment.user, lesson=first, enrollment=enrollment)
    assert visited is enrollment
    assert not [q for q in queries.captured_queries if q["sql"].startswith('SELECT "enrollments_enrollment"')]
    assert Enrollment.objects.get(pk=enrollment.pk).last_lesson == first


def test_a_lesson_visit_refuses_an_enrollment_that_is_not_the_learners_seat():
    course = course_with_lessons(lessons_per_module=2)
    enrollment = EnrollmentFactory(course=course)
    lesson = _lessons(course)[0]
    elsewhere = EnrollmentFactory(user=enrollment.user)
    dropped = EnrollmentFactory(course=course, status=Enrollment.Status.DROPPED)
    for wrong, user in ((elsewhere, enrollment.user), (enrollment, UserFactory()), (dropped, dropped.user)):
        with pytest.raises(ValueError, match="not this learner's seat"):
            services.lesson_visit(user=user, lesson=lesson, enrollment=wrong)
    assert not LessonProgress.objects.exists()


def test_a_lesson_visit_by_someone_not_enrolled_records_nothing():
    course = course_with_lessons()
    assert services.lesson_visit(user=UserFactory(), lesson=_lessons(course)[0]) is None
    assert not LessonProgress.objects.exists()


def test_a_course_where_nothing_is_required_completes_when_every_lesson_is_done():
    course = course_with_lessons(lessons_per_module=2)
    Lesson.objects.filter(course=course).update(is_required=False)
    learner = UserFactory()
    enrollment, _ = services.enrollment_create(user=learner, course=course)
    first, second = Lesson.objects.filter(course=course).order_by("position")
    enrollment = services.lesson_complete(user=learner, lesson=first).enrollment
    assert enrollment.status == Enrollment.Status.ACTIVE
    assert selectors.progress_for(enrollment).percent == 50
    enrollment = services.lesson_complete(user=learner, lesson=second).enrollment
    assert enrollment.status == Enrollment.Status.COMPLETED
    assert selectors.progress_for(enrollment).percent == 100


def test_optional_lessons_do_not_count_where_something_is_required():
    course = course_with_lessons(lessons_per_module=2)
    optional, required = Lesson.objects.filter(course=course).order_by("position")
    Lesson.objects.filter(pk=optional.pk).update(is_required=False)
    learner = UserFactory()
    services.enrollment_create(user=learner, course=course)
    assert services.lesson_complete(user=learner, lesson=required).enrollment.status == Enrollment.Status.COMPLETED


def test_reloading_a_lesson_writes_the_resume_point_once_a_minute(django_assert_num_queries):
    course = course_with_lessons(lessons_per_module=2)
    first, second = Lesson.objects.filter(course=course).order_by("position")
    enrollment = EnrollmentFactory(course=course)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        services.lesson_visit(user=enrollment.user, lesson=first)
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        with django_assert_num_queries(2):  # the enrollment and the progress row; no UPDATE
            services.lesson_visit(user=enrollment.user, lesson=first)
        services.lesson_visit(user=enrollment.user, lesson=second)  # another lesson: written at once
    enrollment.refresh_from_db()
    assert enrollment.last_lesson == second and enrollment.last_activity_at == start + timedelta(seconds=30)
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        services.lesson_visit(user=enrollment.user, lesson=second)
    enrollment.refresh_from_db()
    assert enrollment.last_activity_at == start + timedelta(minutes=2)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_last_lessons_completed_at_once_complete_the_course_once():
    from lms.models import OutboxEvent

    course = course_with_lessons(lessons_per_module=3)
    learner = UserFactory()
    services.enrollment_create(user=learner, course=course)
    lessons = list(Lesson.objects.filter(course=course))
    # Every lesson from three tabs at once: 9 requests racing to complete the course.
    results = run_at_once(
        [
            lambda lesson=lesson: services.lesson_complete(user=learner, lesson=lesson)
            for lesson in lessons
            for _ in range(3)
        ]
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert sum(r.course_completed for r in results) == 1  # one of the nine completed it
    enrollment = Enrollment.objects.get(user=learner, course=course)
    assert enrollment.status == Enrollment.Status.COMPLETED
    assert LessonProgress.objects.filter(enrollment=enrollment, completed_at__isnull=False).count() == 3
    assert OutboxEvent.objects.filter(event_type="enrollment.completed").count() == 1


def test_a_lesson_complete_answers_with_progress_counted_under_the_lock():
    course = course_with_lessons(lessons_per_module=3)
    enrollment = EnrollmentFactory(course=course)
    first, second, third = _lessons(course)
    services.lesson_complete(user=enrollment.user, lesson=first)
    done = services.lesson_complete(user=enrollment.user, lesson=third)
    assert (done.progress.required_done, done.progress.required_total) == (2, 3)
    assert done.progress.completed_lesson_ids == {first.pk, third.pk}
    assert done.course_completed is False
    assert done.enrollment.status == Enrollment.Status.ACTIVE
    finished = services.lesson_complete(user=enrollment.user, lesson=second)
    assert (finished.course_completed, finished.progress.is_complete) == (True, True)
    again = services.lesson_complete(user=enrollment.user, lesson=second)
    assert (again.course_completed, again.enrollment.status) == (False, Enrollment.Status.COMPLETED)


def test_completion_is_decided_on_a_fresh_count_when_the_cached_outline_lags(completions):
    """A lesson added by a change whose catalog-version bump has not happened yet (in a
    test, on_commit never runs): the outline kept in the process still shows one lesson,
    but completing it must not complete the course while the new lesson is required."""
    course = course_with_lessons(lessons_per_module=1)
    enrollment = EnrollmentFactory(course=course)
    assert len(course_selectors.outline_lessons(course.pk)) == 1  # kept in this process
    LessonFactory(module=course.modules.get(), is_required=True, position=9)  # no bump
    assert len(course_selectors.outline_lessons(course.pk)) == 1  # the outline lags
    done = services.lesson_complete(user=enrollment.user, lesson=_lessons(course)[0]).enrollment
    assert done.status == Enrollment.Status.ACTIVE
    assert completions == []


def test_a_requirement_declared_again_is_kept_once_and_a_withdrawn_one_no_longer_counts():
    from enrollments.models import CourseRequirement

    course, other = course_with_lessons(lessons_per_module=1), course_with_lessons(lessons_per_module=1)
    enrollment = EnrollmentFactory(course=course)
    for _ in range(2):
        services.requirement_set(course_id=course.pk, key="quiz:7", required=True)
    assert selectors.progress_for(enrollment).required_total == 2
    services.requirement_set(course_id=other.pk, key="quiz:7", required=True)  # a key has one course
    assert list(CourseRequirement.objects.values_list("course_id", "key")) == [(other.pk, "quiz:7")]
    assert selectors.progress_for(enrollment).required_total == 1
    services.requirement_set(course_id=other.pk, key="quiz:7", required=False)
    assert not CourseRequirement.objects.exists()
