from django.db.models import QuerySet

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


# The public verification answer is cached as the JSON it sends, per code, for at most
# this long. Any change to the certificate (revocation, a withheld name, a new render)
# deletes the entry once committed (certificates/receivers.py), so a revocation shows at
# once; the expiry only bounds a read that raced the change.
VERIFICATION_TTL_SECONDS = 60


def verification_cache_key(code: str) -> str:
    return f"certificate-verify:{normalise_code(code)}"
