import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from enrollments.models import Enrollment
from quizzes.tests.factories import QuizFactory, multiple, numeric, short_text, single, true_false


@pytest.fixture
def quiz(db):
    """A quiz with one question of each kind (6 points in all)."""
    quiz = QuizFactory(pass_mark=60)
    single(quiz)
    multiple(quiz)
    true_false(quiz, answer=True)
    short_text(quiz)
    numeric(quiz)
    return quiz


@pytest.fixture
def learner(quiz):
    user = UserFactory()
    Enrollment.objects.create(user=user, course=quiz.course, enrolled_at=timezone.now())
    return user


def right_answers(attempt) -> dict:
    answers = {}
    for q in attempt.paper:
        if q["kind"] == "single":
            answers[q["id"]] = {"choice": next(c["id"] for c in q["choices"] if c["is_correct"])}
        elif q["kind"] == "multiple":
            answers[q["id"]] = {"choices": [c["id"] for c in q["choices"] if c["is_correct"]]}
        elif q["kind"] == "true_false":
            answers[q["id"]] = {"value": q["correct_bool"]}
        elif q["kind"] == "short_text":
            answers[q["id"]] = {"text": q["accepted_answers"][0]}
        elif q["kind"] == "numeric":
            answers[q["id"]] = {"value": q["numeric_value"]}
    return answers
