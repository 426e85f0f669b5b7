"""The grading rule for every question kind, on snapshots (no database)."""

from decimal import Decimal

import pytest

from lms.exceptions import ApplicationError
from quizzes.grading import grade, max_points, normalise_text, validate_response


def q(kind, **extra):
    base = {"id": 1, "kind": kind, "points": "2", "choices": [], "credit_all": False, "dropped": False}
    base.update(extra)
    return base


SINGLE = q(
    "single", choices=[{"id": 10, "text": "a", "is_correct": True}, {"id": 11, "text": "b", "is_correct": False}]
)
MULTI = q(
    "multiple",
    points="3",
    choices=[
        {"id": 1, "text": "a", "is_correct": True},
        {"id": 2, "text": "b", "is_correct": True},
        {"id": 3, "text": "c", "is_correct": True},
        {"id": 4, "text": "d", "is_correct": False},
    ],
)


@pytest.mark.parametrize(
    ("response", "points", "correct"), [({"choice": 10}, "2", True), ({"choice": 11}, "0", False), ({}, "0", False)]
)
def test_single_choice(response, points, correct):
    assert grade(SINGLE, response) == (Decimal(points), correct)


@pytest.mark.parametrize(
    ("picked", "points", "correct"),
    [
        ([1, 2, 3], "3.00", True),  # all right
        ([1, 2], "2.00", False),  # two of three right
        ([1, 2, 4], "1.00", False),  # right picks minus wrong picks: (2 - 1) / 3
        ([1, 4], "0.00", False),  # (1 - 1) / 3
        ([4], "0.00", False),  # floored at zero, never negative
        ([1, 2, 3, 4], "2.00", False),  # picking everything is not full marks
        ([], "0.00", False),
    ],
)
def test_multiple_choice_partial_credit(picked, points, correct):
    assert grade(MULTI, {"choices": picked}) == (Decimal(points), correct)


def test_true_false():
    question = q("true_false", correct_bool=False)
    assert grade(question, {"value": False}) == (Decimal(2), True)
    assert grade(question, {"value": True}) == (Decimal(0), False)


@pytest.mark.parametrize("text", ["Paris", "  paris ", "PARIS", "pa ris"])
def test_short_text_is_normalised(text):
    question = q("short_text", accepted_answers=["Paris", "Pa  Ris"])
    assert grade(question, {"text": text})[1] is True


def test_short_text_wrong_answer():
    assert grade(q("short_text", accepted_answers=["Paris"]), {"text": "Lyon"}) == (Decimal(0), False)


@pytest.mark.parametrize(
    ("value", "ok"), [("3.14", True), ("3.15", True), ("3.13", True), ("3.16", False), ("-3.14", False)]
)
def test_numeric_with_tolerance(value, ok):
    question = q("numeric", numeric_value="3.14", numeric_tolerance="0.01")
    assert grade(question, {"value": value})[1] is ok


def test_credit_all_and_dropped_questions():
    assert grade({**SINGLE, "credit_all": True}, {}) == (Decimal(2), True)
    dropped = {**SINGLE, "dropped": True}
    assert grade(dropped, {"choice": 10}) == (Decimal(0), True)
    assert max_points(dropped) == 0


def test_normalise_text():
    assert normalise_text("  Hello\t  World\n") == "hello world"


@pytest.mark.parametrize(
    ("question", "response"),
    [
        (SINGLE, {"choice": 99}),  # not one of its choices
        (SINGLE, {"choice": True}),
        (SINGLE, {"choice": "10"}),
        (MULTI, {"choices": [1, 99]}),
        (MULTI, {"choices": "1"}),
        (q("true_false", correct_bool=True), {"value": "yes"}),
        (q("short_text", accepted_answers=["x"]), {"text": "x" * 501}),
        (q("short_text", accepted_answers=["x"]), {"text": "a\x00b"}),
        (q("numeric", numeric_value="1", numeric_tolerance="0"), {"value": "NaN"}),
        (q("numeric", numeric_value="1", numeric_tolerance="0"), {"value": "1e400"}),
        (q("numeric", numeric_value="1", numeric_tolerance="0"), {"value": True}),
        (SINGLE, ["not", "an", "object"]),
    ],
)
def test_malformed_responses_are_refused(question, response):
    with pytest.raises(ApplicationError):
        validate_response(question, response)


def test_responses_are_canonicalised():
    assert validate_response(MULTI, {"choices": [3, 1, 1]}) == {"choices": [1, 3]}
    assert validate_response(q("numeric", numeric_value="1", numeric_tolerance="0"), {"value": 2.5}) == {"value": "2.5"}
    assert validate_response(SINGLE, {}) == {}
