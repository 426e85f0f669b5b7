"""The instructor home's numbers (reports.analytics), the remind button, and the page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from accounts.tests.factories import AdminFactory, UserFactory
from courses.tests.factories import CourseFactory, InstructorFactory, LessonFactory, ModuleFactory
from enrollments import services as enrollment_services
from enrollments.models import Enrollment
from enrollments.tests.factories import EnrollmentFactory, LessonProgressFactory
from quizzes.models import Attempt, Quiz
from reports import analytics

pytestmark = pytest.mark.django_db


def _course(teacher, lessons: int = 4, **kwargs):
    course = CourseFactory(instructors=[teacher], **kwargs)
    module = ModuleFactory(course=course)
    return course, [LessonFactory(module=module, position=n + 1) for n in range(lessons)]


def _attempt(quiz, user, percent, *, number: int = 1, counts: bool = True):
    now = timezone.now()
    return Attempt.objects.create(
        quiz=quiz, user=user, number=number, status=Attempt.Status.SUBMITTED, counts=counts, started_at=now,
        submitted_at=now, score=Decimal(percent), max_score=Decimal(100), percent=Decimal(percent),
        passed=percent >= 50,
    )  # fmt: skip


@pytest.fixture
def teacher():
    return InstructorFactory()


def test_each_course_shows_its_enrolled_active_completed_progress_and_score(teacher):
    course, lessons = _course(teacher)
    now = timezone.now()
    a = EnrollmentFactory(course=course, last_activity_at=now - timedelta(days=1))
    b = EnrollmentFactory(course=course, last_activity_at=now - timedelta(days=10))
    c = EnrollmentFactory(course=course, completed=True, last_activity_at=now - timedelta(days=2))
    EnrollmentFactory(course=course, dropped=True)  # holds no seat: not counted
    for lesson in lessons[:2]:
        LessonProgressFactory(enrollment=a, lesson=lesson)
    for lesson in lessons:
        LessonProgressFactory(enrollment=c, lesson=lesson)
    LessonProgressFactory(enrollment=b, lesson=lessons[0], completed_at=None)  # opened, not done
    quiz = Quiz.objects.create(module=lessons[0].module, title="Check", pass_mark=50)
    _attempt(quiz, a.user, 40)
    _attempt(quiz, c.user, 90)
    _attempt(quiz, b.user, 0, counts=False)  # a preview or a staff try: not counted

    overview = analytics.overview(teacher, now=now)

    (numbers,) = overview.courses
    assert (numbers.enrolled, numbers.active_this_week, numbers.completed) == (3, 2, 1)
    assert numbers.average_progress == 50  # 6 of 12 lesson completions
    assert numbers.average_score == 65.0
    assert (overview.enrolled, overview.average_progress, overview.average_score) == (3, 50, 65.0)


def test_an_instructor_sees_only_their_courses_and_staff_see_all(teacher):
    _course(teacher, title="Mine")
    theirs, _ = _course(InstructorFactory(), title="Theirs")
    EnrollmentFactory(course=theirs)
    assert [n.title for n in analytics.overview(teacher).courses] == ["Mine"]
    assert [n.title for n in analytics.overview(AdminFactory()).courses] == ["Mine", "Theirs"]
    assert analytics.overview(UserFactory()).courses == ()


def test_the_overview_costs_five_queries_whatever_the_number_of_courses(teacher, django_assert_num_queries):
    for n in range(3):
        course, lessons = _course(teacher, lessons=2)
        for _ in range(n + 1):
            LessonProgressFactory(enrollment=EnrollmentFactory(course=course), lesson=lessons[0])
    with django_assert_num_queries(5):
        overview = analytics.overview(teacher)
    assert len(overview.courses) == 3 and overview.enrolled == 6


def test_enrolments_by_day_counts_each_day_and_fills_the_gaps(teacher):
    course, _ = _course(teacher)
    now = timezone.now()
    for days_ago in (0, 0, 3):
        EnrollmentFactory(course=course, enrolled_at=now - timedelta(days=days_ago))
    EnrollmentFactory(course=course, enrolled_at=now - timedelta(days=40))  # before the window
    days = analytics.enrolments_by_day(teacher, days=7, now=now)
    assert len(days) == 7 and days[-1].day == timezone.localdate(now)
    assert [d.count for d in days] == [0, 0, 0, 1, 0, 0, 2]


def test_activity_counts_lessons_completed_and_attempts_submitted_per_day(teacher):
    course, lessons = _course(teacher)
    enrollment = EnrollmentFactory(course=course)
    LessonProgressFactory(enrollment=enrollment, lesson=lessons[0])
    LessonProgressFactory(enrollment=enrollment, lesson=lessons[1], completed_at=timezone.now() - timedelta(days=1))
    quiz = Quiz.objects.create(module=lessons[0].module, title="Check", pass_mark=50)
    _attempt(quiz, enrollment.user, 80)
    lessons_done, attempts = analytics.activity_by_day(teacher, days=3)
    assert [d.count for d in lessons_done] == [0, 1, 1]
    assert [d.count for d in attempts] == [0, 0, 1]


def test_the_funnel_follows_the_course_order_and_leaves_dropped_learners_out(teacher):
    course, lessons = _course(teacher, lessons=3)
    for done in (3, 2, 1):
        enrollment = EnrollmentFactory(course=course)
        for lesson in lessons[:done]:
            LessonProgressFactory(enrollment=enrollment, lesson=lesson)
    gone = EnrollmentFactory(course=course)
    LessonProgressFactory(enrollment=gone, lesson=lessons[0])
    Enrollment.objects.filter(pk=gone.pk).update(status=Enrollment.Status.DROPPED)
    funnel = analytics.completion_funnel(course.pk)
    assert [(s.title, s.completed) for s in funnel] == [
        (lessons[0].title, 3),
        (lessons[1].title, 2),
        (lessons[2].title, 1),
    ]


def test_scores_fall_in_ten_bands_with_a_full_score_in_the_top_one(teacher):
    course, lessons = _course(teacher)
    quiz = Quiz.objects.create(module=lessons[0].module, title="Check", pass_mark=50)
    empty = Quiz.objects.create(module=lessons[0].module, title="Nobody yet", pass_mark=50)
    for n, percent in enumerate((0, 9.99, 10, 55, 100, 100)):
        _attempt(quiz, UserFactory(), percent, number=n + 1)
    first, second = analytics.score_distributions(course.pk)
    assert first.title == "Check" and first.attempts == 6
    assert first.buckets == (2, 1, 0, 0, 0, 1, 0, 0, 0, 2)
    assert second.quiz_id == empty.pk and second.buckets == (0,) * 10 and second.attempts == 0


def test_at_risk_lists_idle_learners_behind_longest_absent_first(teacher):
    course, lessons = _course(teacher)
    now = timezone.now()
    long_gone = EnrollmentFactory(course=course, last_activity_at=now - timedelta(days=30))
    never_came = EnrollmentFactory(course=course, enrolled_at=now - timedelta(days=20), last_activity_at=None)
    idle_but_far = EnrollmentFactory(course=course, last_activity_at=now - timedelta(days=30))
    for lesson in lessons[:3]:
        LessonProgressFactory(enrollment=idle_but_far, lesson=lesson)  # 75 %: not at risk
    EnrollmentFactory(course=course, last_activity_at=now - timedelta(days=2))  # came back lately
    EnrollmentFactory(course=course, completed=True, last_activity_at=now - timedelta(days=30))
    other, _ = _course(InstructorFactory())
    EnrollmentFactory(course=other, last_activity_at=now - timedelta(days=30))  # not this teacher's

    rows = analytics.at_risk(teacher, idle_days=14, below_percent=50, now=now)

    assert [r.enrollment_id for r in rows] == [long_gone.pk, never_came.pk]
    assert rows[0].progress == 0 and rows[0].email == long_gone.user.email


def test_remind_sends_once_a_day_and_only_to_the_senders_learners(teacher):
    course, _ = _course(teacher)
    mine = EnrollmentFactory(course=course)
    other, _ = _course(InstructorFactory())
    theirs = EnrollmentFactory(course=other)
    first = enrollment_services.enrollment_remind(enrollment_ids=[mine.pk, theirs.pk, mine.pk], by=teacher)
    assert (first.sent, first.already) == (1, 0)  # the other course's id is ignored, the repeat once
    assert [m.to for m in mail.outbox] == [[mine.user.email]]
    again = enrollment_services.enrollment_remind(enrollment_ids=[mine.pk], by=teacher)  # a double click
    assert (again.sent, again.already) == (0, 1)
    assert len(mail.outbox) == 1
    mine.refresh_from_db()
    assert mine.reminder_sent_at is not None


def test_the_remind_button_reports_what_it_did(client, teacher):
    course, _ = _course(teacher)
    enrollment = EnrollmentFactory(course=course)
    client.force_login(teacher)
    response = client.post("/reports/remind/", {"enrollment": [enrollment.pk, "x", enrollment.pk]}, follow=True)
    assert response.redirect_chain[-1][0] == "/admin/"
    page = response.content.decode()
    assert "1 reminder sent." in page and "already reminded" not in page  # the id twice: one learner
    assert len(mail.outbox) == 1


def test_the_remind_button_is_not_there_for_learners(client):
    enrollment = EnrollmentFactory()
    client.force_login(enrollment.user)
    assert client.post("/reports/remind/", {"enrollment": [enrollment.pk]}).status_code == 404
    assert client.get("/reports/remind/").status_code == 405
    assert mail.outbox == []


@pytest.mark.parametrize("other_courses", [0, 4])
def test_the_instructor_home_shows_the_numbers_in_a_fixed_number_of_queries(
    client, teacher, django_assert_num_queries, other_courses
):
    """16: the session and the user; the overview (5); enrolments by day; activity (2);
    the funnel; the scores (2); the at-risk list (2); one of the admin's."""
    for _ in range(other_courses):
        other, other_lessons = _course(teacher)
        LessonProgressFactory(enrollment=EnrollmentFactory(course=other), lesson=other_lessons[0])
    course, lessons = _course(teacher, title="Numbers 101")
    for n in range(3):
        enrollment = EnrollmentFactory(course=course)
        for lesson in lessons[: n + 1]:
            LessonProgressFactory(enrollment=enrollment, lesson=lesson)
    client.force_login(teacher)
    client.get("/admin/")  # the outline, kept in the process afterwards
    with django_assert_num_queries(16):
        response = client.get(f"/admin/?course={course.pk}")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Numbers 101" in page and 'data-kpi="enrolled"' in page
    assert response.context["home"]["overview"].enrolled == 3 + other_courses
    assert response.context["home"]["course"].enrolled == 3
    assert [s.completed for s in response.context["home"]["funnel"]] == [3, 2, 1, 0]
    assert response.context["home"]["operations"] is None  # staff only


def test_staff_see_the_operations_numbers(client):
    client.force_login(AdminFactory())
    response = client.get("/admin/")
    assert response.status_code == 200
    assert response.context["home"]["operations"].dead_webhook_deliveries == 0
    assert 'data-ops="outbox_waiting"' in response.content.decode()


def test_progress_counts_the_required_lessons_as_the_enrolments_list_does(teacher):
    from enrollments import selectors as enrollment_selectors

    course, lessons = _course(teacher, lessons=2)
    extra = LessonFactory(module=lessons[0].module, position=9, is_required=False)
    enrollment = EnrollmentFactory(course=course, last_activity_at=timezone.now() - timedelta(days=30))
    LessonProgressFactory(enrollment=enrollment, lesson=extra)  # optional: counts for nothing
    LessonProgressFactory(enrollment=enrollment, lesson=lessons[0])
    (numbers,) = analytics.overview(teacher).courses
    listed = enrollment_selectors.with_progress_counts(Enrollment.objects.filter(pk=enrollment.pk)).get()
    assert numbers.lessons == listed.lessons_required == 2
    assert numbers.average_progress == 50 == round(100 * listed.lessons_done / listed.lessons_required)
    (risk,) = analytics.at_risk(teacher, idle_days=14, below_percent=60)
    assert risk.progress == 50
    assert analytics.at_risk(teacher, idle_days=14, below_percent=50) == []  # half done is not behind


def test_work_waiting_for_a_grade_is_counted_per_course_and_in_all(teacher):
    from decimal import Decimal

    from assignments import services as assignment_services
    from assignments.models import Assignment
    from enrollments import services as enrollment_services

    course, _lessons = _course(teacher)
    task = Assignment.objects.create(module=course.modules.first(), title="Essay", points=10)
    learners = [UserFactory() for _ in range(3)]
    for learner in learners:
        enrollment_services.enrollment_create(user=learner, course=course)
        assignment_services.submission_save(user=learner, assignment=task, text="work")
    graded = task.submissions.first()
    assignment_services.submission_grade(submission=graded, score=Decimal(5), feedback="", by=teacher, version=1)
    overview = analytics.overview(teacher)
    assert overview.waiting == 2
    assert [n.waiting for n in overview.courses if n.course_id == course.pk] == [2]
    assert analytics.overview(UserFactory()).waiting == 0
