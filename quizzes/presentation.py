"""What a viewer may see of a quiz paper: the one place that strips keys.

Before submission (and after it, unless the review policy allows), a question shows only
its prompt, points and choice texts: no `is_correct`, no accepted answers, no value, no
explanation. The API and the pages both render through `paper_for`.
"""

from __future__ import annotations

from django.utils import timezone

from quizzes import grading
from quizzes.models import Attempt
from quizzes.selectors import allowance_for, quiz_stats_for, review_allowed


def _public_question(question: dict) -> dict:
    return {
        "id": question["id"],
        "kind": question["kind"],
        "prompt_html": question["prompt_html"],
        "points": grading.decimal_text(question["points"]),
        "dropped": question.get("dropped", False),
        "choices": [{"id": c["id"], "text": c["text"]} for c in question.get("choices", [])],
    }


def _review(question: dict, answer) -> dict:
    correct: dict = {}
    if question["kind"] in ("single", "multiple"):
        correct["choices"] = [c["id"] for c in question["choices"] if c["is_correct"]]
    elif question["kind"] == "true_false":
        correct["value"] = question["correct_bool"]
    elif question["kind"] == "short_text":
        correct["accepted_answers"] = question["accepted_answers"]
    elif question["kind"] == "numeric":
        correct["value"] = question["numeric_value"]
        correct["tolerance"] = question["numeric_tolerance"]
    return {
        "correct_answer": correct,
        "explanation": question.get("explanation", ""),
        "is_correct": bool(answer and answer.is_correct),
        "points_awarded": grading.decimal_text(answer.points_awarded if answer and answer.points_awarded else 0),
        "max_points": grading.decimal_text(grading.max_points(question)),
    }


def is_answered(response: dict | None) -> bool:
    """Whether a saved response answers its question (a blank text or no box ticked does
    not)."""
    if not response:
        return False
    return any(value not in (None, "", []) for value in response.values())


def paper_for(attempt: Attempt, viewer) -> dict:
    answers = {a.question_id_snapshot: a for a in attempt.answers.all()}
    show_review = review_allowed(attempt, viewer)
    questions = []
    for question in attempt.paper:
        item = _public_question(question)
        answer = answers.get(question["id"])
        item["response"] = answer.response if answer else None
        if show_review:
            item["review"] = _review(question, answer)
        questions.append(item)
    submitted = attempt.status == Attempt.Status.SUBMITTED
    seconds_left = None
    if attempt.deadline and not submitted:
        seconds_left = max(0, int((attempt.deadline - timezone.now()).total_seconds()))
    return {
        "id": attempt.pk,
        "quiz": attempt.quiz_id,
        "number": attempt.number,
        "status": attempt.status,
        "counts": attempt.counts,
        "started_at": attempt.started_at,
        "deadline": attempt.deadline,
        "seconds_left": seconds_left,
        "submitted_at": attempt.submitted_at,
        "score": grading.decimal_text(attempt.score) if submitted else None,
        "max_score": grading.decimal_text(attempt.max_score) if submitted else None,
        "percent": grading.decimal_text(attempt.percent) if submitted else None,
        "passed": attempt.passed if submitted else None,
        "review_available": show_review,
        "questions": questions,
    }


def quiz_payload(quiz, user) -> dict:
    allowance = allowance_for(user, quiz)
    stats = quiz_stats_for(user, quiz, allowance)
    count = quiz.questions.count()
    if quiz.questions_per_attempt:
        count = min(count, quiz.questions_per_attempt)
    return {
        "id": quiz.pk,
        "course": quiz.course,
        "title": quiz.title,
        "instructions_html": quiz.instructions_html,
        "pass_mark": quiz.pass_mark,
        "max_attempts": quiz.max_attempts,
        "time_limit_minutes": quiz.time_limit_minutes,
        "question_count": count,
        "review_policy": quiz.review_policy,
        "is_required": quiz.is_required,
        # The requester's own limits, their accommodation applied.
        "your_max_attempts": allowance.max_attempts,
        "your_time_limit_minutes": allowance.time_limit_minutes,
        "accommodated": allowance.accommodated,
        **stats,
    }
