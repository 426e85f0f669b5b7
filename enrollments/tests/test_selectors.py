"""Enrollment reads: scoped to the requester, progress computed in the database."""

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.tests.factories import Cast, CourseFactory, LessonFactory, ModuleFactory
from enrollments import selectors
from enrollments.models import Enrollment
from enrollments.tests.factories import EnrollmentFactory, LessonProgressFactory
from lms.exceptions import NotFoundError

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    return Cast()


@pytest.fixture
def world(cast):
    """Two learners in the owner's course; one learner in another instructor's course."""
    own = CourseFactory(slug="own", instructors=[cast.owner])
    theirs = CourseFactory(slug="theirs", instructors=[cast.other_instructor])
    return {
        "learner_own": EnrollmentFactory(user=cast.learner, course=own),
        "other_own": EnrollmentFactory(user=cast.other_learner, course=own),
        "learner_theirs": EnrollmentFactory(user=cast.learner, course=theirs, completed=True),
    }


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("learner", {"learner_own", "learner_theirs"}),
        ("other_learner", {"other_own"}),
        ("owner", {"learner_own", "other_own"}),
        ("other_instructor", {"learner_theirs"}),
        ("staff", {"learner_own", "other_own", "learner_theirs"}),
    ],
)
def test_enrollment_list_for_each_role(cast, world, role, expected):
    names = {e.pk: name for name, e in world.items()}
    assert {names[e.pk] for e in selectors.enrollment_list_for(cast[role])} == expected


def test_enrollment_list_filters_by_course_and_status(cast, world):
    assert {e.user for e in selectors.enrollment_list_for(cast.owner, course_slug="own")} == {
        cast.learner,
        cast.other_learner,
    }
    assert list(selectors.enrollment_list_for(cast.owner, course_slug="theirs")) == []
    assert [e.course.slug for e in selectors.enrollment_list_for(cast.learner, status="completed")] == ["theirs"]


@pytest.mark.parametrize(
    ("role", "found"),
    [("learner", True), ("other_learner", False), ("owner", True), ("other_instructor", False), ("staff", True)],
)
def test_enrollment_get_for_hides_other_peoples_enrollments(cast, world, role, found):
    enrollment = world["learner_own"]
    if found:
        assert selectors.enrollment_get_for(cast[role], enrollment.pk) == enrollment
    else:
        with pytest.raises(NotFoundError):
            selectors.enrollment_get_for(cast[role], enrollment.pk)


@pytest.mark.parametrize(
    ("status", "enrolled"),
    [(Enrollment.Status.ACTIVE, True), (Enrollment.Status.COMPLETED, True), (Enrollment.Status.DROPPED, False)],
)
def test_dropped_learners_are_not_enrolled(status, enrolled):
    enrollment = EnrollmentFactory(status=status, completed_at=timezone.now() if status == "completed" else None)
    seat = selectors.seated_enrollment_for(enrollment.user, course_id=enrollment.course_id)
    assert (seat is not None) is enrolled


def test_progress_follows_the_outline_order_for_the_next_lesson():
    course = CourseFactory()
    second_module = ModuleFactory(course=course, position=2)
    first_module = ModuleFactory(course=course, position=1)
    b = LessonFactory(module=first_module, position=2, title="b")
    a = LessonFactory(module=first_module, position=1, title="a")
    c = LessonFactory(module=second_module, position=1, title="c")
    enrollment = EnrollmentFactory(course=course)
    assert selectors.progress_for(enrollment).next_lesson_id == a.pk
    LessonProgressFactory(enrollment=enrollment, lesson=a)
    LessonProgressFactory(enrollment=enrollment, lesson=c)
    progress = selectors.progress_for(enrollment)
    assert progress.next_lesson_id == b.pk
    assert progress.completed_lesson_ids == {a.pk, c.pk}
    LessonProgressFactory(enrollment=enrollment, lesson=b)
    assert selectors.progress_for(enrollment).next_lesson_id is None


def test_a_viewed_lesson_is_not_a_completed_one():
    lesson = LessonFactory()
    enrollment = EnrollmentFactory(course=lesson.course)
    LessonProgressFactory(enrollment=enrollment, lesson=lesson, completed_at=None)
    progress = selectors.progress_for(enrollment)
    assert (progress.required_done, progress.completed_lesson_ids, progress.next_lesson_id) == (0, set(), lesson.pk)


def test_progress_counts_never_mix_courses_or_learners():
    course = CourseFactory()
    lessons = LessonFactory.create_batch(4, module=ModuleFactory(course=course))
    other_course_lesson = LessonFactory()
    mine = EnrollmentFactory(course=course)
    someone_else = EnrollmentFactory(course=course)
    for lesson in lessons[:3]:
        LessonProgressFactory(enrollment=someone_else, lesson=lesson)
    LessonProgressFactory(enrollment=mine, lesson=lessons[0])
    LessonProgressFactory(
        enrollment=EnrollmentFactory(user=mine.user, course=other_course_lesson.course), lesson=other_course_lesson
    )
    annotated = {e.pk: e for e in selectors.with_progress_counts(Enrollment.objects.filter(course=course))}
    assert (annotated[mine.pk].lessons_required, annotated[mine.pk].lessons_done) == (4, 1)
    assert (annotated[someone_else.pk].lessons_required, annotated[someone_else.pk].lessons_done) == (4, 3)


def test_dashboard_lists_active_and_completed_courses_most_recent_first(cast):
    now = timezone.now()
    learner = cast.learner
    old = EnrollmentFactory(user=learner, last_activity_at=now - timedelta(days=5))
    recent = EnrollmentFactory(user=learner, last_activity_at=now - timedelta(hours=1))
    done = EnrollmentFactory(user=learner, completed=True, last_activity_at=now - timedelta(days=2))
    EnrollmentFactory(user=learner, dropped=True)
    EnrollmentFactory()  # someone else's
    assert [e.pk for e in selectors.dashboard_for(learner)] == [recent.pk, done.pk, old.pk]


def test_dashboard_next_lesson_skips_completed_lessons(cast):
    course = CourseFactory()
    module = ModuleFactory(course=course)
    first, second = LessonFactory(module=module, position=1), LessonFactory(module=module, position=2)
    enrollment = EnrollmentFactory(user=cast.learner, course=course)
    LessonProgressFactory(enrollment=enrollment, lesson=first)
    (entry,) = selectors.dashboard_for(cast.learner)
    assert entry.progress.next_lesson_id == second.pk
    assert entry.progress.percent == 50


@pytest.mark.parametrize(
    ("required", "optional", "done_required", "done_optional", "required_quiz", "quiz_passed", "expected"),
    [
        (3, 2, 1, 2, False, False, (3, 1, 33)),  # optional lessons count for nothing
        (3, 0, 3, 0, True, False, (4, 3, 75)),  # the required quiz is one more step
        (2, 1, 2, 0, True, True, (3, 3, 100)),
        (0, 3, 0, 2, False, False, (3, 2, 66)),  # nothing required: every lesson counts
        (0, 2, 0, 2, True, False, (1, 0, 0)),  # a required quiz and optional lessons: only the quiz counts
        (1, 0, 0, 0, False, False, (1, 0, 0)),
    ],
)
def test_progress_from_the_outline_agrees_with_the_counting_queries(
    required, optional, done_required, done_optional, required_quiz, quiz_passed, expected
):
    from quizzes.models import Quiz
    from quizzes.tests.factories import single

    course = CourseFactory()
    module = ModuleFactory(course=course)
    lessons = [LessonFactory(module=module, position=i, is_required=True) for i in range(required)]
    extra = [LessonFactory(module=module, position=100 + i, is_required=False) for i in range(optional)]
    enrollment = EnrollmentFactory(course=course)
    for lesson in lessons[:done_required] + extra[:done_optional]:
        LessonProgressFactory(enrollment=enrollment, lesson=lesson)
    if required_quiz:
        quiz = Quiz.objects.create(module=module, title="Check", pass_mark=0, is_required=True)
        single(quiz)
        if quiz_passed:
            enrollment.requirements.create(key=f"quiz:{quiz.pk}", completed_at=timezone.now())
    shown = selectors.progress_for(enrollment)
    assert (shown.required_total, shown.required_done, shown.percent) == expected
    assert shown.is_complete == (expected[2] == 100)
    counted = selectors.progress_counted(enrollment)  # the write path's count, in SQL
    assert (counted.required_total, counted.required_done, counted.is_complete) == (*expected[:2], shown.is_complete)
    assert counted.completed_lesson_ids == shown.completed_lesson_ids
    (on_dashboard,) = selectors.dashboard_for(enrollment.user)  # counted for every course at once
    assert (on_dashboard.progress.required_total, on_dashboard.progress.required_done) == expected[:2]
    assert on_dashboard.progress.next_lesson_id == shown.next_lesson_id
    (listed,) = selectors.attach_progress(
        list(selectors.with_progress_counts(Enrollment.objects.filter(pk=enrollment.pk)))
    )
    assert (listed.progress.required_total, listed.progress.required_done) == expected[:2]  # the lists' annotations
