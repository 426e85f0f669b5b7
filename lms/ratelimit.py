"""Rate limiting shared by every process.

A fixed one-minute window per client and scope, counted with an atomic increment in the
`ratelimit` cache: Redis when RATE_LIMIT_USE_REDIS (so two gunicorn workers or two API
containers share one allowance), an in-process cache otherwise. A refused request gets
429 with `Retry-After` set to the seconds left in the window.

When Redis cannot be reached the limiter lets the request through and logs a warning:
rate limiting degrades, the site stays up (documented in docs/security.md).
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.shortcuts import render
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class RateLimitResult:
    allowed: bool
    count: int
    limit: int
    retry_after: int


def hit(
    *, scope: str, ident: str, limit: int, window: int = WINDOW_SECONDS, now: float | None = None
) -> RateLimitResult:
    """Count one request for `ident` in `scope` and say whether it is within `limit`."""
    now = time.time() if now is None else now
    window_index = int(now // window)
    retry_after = max(1, int((window_index + 1) * window - now + 0.999))
    key = f"rl:{scope}:{ident}:{window_index}"
    cache = caches["ratelimit"]
    try:
        count = _count(cache, key, timeout=window + 1)
    except Exception:
        logger.warning("rate_limit_unavailable", extra={"scope": scope}, exc_info=True)
        return RateLimitResult(allowed=True, count=0, limit=limit, retry_after=0)
    return RateLimitResult(allowed=count <= limit, count=count, limit=limit, retry_after=retry_after)


def _count(cache, key: str, *, timeout: int) -> int:
    """Increment the window's counter and return it. On Redis: INCR and EXPIRE NX in one
    pipelined round trip (this runs on every API request; EXPIRE NX needs Redis 7, which
    the operations guide requires). Elsewhere: add() then incr(),
    both atomic in locmem."""
    client = getattr(cache, "client", None)
    if client is not None and hasattr(client, "get_client"):  # django-redis
        pipe = client.get_client(write=True).pipeline(transaction=False)
        redis_key = cache.make_and_validate_key(key)
        pipe.incr(redis_key)
        pipe.expire(redis_key, timeout, nx=True)
        count, _ = pipe.execute()
        return int(count)
    cache.add(key, 0, timeout=timeout)
    return cache.incr(key)


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the right entry of X-Forwarded-For when
    NUM_PROXIES reverse proxies stand in front (so a client cannot forge it)."""
    remote_addr = request.META.get("REMOTE_ADDR", "")
    num_proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if num_proxies and forwarded:
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        if addresses:
            return addresses[-min(num_proxies, len(addresses))]
    return remote_addr or "unknown"


def limit_page_posts(
    *,
    scope: str = "auth",
    methods: tuple[str, ...] = ("POST",),
    limit_setting: str = "RATE_LIMIT_AUTH_REQUESTS_PER_MINUTE",
):
    """Decorator for page views: requests with these methods count against a per-address
    allowance (the `auth` one by default); over it, the page answers 429 with Retry-After."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in methods:
                result = hit(
                    scope=f"page-{scope}",
                    ident=f"ip:{client_ip(request)}",
                    limit=getattr(settings, limit_setting),
                )
                if not result.allowed:
                    response = render(request, "429.html", {"retry_after": result.retry_after}, status=429)
                    response["Retry-After"] = str(result.retry_after)
                    return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class _WindowThrottle(BaseThrottle):
    scope = "api"

    def get_limit(self) -> int:
        raise NotImplementedError

    def get_client_ident(self, request) -> str:
        return f"ip:{client_ip(request)}"

    def allow_request(self, request, view) -> bool:
        self.result = hit(scope=self.scope, ident=self.get_client_ident(request), limit=self.get_limit())
        return self.result.allowed

    def wait(self) -> float | None:
        return self.result.retry_after


class ClientRateThrottle(_WindowThrottle):
    """RATE_LIMIT_REQUESTS_PER_MINUTE per client on the API: per user when authenticated,
    per address otherwise."""

    scope = "api"

    def get_limit(self) -> int:
        return settings.RATE_LIMIT_REQUESTS_PER_MINUTE

    def get_client_ident(self, request) -> str:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"user:{user.pk}"
        return super().get_client_ident(request)


class AuthRateThrottle(_WindowThrottle):
    """The stricter RATE_LIMIT_AUTH_REQUESTS_PER_MINUTE per address on login, registration
    and password endpoints, where guessing is the threat."""

    scope = "auth"

    def get_limit(self) -> int:
        return settings.RATE_LIMIT_AUTH_REQUESTS_PER_MINUTE


class VerifyRateThrottle(_WindowThrottle):
    """CERTIFICATE_VERIFY_REQUESTS_PER_MINUTE per address on certificate verification,
    so codes cannot be enumerated."""

    scope = "verify"

    def get_limit(self) -> int:
        return settings.CERTIFICATE_VERIFY_REQUESTS_PER_MINUTE
