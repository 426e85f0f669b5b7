"""Certificates API: own list and downloads; public verification by code."""

from datetime import UTC

from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer

from certificates import selectors
from certificates.api.serializers import CertificateSerializer, VerificationSerializer
from certificates.models import Certificate
from lms.exceptions import ConflictError
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
        certificate = self.get_object()
        if not certificate.is_ready:
            raise ConflictError("The certificate is still being prepared; try again in a minute.", code="not_ready")
        return private_file_response(
            certificate.pdf, filename=f"certificate-{certificate.display_code}.pdf", content_type="application/pdf"
        )


class VerifyView(GenericAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [VerifyRateThrottle]
    serializer_class = VerificationSerializer

    def get(self, request, code: str):
        # The same answer for everyone: cached as its JSON bytes (selectors.VERIFICATION_TTL_SECONDS).
        key = selectors.verification_cache_key(code)
        body = cache.get(key)
        if body is None:
            certificate = selectors.certificate_verify(code)  # unknown codes: 404, never cached
            with timezone.override(UTC):  # the same bytes whoever fills the cache
                body = JSONRenderer().render(VerificationSerializer(certificate).data)
            cache.set(key, body, timeout=selectors.VERIFICATION_TTL_SECONDS)
        return HttpResponse(body, content_type="application/json")
