"""Per-learner accommodations on a course's quizzes: extra time and extra attempts, granted
by the course's instructors in the admin, enforced by the same server rules whichever door
starts an attempt."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from enrollments.models import Enrollment
from lms.exceptions import ConflictError
from quizzes import services
from quizzes.models import Accommodation, Attempt
from quizzes.tests.factories import QuizFactory, single

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiz():
    quiz = QuizFactory(max_attempts=1, time_limit_minutes=20)
    single(quiz)
    return quiz


def test_extra_time_multiplies_the_deadline(quiz, learner):
    Accommodation.objects.create(user=learner, course=quiz.course, time_multiplier=Decimal("1.5"))
    now = timezone.now()
    attempt, _ = services.attempt_start(user=learner, quiz=quiz, now=now)
    assert attempt.deadline == now + timedelta(minutes=30)


def test_without_an_accommodation_the_quiz_rules_hold(quiz, learner):
    now = timezone.now()
    attempt, _ = services.attempt_start(user=learner, quiz=quiz, now=now)
    assert attempt.deadline == now + timedelta(minutes=20)
    services.attempt_submit(attempt=attempt)
    with pytest.raises(ConflictError):
        services.attempt_start(user=learner, quiz=quiz)


def test_extra_attempts_add_to_the_limit_and_show_as_attempts_left(quiz, learner, client):
    Accommodation.objects.create(user=learner, course=quiz.course, extra_attempts=1)
    for _ in range(2):
        attempt, created = services.attempt_start(user=learner, quiz=quiz)
        assert created
        services.attempt_submit(attempt=attempt)
    with pytest.raises(ConflictError):
        services.attempt_start(user=learner, quiz=quiz)
    assert Attempt.objects.filter(user=learner).count() == 2
    client.force_login(learner)
    page = client.get(f"/quizzes/{quiz.pk}/").content.decode()
    assert "Attempts left: 0 of 2" in page and "Your instructor adjusted your time or attempts" in page


def test_an_accommodation_on_another_course_changes_nothing(quiz, learner):
    other = QuizFactory()
    Accommodation.objects.create(user=learner, course=other.course, time_multiplier=Decimal("2"), extra_attempts=5)
    now = timezone.now()
    attempt, _ = services.attempt_start(user=learner, quiz=quiz, now=now)
    assert attempt.deadline == now + timedelta(minutes=20)


def test_the_api_tells_the_learner_their_own_limits(quiz, learner, api_client):
    Accommodation.objects.create(user=learner, course=quiz.course, time_multiplier=Decimal("1.25"), extra_attempts=2)
    api_client.force_authenticate(learner)
    body = api_client.get(f"/api/v1/quizzes/{quiz.pk}/").json()
    assert body["max_attempts"] == 1 and body["your_max_attempts"] == 3 and body["attempts_left"] == 3
    assert body["time_limit_minutes"] == 20 and body["your_time_limit_minutes"] == 25 and body["accommodated"] is True


def test_the_courses_instructor_grants_one_in_the_admin_and_who_is_recorded(quiz, learner, client):
    owner = quiz.course.instructors.get()
    client.force_login(owner)
    response = client.post(
        "/admin/quizzes/accommodation/add/",
        {
            "user": learner.pk,
            "course": quiz.course.pk,
            "time_multiplier": "1.5",
            "extra_attempts": "1",
            "reason": "Dyslexia",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    granted = Accommodation.objects.get()
    assert granted.granted_by == owner and granted.time_multiplier == Decimal("1.5")


@pytest.mark.parametrize("multiplier", ["0.5", "9"])
def test_a_multiplier_out_of_range_is_refused_on_the_field(quiz, learner, client, multiplier):
    client.force_login(quiz.course.instructors.get())
    response = client.post(
        "/admin/quizzes/accommodation/add/",
        {"user": learner.pk, "course": quiz.course.pk, "time_multiplier": multiplier, "extra_attempts": "0"},
    )
    assert response.status_code == 200 and "time_multiplier" in response.context["adminform"].form.errors
    assert not Accommodation.objects.exists()


def test_another_instructor_cannot_see_or_grant_on_a_course_they_do_not_teach(quiz, learner, client):
    from accounts.tests.factories import InstructorFactory

    theirs = Accommodation.objects.create(user=learner, course=quiz.course, extra_attempts=1)
    client.force_login(InstructorFactory())
    assert client.get(f"/admin/quizzes/accommodation/{theirs.pk}/change/").status_code in (302, 404)
    response = client.post(
        "/admin/quizzes/accommodation/add/",
        {"user": learner.pk, "course": quiz.course.pk, "time_multiplier": "2", "extra_attempts": "0"},
    )
    assert response.status_code == 200 and "course" in response.context["adminform"].form.errors


def test_the_instructor_chooses_among_the_learners_of_their_courses_only(quiz, learner, client):
    stranger = UserFactory(email="stranger@example.com")
    other = QuizFactory()
    Enrollment.objects.create(user=stranger, course=other.course, enrolled_at=timezone.now())
    client.force_login(quiz.course.instructors.get())
    form = client.get("/admin/quizzes/accommodation/add/").content.decode()
    user_select = form.split('name="user"')[1].split("</select>")[0]
    assert learner.email in user_select and "stranger@example.com" not in user_select
