"""Certificates API: own list and downloads; public verification by code."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from certificates import selectors
from certificates.api.serializers import CertificateSerializer, VerificationSerializer
from certificates.models import Certificate
from lms.files import private_file_response
from lms.ratelimit import VerifyRateThrottle


class CertificateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated]
    serializer_class = CertificateSerializer
    lookup_value_regex = r"\d+"
    filter_backends: list = []
    queryset = Certificate.objects.none()  # for the schema; get_queryset scopes to the owner

    def get_queryset(self):
        return selectors.certificates_of(self.request.user)

    def get_object(self):
        return selectors.certificate_get_own(self.request.user, self.kwargs["pk"])

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        certificate = selectors.certificate_pdf_for(request.user, pk)
        return private_file_response(
            certificate.pdf, filename=f"certificate-{certificate.display_code}.pdf", content_type="application/pdf"
        )


class VerifyView(GenericAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [VerifyRateThrottle]
    serializer_class = VerificationSerializer

    def get(self, request, code: str):
        return Response(selectors.certificate_verification(code))
