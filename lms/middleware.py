"""Project middleware: operations endpoints, request ids and the access log."""

from __future__ import annotations

import functools
import logging
import re
import time
import uuid
import zoneinfo
from dataclasses import replace

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _

from lms import health
from lms.logging import request_id_var
from lms.validation import nul_in_request

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


class PrivateResponseMiddleware:
    """Every answer that depends on who asks is `Cache-Control: private, no-store`, so no
    shared cache (a proxy, a CDN) and no later user of the same browser profile keeps one
    person's data: answers to a signed-in user (a session, or a bearer token: DRF puts
    the user it authenticated on the request), to any request that carries credentials,
    and any answer that sets a cookie (a session, a CSRF token in a form). Anonymous
    answers without cookies (the public catalog, static files) stay cacheable; API
    answers vary on `Authorization` so a cache never gives a bearer client the anonymous
    copy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith("/api/"):
            patch_vary_headers(response, ("Authorization",))
        user = getattr(request, "user", None)
        if response.cookies or "HTTP_AUTHORIZATION" in request.META or (user is not None and user.is_authenticated):
            patch_cache_control(response, private=True, no_store=True)
        return response


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


class CleanInputMiddleware:
    """A NUL character in the path, a query parameter or a form field is a 400 naming
    the field, before any view reads it: every filter and form of the API and the pages
    alike, including those added later. (JSON bodies: lms.api.parsers.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = nul_in_request(request)
        if field is not None:
            from lms.views import invalid_input

            return invalid_input(request, field, _("Null characters are not allowed."))
        return self.get_response(request)


class DomainErrorPagesMiddleware:
    """Pages: a NotFoundError from a selector or a service is the 404 page and a
    PermissionDeniedError the 403 page, mapped here once instead of in each view (the API
    maps every domain error in lms/api/exceptions.py; DRF catches them before this)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from lms import views
        from lms.exceptions import NotFoundError, PermissionDeniedError

        if isinstance(exception, NotFoundError):
            return views.not_found(request, exception)
        if isinstance(exception, PermissionDeniedError):
            return views.permission_denied(request, exception)
        return None


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


class UserLanguageMiddleware:
    """Pages in the signed-in user's language (their profile's `language`), when they chose
    one: it outranks the browser's and the cookie's (LocaleMiddleware, before this)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if language and language != getattr(request, "LANGUAGE_CODE", None):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy, with one exception scoped to the admin: its interface (django-unfold)
    evaluates Alpine.js expressions (`'unsafe-eval'`) and sets the brand's colours in an inline
    style element (`'unsafe-inline'` for styles). Learner pages and the API keep the strict
    policy; settings.ADMIN_CSP_UPDATE says what the admin adds."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path.startswith(_admin_prefix()):
            update = {k: list(v) for k, v in (parts.update or {}).items()}
            for directive, sources in settings.ADMIN_CSP_UPDATE.items():
                update[directive] = [*update.get(directive, []), *sources]
            parts = replace(parts, update=update)
        return parts


@functools.cache
def _admin_prefix() -> str:
    return reverse("admin:index")
