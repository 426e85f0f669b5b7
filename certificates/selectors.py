from datetime import UTC

from django.db.models import QuerySet
from django.utils import timezone

from certificates import cache
from certificates.models import Certificate, normalise_code
from lms.exceptions import NotFoundError


def certificates_of(user) -> QuerySet[Certificate]:
    return Certificate.objects.filter(user=user).select_related("course").order_by("-issued_at", "-id")


def certificate_get_own(user, certificate_id) -> Certificate:
    """The requester's own certificate; anyone else's is 404."""
    certificate = Certificate.objects.filter(user=user, pk=certificate_id).select_related("course").first()
    if certificate is None:
        raise NotFoundError("Certificate not found.")
    return certificate


def certificate_verify(code: str) -> Certificate:
    """Public lookup by code. Unknown codes are 404, with no hint of near matches."""
    normalised = normalise_code(code)
    certificate = Certificate.objects.filter(code=normalised).first() if len(normalised) == 16 else None
    if certificate is None:
        raise NotFoundError("No certificate has this code.")
    return certificate


def certificate_verification(code: str) -> dict:
    """What the public verification answers for `code`, the same for everyone: cached per
    code (certificates/cache.py), dates in UTC whoever fills the cache. NotFoundError for
    an unknown code, which is never cached."""
    from certificates.api.serializers import VerificationSerializer

    def build() -> dict:
        with timezone.override(UTC):
            return dict(VerificationSerializer(certificate_verify(code)).data)

    return cache.verification_get_or_build(code, build)
