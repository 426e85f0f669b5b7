"""The codes of the domain errors assignments raises (lms.exceptions), one place to read
them: clients rely on each value, so a value never changes once released."""

from enum import StrEnum


class ErrorCode(StrEnum):
    ALREADY_GRADED = "already_graded"
    ALREADY_SUBMITTED = "already_submitted"
    CLOSED = "assignment_closed"
    EDITED_MEANWHILE = "edited_meanwhile"
    INVALID = "invalid"
    NOT_ENROLLED = "not_enrolled"
    NOT_OPEN = "assignment_not_open"
    SUBMISSION_LIMIT_REACHED = "submission_limit_reached"
