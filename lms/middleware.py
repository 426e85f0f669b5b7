"""Project middleware: operations endpoints, request ids and the access log."""

from __future__ import annotations

import logging
import re
import time
import uuid
import zoneinfo

from django.utils import timezone

from lms import health
from lms.logging import request_id_var

access_logger = logging.getLogger("lms.access")

_OPERATIONS = {
    "/api/v1/health": health.health,
    "/api/v1/health/": health.health,
    "/api/v1/ready": health.ready,
    "/api/v1/ready/": health.ready,
    "/metrics": health.metrics,
    "/metrics/": health.metrics,
}
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class OperationsEndpointsMiddleware:
    """Answer health, readiness and metrics before anything else runs.

    Only GET and HEAD; anything else falls through to the normal stack (and its 405/404).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = _OPERATIONS.get(request.path_info)
        if view is not None and request.method in ("GET", "HEAD"):
            response = view(request)
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)


class RequestIdMiddleware:
    """Give every request an id (the proxy's `X-Request-ID` when it is well-formed),
    echo it in the response and write one access log line per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            duration_ms = round((time.perf_counter() - started) * 1000, 2)
            user = getattr(request, "user", None)
            access_logger.info(
                "request %s %s %s %sms",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class UserTimezoneMiddleware:
    """Show dates in the signed-in user's time zone (their profile's `time_zone`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        name = getattr(user, "time_zone", None) if user is not None and user.is_authenticated else None
        try:
            timezone.activate(zoneinfo.ZoneInfo(name)) if name else timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
