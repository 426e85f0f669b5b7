"""Where caching lives: the cached reads, their keys, their stores and their invalidation.

Only named read functions are cached, by decorating them with `cached`; views, viewsets,
receivers and templates call those functions and never touch a cache themselves. A cached
function's value is frozen data (bytes, text, tuples, frozen dataclasses, or a copy made
by unpickling): never a model instance that one request could change under another.

Each cached read names its store:

- "shared": the default Django cache (Redis in production), for answers every web process
  reuses, such as a public catalog page as the JSON bytes sent;
- "local": this process's memory, bounded and least recently used first, for values read
  on every page of a course (its outline), where a network round trip and unpickling
  would cost more than building them did.

One invalidation scheme, by version, for everything derived from the catalog (courses,
modules, lessons, categories, attachments, instructors, prerequisites, quizzes): every key
holds the catalog version, and any change to that content, by any door (admin, API,
services, shell), bumps the version once committed (courses/receivers.py,
quizzes/receivers.py). A stale value is then never read again and expires on its own;
every value also expires after its lifetime, in case a bump was lost (a process killed
between its commit and the bump). Without a reachable cache there is no version to trust
and nothing is kept.

A value that belongs to one record rather than to the catalog (a certificate's public
verification) is cached with `versioned=False` and forgotten by key when that record
changes (`read.forget(...)`), once committed.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Literal, ParamSpec, TypeVar

from django.core.cache import cache as shared
from django.db import transaction
from django.utils.translation import get_language

VERSION_KEY = "catalog:version"
TTL_SECONDS = 300
# Entries kept per process, least recently used dropped first. Sized for dashboards that
# each read ten of a thousand courses' outlines, and bounded so that the store stays
# within tens of megabytes in the worst case (docs/performance.md).
LOCAL_MAX_ENTRIES = 2048

Store = Literal["shared", "local"]
P = ParamSpec("P")
T = TypeVar("T")

_local: OrderedDict[tuple, tuple[float, object]] = OrderedDict()
_MISSING = object()
# kind -> its declaration, for `forget` and for the tests that walk every cached read.
registry: dict[str, Cached] = {}


def catalog_version() -> int | None:
    """The current catalog version; None when the cache cannot be reached.

    A version starts at a random number, not at 1: after Redis restarts empty (it keeps
    nothing on disk) the numbering must not meet a version that a process still holds
    local entries for."""
    version = shared.get(VERSION_KEY)
    if version is None:
        shared.add(VERSION_KEY, secrets.randbits(48), timeout=None)
        version = shared.get(VERSION_KEY)
    return None if version is None else int(version)


def bump_catalog_version() -> None:
    """Make every catalog value stale (called on commit by the receivers)."""
    try:
        shared.incr(VERSION_KEY)
    except ValueError:
        shared.add(VERSION_KEY, secrets.randbits(48), timeout=None)


# Key functions: what a cached read's value varies with, from the arguments it is called with.


def by_arguments(*args: Hashable) -> tuple[Hashable, ...]:
    """The default: every argument (each hashable and stable across requests)."""
    return args


def by_public_request(request, *_args) -> tuple[Hashable, ...]:
    """A public answer built from a request: the host (absolute links), the language and
    the path with its query string; never who asks."""
    return (request.get_host(), get_language(), request.get_full_path())


@dataclasses.dataclass(frozen=True)
class Cached:
    kind: str
    store: Store
    ttl: int
    versioned: bool
    key: Callable[..., tuple[Hashable, ...]]


def cached(
    kind: str,
    *,
    store: Store,
    key: Callable[..., tuple[Hashable, ...]] = by_arguments,
    ttl: int = TTL_SECONDS,
    versioned: bool = True,
    many: bool = False,
) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Cache the decorated read function's value under `kind` and `key(*args)`.

    `many=True`: the function takes an iterable of ids and answers a dict for each of
    them; the wrapper reads what is kept and calls it once, for the ids not kept yet, so
    that N ids never cost N queries. An exception from the function stores nothing (a
    404 is never cached). The function itself stays reachable as `.uncached`, and an
    unversioned read's value is dropped with `.forget(*args)`."""
    declaration = Cached(kind, store, ttl, versioned, key)
    if kind in registry:
        raise ValueError(f"a cached read is already named {kind!r}")
    registry[kind] = declaration

    def decorate(function: Callable[P, T]) -> Callable[P, T]:
        if many:

            @functools.wraps(function)
            def wrapper_many(ids: Iterable[int]):  # type: ignore[no-untyped-def]
                version = _version(declaration)
                found: dict = {}
                missing: list[int] = []
                for item in ids:
                    value = _get(declaration, (item,), version)
                    if value is _MISSING:
                        missing.append(item)
                    else:
                        found[item] = value
                if missing:
                    built = function(missing)  # type: ignore[call-arg]
                    for item in missing:
                        found[item] = built[item]
                        _set(declaration, (item,), version, built[item])
                return found

            wrapper_many.uncached = function  # type: ignore[attr-defined]
            return wrapper_many  # type: ignore[return-value]

        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            parts = key(*args, **kwargs)
            version = _version(declaration)
            value = _get(declaration, parts, version)
            if value is _MISSING:
                value = function(*args, **kwargs)
                _set(declaration, parts, version, value)
            return value  # type: ignore[return-value]

        wrapper.uncached = function  # type: ignore[attr-defined]
        wrapper.forget = functools.partial(forget, kind)  # type: ignore[attr-defined]
        return wrapper

    return decorate


def forget(kind: str, *args: Hashable) -> None:
    """Drop the value of the unversioned read `kind` for `args`, once the current
    transaction commits (at once outside one)."""
    declaration = registry[kind]
    if declaration.versioned or declaration.store != "shared":
        raise ValueError(f"{kind!r} is invalidated by the catalog version, not by key")
    cache_key = _shared_key(declaration, declaration.key(*args), None)
    transaction.on_commit(lambda: shared.delete(cache_key))


def local_clear() -> None:
    """Empty this process's store (tests that measure a first read)."""
    _local.clear()


# The stores.


def _version(declaration: Cached) -> int | None:
    return catalog_version() if declaration.versioned else 0


def _shared_key(declaration: Cached, parts: tuple[Hashable, ...], version: int | None) -> str:
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"{declaration.kind}:v{version}:{digest}" if declaration.versioned else f"{declaration.kind}:{digest}"


def _get(declaration: Cached, parts: tuple[Hashable, ...], version: int | None) -> object:
    if version is None:
        return _MISSING
    if declaration.store == "shared":
        value = shared.get(_shared_key(declaration, parts, version), _MISSING)
        return value
    entry = (version, declaration.kind, *parts)
    hit = _local.get(entry)
    if hit is None or time.monotonic() - hit[0] >= declaration.ttl:
        return _MISSING
    _local.move_to_end(entry)
    return hit[1]


def _set(declaration: Cached, parts: tuple[Hashable, ...], version: int | None, value: object) -> None:
    if version is None:
        return  # no version to trust: keep nothing
    if declaration.store == "shared":
        shared.set(_shared_key(declaration, parts, version), value, timeout=declaration.ttl)
        return
    if not _frozen(value):
        raise TypeError(f"{declaration.kind!r} is kept in the process and must be frozen data, not {type(value)!r}")
    entry = (version, declaration.kind, *parts)
    _local[entry] = (time.monotonic(), value)
    _local.move_to_end(entry)
    while len(_local) > LOCAL_MAX_ENTRIES:  # the least recently used first (old versions' entries among them)
        _local.popitem(last=False)


def _frozen(value: object) -> bool:
    """Whether a value may be shared by every request of the process: immutable built-ins
    and frozen dataclasses (their fields are the builder's to keep immutable)."""
    if value is None or isinstance(value, str | bytes | int | float | bool | frozenset):
        return True
    if isinstance(value, tuple):
        return all(_frozen(item) for item in value[:1])  # the builders make homogeneous tuples
    params = getattr(type(value), "__dataclass_params__", None)
    return params is not None and params.frozen
