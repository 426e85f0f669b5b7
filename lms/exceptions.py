"""Domain errors raised by services, mapped to HTTP once (lms/api/exceptions.py) and to
form errors or messages once in the page views.

Services raise these and never HTTP errors; each subclass carries a stable `code`
that clients can rely on.
"""


class ApplicationError(Exception):
    """A business rule refused the operation. Maps to 400."""

    code = "invalid"
    default_message = "The request could not be completed."

    def __init__(self, message: str | None = None, *, code: str | None = None, extra: dict | None = None):
        self.message = message or self.default_message
        if code is not None:
            self.code = code
        self.extra = extra or {}
        super().__init__(self.message)


class NotFoundError(ApplicationError):
    """The object does not exist or is not visible to the requester. Maps to 404."""

    code = "not_found"
    default_message = "Not found."


class PermissionDeniedError(ApplicationError):
    """The requester is known and may see the object, but may not do this. Maps to 403."""

    code = "permission_denied"
    default_message = "You do not have permission to do this."


class AuthenticationFailedError(ApplicationError):
    """Credentials or a token were not accepted. Maps to 401."""

    code = "authentication_failed"
    default_message = "Authentication failed."


class RateLimitedError(ApplicationError):
    """Too many attempts; try again after `retry_after` seconds. Maps to 429."""

    code = "throttled"
    default_message = "Too many attempts. Try again later."

    def __init__(self, message: str | None = None, *, retry_after: int, code: str | None = None):
        self.retry_after = max(1, int(retry_after))
        super().__init__(message, code=code)


class ConflictError(ApplicationError):
    """The operation conflicts with the current state (capacity, limits). Maps to 409."""

    code = "conflict"
    default_message = "The request conflicts with the current state."


class ServiceUnavailableError(ApplicationError):
    """A dependency the operation needs is down. Maps to 503."""

    code = "service_unavailable"
    default_message = "A service this request needs is unavailable; try again shortly."
