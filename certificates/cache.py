"""The public verification answer, cached per code: its key, lifetime and invalidation
in one place (read through certificates.selectors.certificate_verification)."""

from django.core.cache import cache
from django.db import transaction

from certificates.models import normalise_code

# For at most this long. Any change to the certificate (revocation, a withheld name, a new
# render) deletes the entry once committed (certificates/receivers.py), so a revocation
# shows at once; the expiry only bounds a read that raced the change.
VERIFICATION_TTL_SECONDS = 60


def verification_key(code: str) -> str:
    return f"certificate-verify:{normalise_code(code)}"


def verification_get_or_build(code: str, build):
    key = verification_key(code)
    value = cache.get(key)
    if value is None:
        value = build()  # unknown codes raise: nothing is cached for them
        cache.set(key, value, timeout=VERIFICATION_TTL_SECONDS)
    return value


def verification_forget(code: str) -> None:
    """Drop the cached answer for `code` once the current transaction commits."""
    key = verification_key(code)
    transaction.on_commit(lambda: cache.delete(key))
