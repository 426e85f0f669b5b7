"""The access-token blacklist: revoked access tokens' `jti`s, kept in Redis until the
token would have expired anyway, so a logout takes effect at once on every API instance.

Redis errors propagate to the caller (the `security` cache does not swallow them), which
applies ACCESS_TOKEN_BLACKLIST_FAIL_CLOSED.
"""

from __future__ import annotations

import time

from django.core.cache import caches


def _key(jti: str) -> str:
    return f"jwt-bl:{jti}"


def access_token_blacklist(*, jti: str, expires_at: int) -> None:
    """Refuse the access token `jti` until `expires_at` (a Unix time)."""
    ttl = max(1, int(expires_at - time.time()) + 1)
    caches["security"].set(_key(jti), 1, timeout=ttl)


def access_token_is_blacklisted(*, jti: str) -> bool:
    return caches["security"].get(_key(jti)) is not None
