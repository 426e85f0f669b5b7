from datetime import UTC
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from certificates.errors import ErrorCode
from certificates.models import Certificate, normalise_code
from courses.cache import cached
from lms.exceptions import ConflictError, NotFoundError


def certificates_of(user) -> QuerySet[Certificate]:
    return Certificate.objects.filter(user=user).select_related("course").order_by("-issued_at", "-id")


def certificate_for_course(user, course_id: int) -> Certificate | None:
    """The requester's certificate of the course, if one was issued."""
    if user is None or not user.is_authenticated:
        return None
    return Certificate.objects.filter(user=user, course_id=course_id).order_by("-issued_at", "-id").first()


def linkedin_add_url(certificate: Certificate) -> str:
    """LinkedIn's public "add a certification to your profile" link for the certificate,
    filled in: its name, the issuer, the month issued, the verification link and code."""
    query = {
        "startTask": "CERTIFICATION_NAME",
        "name": certificate.course_title,
        "organizationName": settings.SITE_NAME,
        "issueYear": certificate.issued_at.year,
        "issueMonth": certificate.issued_at.month,
        "certUrl": certificate.verification_url,
        "certId": certificate.display_code,
    }
    return f"https://www.linkedin.com/profile/add?{urlencode(query)}"


def certificate_get_own(user, certificate_id) -> Certificate:
    """The requester's own certificate; anyone else's is 404."""
    certificate = Certificate.objects.filter(user=user, pk=certificate_id).select_related("course").first()
    if certificate is None:
        raise NotFoundError("Certificate not found.")
    return certificate


def certificate_pdf_for(user, certificate_id) -> Certificate:
    """The requester's own certificate whose PDF may be downloaded: 404 for anyone
    else's; a conflict while it is being prepared, or once it is revoked (a revoked
    certificate's PDF is no longer handed out; its verification says it was revoked)."""
    certificate = certificate_get_own(user, certificate_id)
    if certificate.is_revoked:
        raise ConflictError("This certificate was revoked and can no longer be downloaded.", code=ErrorCode.REVOKED)
    if not certificate.is_ready:
        raise ConflictError("The certificate is still being prepared; try again in a minute.", code=ErrorCode.NOT_READY)
    return certificate


def certificate_verify(code: str) -> Certificate:
    """Public lookup by code. Unknown codes are 404, with no hint of near matches."""
    normalised = normalise_code(code)
    certificate = Certificate.objects.filter(code=normalised).first() if len(normalised) == 16 else None
    if certificate is None:
        raise NotFoundError("No certificate has this code.")
    return certificate


# For at most this long. Any change to the certificate (revocation, a withheld name, a new
# render) forgets its answer once committed (certificates/receivers.py), so a revocation
# shows at once; the lifetime only bounds a read that raced the change.
VERIFICATION_TTL_SECONDS = 60


@cached(
    "certificate-verification",
    store="shared",
    ttl=VERIFICATION_TTL_SECONDS,
    versioned=False,
    key=lambda code: (normalise_code(code),),
)
def certificate_verification(code: str) -> dict:
    """What the public verification answers for `code`, the same for everyone, dates in
    UTC whoever asks first. NotFoundError for an unknown code, which is never cached."""
    from certificates.api.serializers import VerificationSerializer

    with timezone.override(UTC):
        return dict(VerificationSerializer(certificate_verify(code)).data)
