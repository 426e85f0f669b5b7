"""Query budgets of the quiz scenarios of the benchmark (docs/performance.md): starting
and submitting an attempt, and reading it back, cost the same number of queries for a
5-question quiz in a small catalog and a 20-question quiz in a larger one (both seeded by
benchmarks/seed.py's own code, with smaller tiers). Timing belongs to benchmarks/run.py."""

import io

import pytest

from accounts.models import User
from benchmarks.seed import Seeder, Tier
from quizzes.models import Attempt, Quiz
from quizzes.tests.conftest import right_answers

pytestmark = pytest.mark.django_db

SMALL = Tier(
    "test-small", users=25, courses=11, lessons=25, enrollments=30, progress=25, attempts=20,
    big_course_lessons=5, questions_per_quiz=5, bench_learners=2,
)  # fmt: skip
LARGE = Tier(
    "test-large", users=60, courses=12, lessons=100, enrollments=120, progress=300, attempts=80,
    big_course_lessons=40, questions_per_quiz=20, bench_learners=5,
)  # fmt: skip
SIZES = pytest.mark.parametrize("tier", [SMALL, LARGE], ids=["small", "large"])


def seed(tier: Tier) -> tuple[User, Quiz]:
    """A bench learner (enrolled in the big course) and the big course's quiz."""
    seeder = Seeder(tier, seed=3, stdout=io.StringIO())
    seeder.run()
    learner = User.objects.get(pk=seeder.bench_learner_ids[0])
    return learner, Quiz.objects.get(course__slug="benchmark-big-course")


@SIZES
def test_quiz_start_runs_a_fixed_number_of_queries(tier, api_client, django_assert_max_num_queries):
    learner, quiz = seed(tier)
    api_client.force_authenticate(learner)
    # access, enrollment, the user lock, open attempt, the learner's accommodation, count,
    # number, the paper (questions, choices), the insert, then the attempt read back.
    with django_assert_max_num_queries(18):
        response = api_client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/")
    assert response.status_code == 201
    assert len(response.json()["questions"]) == tier.questions_per_quiz


@SIZES
def test_quiz_submit_runs_a_fixed_number_of_queries(tier, api_client, django_assert_max_num_queries):
    learner, quiz = seed(tier)
    api_client.force_authenticate(learner)
    attempt_id = api_client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()["id"]
    attempt = Attempt.objects.get(pk=attempt_id)
    saved = api_client.patch(f"/api/v1/attempts/{attempt_id}/", {"answers": right_answers(attempt)}, format="json")
    assert saved.status_code == 200
    # Grading is one bulk update of the answers, whatever their number; a pass reports
    # the requirement (and the completion check) once; the answer is built from the
    # attempt the submit locked and graded (not read again). Eight of these are savepoints
    # and their releases (the outer pair is BEGIN and COMMIT outside a test).
    with django_assert_max_num_queries(22):
        response = api_client.post(f"/api/v1/attempts/{attempt_id}/submit/")
    assert response.status_code == 200
    assert response.json()["passed"] is True


@SIZES
def test_attempt_review_runs_a_fixed_number_of_queries(tier, api_client, django_assert_max_num_queries):
    learner, _quiz = seed(tier)
    attempt = Attempt.objects.filter(user=learner, status=Attempt.Status.SUBMITTED).first()
    if attempt is None:  # the seed gave this learner no attempt: take one of anyone's
        attempt = Attempt.objects.filter(status=Attempt.Status.SUBMITTED).first()
        learner = attempt.user
    api_client.force_authenticate(learner)
    with django_assert_max_num_queries(3):
        response = api_client.get(f"/api/v1/attempts/{attempt.pk}/")
    assert response.status_code == 200
    assert len(response.json()["questions"]) == tier.questions_per_quiz


@SIZES
def test_quiz_page_runs_a_fixed_number_of_queries(tier, client, django_assert_max_num_queries):
    learner, quiz = seed(tier)
    client.force_login(learner)
    # ... and the learner's accommodation on the course (their own limits).
    with django_assert_max_num_queries(7):
        response = client.get(f"/quizzes/{quiz.pk}/")
    assert response.status_code == 200
