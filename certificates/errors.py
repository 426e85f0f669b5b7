"""The codes of the domain errors certificates raises (lms.exceptions), one place to read
them: clients rely on each value, so a value never changes once released."""

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID = "invalid"
    NOT_COMPLETED = "not_completed"
    NOT_READY = "not_ready"
    REVOKED = "revoked"
