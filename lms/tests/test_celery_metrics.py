"""Task metrics from a real Celery worker (prefork pool, two processes), served on
CELERY_METRICS_PORT and aggregated across the pool's processes."""

import re
import subprocess
import sys
import time
import urllib.request
import warnings

import pytest
import redis
from celery.exceptions import AlwaysEagerIgnored

from accounts.tests.factories import UserFactory
from lms.celery import app
from lms.tests.helpers import ROOT, base_env, free_port

pytestmark = [pytest.mark.celery_worker, pytest.mark.slow]


def test_worker_exposes_task_counts_for_all_pool_processes(settings, database_url, tmp_path, transactional_db):
    port = free_port()
    broker = settings.REDIS_URL.rsplit("/", 1)[0] + "/7"
    redis.Redis.from_url(broker).flushdb()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = base_env(
        DATABASE_URL=database_url,
        REDIS_URL=settings.REDIS_URL,
        CELERY_BROKER_URL=broker,
        TASKS_FORCE_INLINE="False",
        CELERY_METRICS_PORT=str(port),
        CELERY_METRICS_ADDR="127.0.0.1",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        MEDIA_ROOT=str(tmp_path / "media"),
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
    )
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "lms", "worker", "--pool=prefork", "--concurrency=2",
         "--without-gossip", "--without-mingle", "-n", f"metrics-{port}@%h", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        users = UserFactory.create_batch(6)
        deadline = time.monotonic() + 60
        while "ready." not in (tmp_path / "worker.log").read_text():
            assert worker.poll() is None and time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.2)
        with app.connection_for_write(broker) as conn, warnings.catch_warnings():
            warnings.simplefilter("ignore", AlwaysEagerIgnored)  # the suite itself runs tasks inline
            for user in users:
                app.send_task("accounts.send_welcome_email", args=[user.pk], connection=conn)
        pattern = re.compile(r'^lms_tasks_total\{state="SUCCESS",task="accounts.send_welcome_email"\} (\S+)$', re.M)
        total = 0.0
        while time.monotonic() < deadline:
            text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
            match = pattern.search(text)
            total = float(match.group(1)) if match else 0.0
            if total >= 6:
                break
            time.sleep(0.2)
        assert total == 6, (tmp_path / "worker.log").read_text()[-2000:]
        assert "lms_task_duration_seconds_count" in text
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
