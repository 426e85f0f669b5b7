"""Exports through the API: ask for a CSV report, poll it, download it when ready."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from courses import selectors as course_selectors
from lms.api.idempotency import idempotent
from lms.files import private_file_response
from reports import selectors, services
from reports.api.serializers import ExportCreateSerializer, ExportSerializer
from reports.models import Export


class CanExport(permissions.BasePermission):
    message = "Only instructors and staff can export course data."

    def has_permission(self, request, view):
        return services.can_export(request.user)


class ExportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your exports: instructors export the courses they teach, staff any course. Each
    export is seen and downloaded only by the person who asked for it."""

    permission_classes = [permissions.IsAuthenticated, CanExport]
    serializer_class = ExportSerializer
    filter_backends: list = []
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        # v1 lists the kinds it knows (Export.V1_KINDS); the others are the admin's.
        return selectors.export_list_for(self.request.user).filter(kind__in=Export.V1_KINDS)

    @extend_schema(request=ExportCreateSerializer, responses={202: ExportSerializer, 200: ExportSerializer})
    @idempotent
    def create(self, request):
        """Build a CSV (or, with `format: xlsx`, an Excel file) in the background:
        `enrollments` (one row per enrollment, with progress), `progress` (per learner and
        lesson) or `grades` (per submitted attempt). Answers 202 with the export to poll; `download_url` is set when ready.
        The same export still pending is returned (200) rather than built twice."""
        serializer = ExportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        slug = serializer.validated_data.get("course")
        course = course_selectors.course_get_for_edit(request.user, slug) if slug else None
        export, created = services.export_request(
            user=request.user, kind=serializer.validated_data["kind"], course=course,
            format=serializer.validated_data["format"],
        )  # fmt: skip
        data = ExportSerializer(export, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK)

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="The CSV file."),
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The Excel file (`format: xlsx`)."
            ),
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The file (409 while it is being built)."""
        export = self.get_object()
        fieldfile = services.export_ready_file(export=export)
        return private_file_response(fieldfile, filename=export.filename, content_type=export.content_type)
