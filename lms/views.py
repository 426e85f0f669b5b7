"""Project-level pages and API views that belong to no domain app."""

from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import render
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView


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


def server_error(request):
    if _wants_json(request):
        return JsonResponse({"detail": "Server error.", "code": "server_error", "errors": {}}, status=500)
    return render(request, "500.html", status=500)
