"""The codes of the domain errors enrollments raises (lms.exceptions), one place to read
them: clients rely on each value, so a value never changes once released."""

from enum import StrEnum


class ErrorCode(StrEnum):
    COURSE_FULL = "course_full"
    COURSE_NOT_PUBLISHED = "course_not_published"
    EMPTY_CSV = "empty_csv"
    ENROLLMENT_CLOSED = "enrollment_closed"
    ENROLLMENT_COMPLETED = "enrollment_completed"
    ENROLLMENT_NOT_OPEN = "enrollment_not_open"
    FILE_TOO_LARGE = "file_too_large"
    INVALID = "invalid"
    INVALID_CSV = "invalid_csv"
    INVALID_ROWS = "invalid_rows"
    NO_EMAIL_COLUMN = "no_email_column"
    NOT_ENROLLED = "not_enrolled"
    PREREQUISITES_MISSING = "prerequisites_missing"
    TOO_MANY_ROWS = "too_many_rows"
    WATCH_THE_VIDEO = "watch_the_video"
