"""The one caching decorator (courses.cache.cached): its stores, keys and invalidation."""

import pytest
from django.core.cache import cache as default_cache

from courses import cache
from courses.tests.factories import CourseFactory
from lms.exceptions import NotFoundError

pytestmark = pytest.mark.django_db

built: list[object] = []


@cache.cached("test-local", store="local")
def _local_read(name: str) -> str:
    built.append(name)
    return name


@cache.cached("test-shared", store="shared")
def _shared_read(name: str) -> bytes:
    built.append(name)
    if name == "missing":
        raise NotFoundError("no such thing")
    return name.encode()


@cache.cached("test-many", store="local", many=True)
def _many_read(ids) -> dict[int, tuple[int, ...]]:
    built.append(tuple(sorted(ids)))
    return {i: (i, i * 2) for i in ids}


@cache.cached("test-unversioned", store="shared", versioned=False, ttl=60, key=lambda code: (code.upper(),))
def _record_read(code: str) -> str:
    built.append(code)
    return f"answer for {code.upper()}"


@cache.cached("test-model", store="local")
def _model_read(course_id: int):
    from courses.models import Course

    return Course.objects.get(pk=course_id)


@pytest.fixture(autouse=True)
def _fresh():
    built.clear()


def test_a_read_is_built_once_per_catalog_version_in_either_store():
    for read in (_local_read, _shared_read):
        assert read("x") in ("x", b"x")
        assert read("x") in ("x", b"x")
    assert built == ["x", "x"]  # once per store
    cache.bump_catalog_version()
    _local_read("x")
    _shared_read("x")
    assert built == ["x", "x", "x", "x"]


def test_a_change_to_the_catalog_makes_every_kept_value_stale_once_committed(django_capture_on_commit_callbacks):
    _local_read("y")
    with django_capture_on_commit_callbacks(execute=True):
        CourseFactory()  # courses/receivers.py bumps the version on commit
        _local_read("y")  # before the commit: the old value is still the one read
        assert built == ["y"]
    _local_read("y")
    assert built == ["y", "y"]


def test_a_read_that_raises_stores_nothing():
    for _ in range(2):
        with pytest.raises(NotFoundError):
            _shared_read("missing")
    assert built == ["missing", "missing"]


def test_many_reads_build_only_the_ids_not_kept_in_one_call():
    assert _many_read([1, 2]) == {1: (1, 2), 2: (2, 4)}
    assert _many_read([2, 3, 4]) == {2: (2, 4), 3: (3, 6), 4: (4, 8)}
    assert built == [(1, 2), (3, 4)]


def test_an_unversioned_read_is_forgotten_by_its_key_once_committed(django_capture_on_commit_callbacks):
    assert _record_read("ab") == "answer for AB"
    cache.bump_catalog_version()  # not tied to the catalog
    _record_read("AB")  # the same key
    assert built == ["ab"]
    with django_capture_on_commit_callbacks(execute=True):
        _record_read.forget("aB")
        _record_read("ab")
        assert built == ["ab"]  # not before the commit
    _record_read("ab")
    assert built == ["ab", "ab"]


def test_a_versioned_read_cannot_be_forgotten_by_key():
    with pytest.raises(ValueError, match="catalog version"):
        _local_read.forget("x")


def test_a_model_instance_is_never_kept_in_the_process():
    """Every request of the process would share it, and any one could change it."""
    course = CourseFactory()
    with pytest.raises(TypeError, match="frozen data"):
        _model_read(course.pk)


def test_two_reads_cannot_share_a_name():
    with pytest.raises(ValueError, match="already named"):
        cache.cached("test-local", store="local")


def test_without_a_reachable_cache_nothing_is_kept(monkeypatch):
    monkeypatch.setattr(cache, "catalog_version", lambda: None)
    _local_read("z")
    _local_read("z")
    assert built == ["z", "z"]


def test_a_new_catalog_version_numbering_never_meets_an_old_one():
    """Redis keeps nothing on disk: after a restart the version starts again, and must not
    land on a number whose values a process still holds."""
    first = cache.catalog_version()
    default_cache.delete(cache.VERSION_KEY)  # what an empty Redis looks like
    assert cache.catalog_version() not in (None, first, first + 1)


def test_a_full_process_store_drops_the_least_recently_used_values_first(monkeypatch):
    """A worker serving many learners' dashboards reads many outlines: the store keeps
    the values in use (the big course's outline) and drops those not read for longest."""
    monkeypatch.setattr(cache, "LOCAL_MAX_ENTRIES", 3)
    for name in ("big", "a", "b"):
        _local_read(name)
    _local_read("big")  # read again: now the most recently used
    _local_read("c")  # the store is full: "a", read least recently, goes
    assert built == ["big", "a", "b", "c"]
    _local_read("big")
    _local_read("b")
    assert built == ["big", "a", "b", "c"]  # both still kept
    _local_read("a")
    assert built == ["big", "a", "b", "c", "a"]  # built again


def test_nothing_outside_the_cache_module_touches_a_cache():
    """Caching is a property of named reads: views, viewsets, receivers, selectors and
    templates call them, and only courses/cache.py imports Django's cache to keep a read.
    The others use it as a counter or a flag, not to keep a read: rate limits, sign-in
    lockouts, the token blacklist, the health probe and the outbox relay's "queued"
    flag."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    allowed = {
        "courses/cache.py",
        "lms/ratelimit.py",
        "lms/health.py",
        "accounts/tokens.py",
        "accounts/services.py",
        "webhooks/tasks.py",
        "lms/settings.py",
    }
    found = []
    for path in root.glob("*/**/*.py"):
        relative = path.relative_to(root).as_posix()
        if relative.startswith((".venv/", "node_modules/", "benchmarks/", "tools/")) or "/tests/" in relative:
            continue
        if relative in allowed:
            continue
        if re.search(r"^\s*from django\.core\.cache import|^\s*import django\.core\.cache", path.read_text(), re.M):
            found.append(relative)
    assert found == []
