"""The codes of the domain errors courses raises (lms.exceptions), one place to read
them: clients rely on each value, so a value never changes once released."""

from enum import StrEnum


class ErrorCode(StrEnum):
    COURSE_EMPTY = "course_empty"
    HAS_DEPENDENTS = "has_dependents"
    INVALID = "invalid"
