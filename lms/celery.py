"""The Celery application: `celery -A lms worker`, `celery -A lms beat`.

Configuration comes from Django settings (the CELERY_* names in lms/settings.py), so the
broker, result backend, acks_late and JSON-only serialisation are set in one place. With
TASKS_FORCE_INLINE=True every task runs inline in the calling process.
"""

import os
import time

from celery import Celery
from celery.signals import task_postrun, task_prerun

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
