"""The public catalog cache.

Public catalog responses are cached under a key that holds a catalog version; any change
to a course, module, lesson or category bumps the version (courses/signals.py), so stale
entries are never read again and expire on their own. Only responses that are the same
for every viewer (anonymous and learners) are cached.
"""

import hashlib
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import TypeVar

from django.core.cache import cache

VERSION_KEY = "catalog:version"
TTL_SECONDS = 300
# Entries kept per process, least recently used dropped first (clearing the whole store
# when full threw away the longest outlines with the rest). Sized for dashboards that each
# read ten of a thousand courses' outlines, and bounded so that the store stays within
# tens of megabytes in the worst case (docs/performance.md).
LOCAL_MAX_ENTRIES = 2048

T = TypeVar("T")


def catalog_version() -> int | None:
    """The current catalog version; None when the cache cannot be reached.

    A version starts at a random number, not at 1: after Redis restarts empty (it keeps
    nothing on disk) the numbering must not meet a version that a process still holds
    entries for (`local_get_or_build`)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, secrets.randbits(48), timeout=None)
        version = cache.get(VERSION_KEY)
    return None if version is None else int(version)


def bump_catalog_version() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.add(VERSION_KEY, secrets.randbits(48), timeout=None)


def catalog_key(kind: str, query_string: str, version: int) -> str:
    digest = hashlib.sha256(query_string.encode()).hexdigest()[:32]
    return f"catalog:{kind}:v{version}:{digest}"


def get_or_build(kind: str, query_string: str, build: Callable[[], bytes]) -> bytes:
    """The cached response body for (kind, query string) under the current catalog
    version, built and stored on a miss. A `build` that raises (a 404) stores nothing;
    without a reachable cache, nothing is stored either."""
    version = catalog_version()
    if version is None:
        return build()
    key = catalog_key(kind, query_string, version)
    body = cache.get(key)
    if body is None:
        body = build()
        cache.set(key, body, timeout=TTL_SECONDS)
    return body


# Values derived from catalog content (a course's outline, its syllabus markup) kept in
# this process: (version, key) -> (built at, value). Never anything that depends on who
# asks: the key says what varies (language, the reader's access).
_local: OrderedDict[tuple, tuple[float, object]] = OrderedDict()


_MISSING = object()


def local_get_or_build(key: tuple[Hashable, ...], build: Callable[[], T]) -> T:
    """`build()`'s value for `key` under the current catalog version, kept in this process
    (no network round trip, no unpickling: a 500-lesson outline costs nothing to reuse).

    A change to the catalog bumps the version once committed, so a stale value is never
    read again; a value also expires after TTL_SECONDS, as the shared entries do, in case
    a bump was lost (a process killed between its commit and the bump). Without a
    reachable cache there is no version to trust: the value is built every time."""
    version = catalog_version()
    value = local_get(key, version)
    if value is _MISSING:
        value = build()
        local_set(key, value, version)
    return value  # type: ignore[return-value]


def local_get(key: tuple[Hashable, ...], version: int | None) -> object:
    """The value kept for `key` under `version` (read by the caller with
    catalog_version(), once for several keys), or `_MISSING`."""
    if version is None:
        return _MISSING
    hit = _local.get((version, *key))
    if hit is None or time.monotonic() - hit[0] >= TTL_SECONDS:
        return _MISSING
    _local.move_to_end((version, *key))
    return hit[1]


def local_set(key: tuple[Hashable, ...], value: object, version: int | None) -> None:
    if version is None:
        return  # no version to trust: keep nothing
    _local[(version, *key)] = (time.monotonic(), value)
    _local.move_to_end((version, *key))
    while len(_local) > LOCAL_MAX_ENTRIES:  # the least recently used first (old versions' entries among them)
        _local.popitem(last=False)


def local_many(kind: str, ids: Iterable[int], build: Callable[[list[int]], Mapping[int, T]]) -> dict[int, T]:
    """`local_get_or_build` for several ids at once: the version read once, and
    `build(missing ids)` called once for all the ids not kept yet (it must answer for each
    of them), so that N courses never cost N queries."""
    version = catalog_version()
    found: dict[int, T] = {}
    missing: list[int] = []
    for key in ids:
        value = local_get((kind, key), version)
        if value is _MISSING:
            missing.append(key)
        else:
            found[key] = value  # type: ignore[assignment]
    if missing:
        built = build(missing)
        for key in missing:
            found[key] = built[key]
            local_set((kind, key), built[key], version)
    return found


def local_clear() -> None:
    _local.clear()
