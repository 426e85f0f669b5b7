"""The public catalog cache.

Public catalog responses are cached under a key that holds a catalog version; any change
to a course, module, lesson or category bumps the version (courses/signals.py), so stale
entries are never read again and expire on their own. Only responses that are the same
for every viewer (anonymous and learners) are cached.
"""

import hashlib
from collections.abc import Callable

from django.core.cache import cache

VERSION_KEY = "catalog:version"
TTL_SECONDS = 300


def catalog_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY) or 1
    return int(version)


def bump_catalog_version() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.add(VERSION_KEY, 2, timeout=None)


def catalog_key(kind: str, query_string: str) -> str:
    digest = hashlib.sha256(query_string.encode()).hexdigest()[:32]
    return f"catalog:{kind}:v{catalog_version()}:{digest}"


def get_or_build(kind: str, query_string: str, build: Callable[[], bytes]) -> bytes:
    """The cached response body for (kind, query string) under the current catalog
    version, built and stored on a miss. A `build` that raises (a 404) stores nothing."""
    key = catalog_key(kind, query_string)
    body = cache.get(key)
    if body is None:
        body = build()
        cache.set(key, body, timeout=TTL_SECONDS)
    return body
