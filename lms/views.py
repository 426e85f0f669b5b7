"""Project-level pages and API views that belong to no domain app."""

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from lms.exceptions import ServiceUnavailableError


class ApiRootView(APIView):
    """Entry point of the versioned API: links to the operations endpoints and docs."""

    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request):
        links = {"health": "/api/v1/health", "ready": "/api/v1/ready"}
        if settings.ENABLE_API_DOCS:
            links["schema"] = reverse("api-schema", request=request)
            links["docs"] = reverse("api-docs", request=request)
        return Response({"version": "v1", "links": links})


class _DocsGate:
    """The schema and docs exist only when ENABLE_API_DOCS; otherwise they are 404."""

    def dispatch(self, request, *args, **kwargs):
        if not settings.ENABLE_API_DOCS:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class SchemaView(_DocsGate, SpectacularAPIView):
    pass


class DocsView(_DocsGate, SpectacularSwaggerView):
    pass


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "Not found.", "code": "not_found", "errors": {}}, status=404)
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    if _wants_json(request):
        return JsonResponse(
            {"detail": "You do not have permission to do this.", "code": "permission_denied", "errors": {}},
            status=403,
        )
    return render(request, "403.html", status=403)


def bad_request(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "Bad request.", "code": "bad_request", "errors": {}}, status=400)
    return render(request, "400.html", status=400)


def invalid_input(request, field: str, message: str) -> HttpResponse:
    """400 for input refused before any view read it, naming the field: the API's error
    shape, or the 400 page with the message."""
    if _wants_json(request):
        return JsonResponse({"detail": "Invalid input.", "code": "invalid", "errors": {field: [message]}}, status=400)
    return render(request, "400.html", {"message": message}, status=400)


# Seconds a client is asked to wait when the database is unreachable (a restart or a
# failover takes a few seconds; connections are re-opened on the next request).
DATABASE_RETRY_AFTER_SECONDS = 5


def _database_unavailable() -> bool:
    """The error being handled is the database being unreachable (down, restarting, a
    connection cut), not a bug: the answer is 503 with Retry-After, not 500."""
    return isinstance(sys.exc_info()[1], OperationalError | InterfaceError)


def server_error(request):
    if _database_unavailable():
        headers = {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}
        if _wants_json(request):
            body = {"detail": ServiceUnavailableError.default_message, "code": "service_unavailable", "errors": {}}
            return JsonResponse(body, status=503, headers=headers)
        # No template: rendering the site's layout would query the database again.
        page = "<!doctype html><title>Unavailable</title><h1>The site is briefly unavailable</h1><p>Please try again in a moment.</p>"
        return HttpResponse(page, status=503, headers=headers)
    if _wants_json(request):
        return JsonResponse({"detail": "Server error.", "code": "server_error", "errors": {}}, status=500)
    return render(request, "500.html", status=500)


# The default colour is app.css's own: no stylesheet more to fetch then.
DEFAULT_BRAND_COLOR = "#0b5cad"


def brand_css(request) -> HttpResponse:
    """The brand colour (settings.BRAND_COLOR) as a stylesheet over app.css's: buttons,
    links and the progress bars take it. The same for everyone, so cacheable."""
    response = HttpResponse(f":root {{ --accent: {settings.BRAND_COLOR}; }}\n", content_type="text/css")
    response["Cache-Control"] = "public, max-age=3600"
    return response
