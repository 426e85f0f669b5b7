"""Fixtures shared by every app's tests.

Tests that need PostgreSQL or Redis carry the `postgres` / `redis` marker. They are
skipped, with the reason, only when DATABASE_URL / REDIS_URL do not point at those
services; CI sets both, so there every test runs. When DATABASE_URL names PostgreSQL and
it is down, the suite fails: it never falls back to SQLite behind your back.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.db import connection


def pytest_configure(config):
    # xdist workers share one Redis: give each its own key prefix so that one worker's
    # cache clean-up never touches another's keys.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    for alias, cache in settings.CACHES.items():
        cache["KEY_PREFIX"] = f"{cache.get('KEY_PREFIX', alias)}-test-{worker}"


def pytest_collection_modifyitems(config, items):
    uses_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    uses_redis = bool(settings.REDIS_URL)
    in_ci = os.environ.get("CI", "").lower() == "true"
    for item in items:
        if "postgres" in item.keywords and not uses_postgres:
            if in_ci:
                raise pytest.UsageError("CI must run with DATABASE_URL pointing at PostgreSQL.")
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://..."))
        if ("redis" in item.keywords or "celery_worker" in item.keywords) and not uses_redis:
            if in_ci:
                raise pytest.UsageError("CI must run with REDIS_URL pointing at Redis.")
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL=redis://..."))


@pytest.fixture(autouse=True)
def _isolated_caches():
    """Each test starts with empty caches (rate-limit windows, blacklist, page cache)."""
    from django.core.cache import caches

    for alias in settings.CACHES:
        cache = caches[alias]
        try:
            if hasattr(cache, "delete_pattern"):
                cache.delete_pattern("*")  # only this worker's prefix; clear() would FLUSHDB
            else:
                cache.clear()
        except Exception:  # noqa: S110 - a test may have pointed a cache at a closed port
            pass
    yield


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def database_url() -> str:
    """A URL for the database the tests are using (the test database, not the configured one)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.postgresql":
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or 5432
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"
