"""The codes of the domain errors quizzes raises (lms.exceptions), one place to read
them: clients rely on each value, so a value never changes once released."""

from enum import StrEnum


class ErrorCode(StrEnum):
    ATTEMPT_CONFLICT = "attempt_conflict"
    ATTEMPT_LIMIT_REACHED = "attempt_limit_reached"
    ATTEMPT_SUBMITTED = "attempt_submitted"
    DEADLINE_PASSED = "deadline_passed"
    INVALID = "invalid"
    INVALID_ANSWER = "invalid_answer"
    NOT_ENROLLED = "not_enrolled"
    QUIZ_ATTEMPTED = "quiz_attempted"
    UNKNOWN_QUESTION = "unknown_question"
