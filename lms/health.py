"""Liveness, readiness and metrics endpoints for orchestrators and Prometheus.

`health` does no I/O at all. `ready` checks each dependency with a short timeout and
answers 503 naming what failed. Both are answered by OperationsEndpointsMiddleware
before host validation and HTTPS redirection, because the callers (the container
healthcheck, Prometheus) reach the app by container name over plain HTTP inside the
private network; nginx does not expose them to the Internet.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django_prometheus.exports import ExportToDjangoView

logger = logging.getLogger(__name__)


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    for alias in connections:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()


def _check_cache() -> None:
    if settings.REDIS_URL:
        # The default cache swallows Redis errors by design; ask Redis directly.
        from django_redis import get_redis_connection

        get_redis_connection("default").ping()
    else:
        cache = caches["default"]
        cache.set("ready-probe", "1", 5)
        if cache.get("ready-probe") != "1":
            raise RuntimeError("cache did not return the value it stored")


def _check_broker() -> None:
    from lms.celery import app

    with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)


def readiness_checks() -> dict[str, callable]:
    checks = {"database": _check_database, "cache": _check_cache}
    if not settings.TASKS_FORCE_INLINE:
        checks["broker"] = _check_broker
    return checks


def ready(request: HttpRequest) -> JsonResponse:
    results: dict[str, str] = {}
    failed: list[str] = []
    for name, check in readiness_checks().items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:
            failed.append(name)
            results[name] = "error"
            logger.error(
                "readiness_check_failed",
                extra={"check": name, "error": f"{type(exc).__name__}: {exc}"},
            )
        else:
            results[name] = "ok"
        results[f"{name}_ms"] = round((time.perf_counter() - started) * 1000, 1)
    if failed:
        return JsonResponse(
            {"status": "unavailable", "failed": failed, "checks": results},
            status=503,
        )
    return JsonResponse({"status": "ok", "checks": results})


def metrics(request: HttpRequest):
    # Aggregates every gunicorn worker's values when PROMETHEUS_MULTIPROC_DIR is set.
    return ExportToDjangoView(request)
