"""The one grading rule, on a question's snapshot (as stored in Attempt.paper).

Pure functions: no database, no time. `validate_response` checks a learner's response
has the right shape for the question; `grade` awards points.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from lms.exceptions import ApplicationError
from quizzes.errors import ErrorCode

TWO_PLACES = Decimal("0.01")
_SPACES = re.compile(r"\s+")
MAX_TEXT = 500


def decimal_text(value) -> str | None:
    """Points, scores and percentages as every answer and event writes them: two places,
    always ("0.00", never "0"), whether the value was just computed or read back."""
    if value is None:
        return None
    return str(Decimal(str(value)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP))


def normalise_text(value: str) -> str:
    return _SPACES.sub(" ", value).strip().casefold()


def _decimal(value) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _invalid(message: str) -> ApplicationError:
    return ApplicationError(message, code=ErrorCode.INVALID_ANSWER)


def validate_response(question: dict, response) -> dict:
    """The response in canonical form, or ApplicationError. An empty dict clears an answer."""
    if response in (None, {}, ""):
        return {}
    if not isinstance(response, dict):
        raise _invalid("An answer must be an object.")
    kind = question["kind"]
    choice_ids = {c["id"] for c in question.get("choices", [])}
    if kind == "single":
        choice = response.get("choice")
        if not isinstance(choice, int) or isinstance(choice, bool) or choice not in choice_ids:
            raise _invalid("Pick one of the question's choices.")
        return {"choice": choice}
    if kind == "multiple":
        choices = response.get("choices")
        if not isinstance(choices, list) or not all(isinstance(c, int) and not isinstance(c, bool) for c in choices):
            raise _invalid("Pick a list of the question's choices.")
        if not set(choices) <= choice_ids:
            raise _invalid("Pick only the question's choices.")
        return {"choices": sorted(set(choices))}
    if kind == "true_false":
        value = response.get("value")
        if not isinstance(value, bool):
            raise _invalid("Answer true or false.")
        return {"value": value}
    if kind == "short_text":
        text = response.get("text")
        if not isinstance(text, str) or len(text) > MAX_TEXT or "\x00" in text:
            raise _invalid(f"Answer with text of at most {MAX_TEXT} characters.")
        return {"text": text}
    if kind == "numeric":
        number = _decimal(response.get("value"))
        if number is None or abs(number) > Decimal("1e15"):
            raise _invalid("Answer with a number.")
        return {"value": str(number)}
    raise _invalid("Unknown question kind.")


def max_points(question: dict) -> Decimal:
    return Decimal(0) if question.get("dropped") else Decimal(question["points"])


def grade(question: dict, response: dict) -> tuple[Decimal, bool]:
    """(points awarded, fully correct) for one question."""
    points = Decimal(question["points"])
    if question.get("dropped"):
        return Decimal(0), True
    if question.get("credit_all"):
        return points, True
    if not response:
        return Decimal(0), False
    kind = question["kind"]
    if kind == "single":
        correct = {c["id"] for c in question["choices"] if c["is_correct"]}
        ok = response.get("choice") in correct
        return (points if ok else Decimal(0)), ok
    if kind == "multiple":
        correct = {c["id"] for c in question["choices"] if c["is_correct"]}
        picked = set(response.get("choices", []))
        right, wrong = len(picked & correct), len(picked - correct)
        if not correct:
            return Decimal(0), False
        fraction = max(Decimal(0), Decimal(right - wrong) / Decimal(len(correct)))
        awarded = (points * fraction).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
        return awarded, picked == correct
    if kind == "true_false":
        ok = response.get("value") is question["correct_bool"]
        return (points if ok else Decimal(0)), ok
    if kind == "short_text":
        accepted = {normalise_text(a) for a in question.get("accepted_answers", []) if isinstance(a, str)}
        ok = normalise_text(response.get("text", "")) in accepted
        return (points if ok else Decimal(0)), ok
    if kind == "numeric":
        value = _decimal(response.get("value"))
        target, tolerance = Decimal(question["numeric_value"]), Decimal(question["numeric_tolerance"])
        ok = value is not None and abs(value - target) <= tolerance
        return (points if ok else Decimal(0)), ok
    return Decimal(0), False
