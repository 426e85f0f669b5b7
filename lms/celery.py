"""The Celery application: `celery -A lms worker`, `celery -A lms beat`.

Configuration comes from Django settings (the CELERY_* names in lms/settings.py), so the
broker, result backend, acks_late and JSON-only serialisation are set in one place. With
TASKS_FORCE_INLINE=True every task runs inline in the calling process.
"""

import os
import time

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_init, worker_process_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")

app = Celery("lms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

_started: dict[str, float] = {}


@task_prerun.connect
def _task_started(task_id=None, **_kwargs) -> None:
    _started[task_id] = time.perf_counter()


@task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **_kwargs) -> None:
    from lms.metrics import TASK_DURATION, TASKS

    started = _started.pop(task_id, None)
    name = getattr(task, "name", "unknown")
    TASKS.labels(task=name, state=state or "UNKNOWN").inc()
    if started is not None:
        TASK_DURATION.labels(task=name).observe(time.perf_counter() - started)


@worker_init.connect
def _serve_worker_metrics(**_kwargs) -> None:
    """With CELERY_METRICS_PORT set, the worker's main process serves Prometheus metrics
    for all its pool processes (task counts and durations per task name), aggregated
    through PROMETHEUS_MULTIPROC_DIR like gunicorn's workers."""
    port = os.environ.get("CELERY_METRICS_PORT")
    if not port:
        return
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    start_http_server(int(port), addr=os.environ.get("CELERY_METRICS_ADDR", "0.0.0.0"), registry=registry)  # noqa: S104


@worker_process_shutdown.connect
def _mark_pool_process_dead(pid=None, **_kwargs) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())
