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
    # Tasks run inline in tests; tests of the real worker send to it explicitly.
    from lms.celery import app

    settings.TASKS_FORCE_INLINE = True
    app.conf.task_always_eager = True

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
    """Each test starts with empty caches (rate-limit windows, blacklist, page cache, the
    outlines kept in this process)."""
    from django.core.cache import caches

    from courses.cache import local_clear

    local_clear()

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


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploads made by a test go to its own temporary folders, never into the checkout
    (file fields reach the `private` storage through lms.storage's lazy proxy, which
    follows these settings)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    if settings.STORAGES["private"]["BACKEND"].endswith("FileSystemStorage"):
        settings.STORAGES = {
            **settings.STORAGES,
            "private": {
                **settings.STORAGES["private"],
                "OPTIONS": {"location": tmp_path / "private", "base_url": None},
            },
        }


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


@pytest.fixture
def celery_worker(settings, database_url, tmp_path, transactional_db):
    """A real `celery -A lms worker` process on Redis and the test database.

    Each xdist worker gets its own broker database (8-14, reserved with a lock when there
    are more workers than databases), so parallel tests never take each other's messages. Send tasks with `send_task(name, args)` from the fixture's result.
    """
    import subprocess
    import sys
    import time

    from lms.celery import app
    from lms.tests.helpers import ROOT, celery_worker_env, reserved_redis_db

    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "gw-1")
    with reserved_redis_db(settings.REDIS_URL, first=8, count=7) as broker:
        env = celery_worker_env(database_url=database_url, broker=broker, workdir=tmp_path)
        log_path = tmp_path / "celery-worker.log"
        log = open(log_path, "w")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "lms", "worker", "--pool=solo", "--without-gossip",
             "--without-mingle", "--without-heartbeat", "-n", f"test-{worker_id}@%h", "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while "ready." not in log_path.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"Celery worker did not start:\n{log_path.read_text()}")
            time.sleep(0.2)

        class Worker:
            def send_task(self, name, args=(), kwargs=None):
                import warnings

                from celery.exceptions import AlwaysEagerIgnored

                with app.connection_for_write(broker) as conn, warnings.catch_warnings():
                    # Inline mode is on for the rest of the suite; this message goes to the worker.
                    warnings.simplefilter("ignore", AlwaysEagerIgnored)
                    return app.send_task(name, args=list(args), kwargs=kwargs or {}, connection=conn)

            def log(self) -> str:
                return log_path.read_text()

            def wait_for(self, predicate, timeout: float = 30):
                """Poll until `predicate()` is true (the worker runs asynchronously)."""
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    if predicate():
                        return
                    time.sleep(0.1)
                pytest.fail(f"condition not met within {timeout}s; worker log:\n{self.log()}")

            def finished(self, task_name: str) -> int:
                """How many runs of `task_name` the worker finished (succeeded or failed)."""
                import re

                pattern = re.compile(rf"Task {re.escape(task_name)}\[[^\]]+\] (succeeded|raised|failed)")
                return len(pattern.findall(self.log()))

            @property
            def process(self):
                return proc

        try:
            yield Worker()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
