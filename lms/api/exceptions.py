"""One error shape for the whole API, chosen once:

    {"detail": "Human-readable message.", "code": "machine_code", "errors": {"field": ["..."]}}

`errors` holds field errors for 400 responses and is empty otherwise. Domain errors from
the services (lms.exceptions) are mapped to their status here and nowhere else.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from lms import exceptions as domain

_DOMAIN_STATUS = [
    (domain.AuthenticationFailedError, status.HTTP_401_UNAUTHORIZED),
    (domain.RateLimitedError, status.HTTP_429_TOO_MANY_REQUESTS),
    (domain.NotFoundError, status.HTTP_404_NOT_FOUND),
    (domain.PermissionDeniedError, status.HTTP_403_FORBIDDEN),
    (domain.ConflictError, status.HTTP_409_CONFLICT),
    (domain.ServiceUnavailableError, status.HTTP_503_SERVICE_UNAVAILABLE),
    (domain.ApplicationError, status.HTTP_400_BAD_REQUEST),
]


def _domain_response(exc: domain.ApplicationError) -> Response:
    http_status = next(code for cls, code in _DOMAIN_STATUS if isinstance(exc, cls))
    body = {"detail": exc.message, "code": exc.code, "errors": {}}
    body.update(exc.extra)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, domain.RateLimitedError) else None
    return Response(body, status=http_status, headers=headers)


def _first_code(codes) -> str:
    if isinstance(codes, dict):
        codes = next(iter(codes.values()), "invalid")
    if isinstance(codes, list):
        return _first_code(codes[0]) if codes else "invalid"
    return str(codes)


def exception_handler(exc, context):
    if isinstance(exc, domain.ApplicationError):
        return _domain_response(exc)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # An unexpected error: Django's 500 handler logs it and answers JSON.

    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {
            "detail": "Invalid input.",
            "code": "invalid" if isinstance(exc.detail, dict) else _first_code(exc.get_codes()),
            "errors": errors,
        }
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        if isinstance(detail, dict):
            # simplejwt reports {"detail": ..., "code": ..., "messages": [...]}.
            message = str(detail.get("detail", exc.default_detail))
            code = str(detail.get("code", exc.default_code))
        else:
            message = str(detail)
            code = _first_code(exc.get_codes())
        response.data = {"detail": message, "code": code, "errors": {}}
    return response
