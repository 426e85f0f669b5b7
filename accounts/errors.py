"""The codes of the domain errors accounts raises (lms.exceptions), one place to read
them: clients rely on each value, so a value never changes once released."""

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID = "invalid"
    INVALID_TOKEN = "invalid_token"  # noqa: S105 - an error code, not a secret
    LOGIN_LOCKED = "login_locked"
    NO_ACTIVE_ACCOUNT = "no_active_account"
    TOKEN_NOT_VALID = "token_not_valid"  # noqa: S105 - an error code, not a secret
    UNIQUE = "unique"
