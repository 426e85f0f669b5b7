"""Issue 10: faults injected into the real services, not simulated.

- PostgreSQL restarted (and stopped) under load, on a private cluster started for the
  test: the API answers clean 503s meanwhile and recovers without being restarted.
- A Celery worker SIGKILLed in the middle of rendering a certificate (first its pool
  process, then the whole worker): the message is delivered again and another worker
  finishes it; one certificate, its PDF present, one email.
- A worker SIGKILLed while a webhook is in flight: delivered again with the same
  X-Webhook-Id, and the delivery ends delivered once.
- Beat running twice: two beat processes send every scheduled job every second to a
  worker of two processes; the outcome is that of one run.
- Media storage (Azurite) stopped: a completed course's certificate stays pending with
  no row pointing at a missing file; once Azurite is back the retry or the sweep renders
  it and the blob exists.
- deploy/backup.sh run while threads enrol, complete lessons and submit quizzes: the
  backup restores, every constraint holds and the denormalised data agrees.

Every process a test starts is its own (free ports, temporary folders, a Redis server of
its own as the Celery broker), so the tests run in parallel, beside other test sessions.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections import Counter
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone
from psycopg import sql

from lms.tests.helpers import (
    PRODUCTION_ENV,
    ROOT,
    Server,
    WebhookReceiver,
    base_env,
    celery_worker_env,
    free_port,
    gunicorn_args,
    run_manage,
)

IN_CI = os.environ.get("CI", "").lower() == "true"
HOST = "lms.example.com"
# Workers in these tests see a message taken by a killed worker again after 1 s (3600 in
# production); kombu looks for such messages when a worker starts.
VISIBILITY_TIMEOUT = 1
AZURITE = ROOT / "node_modules" / ".bin" / "azurite-blob"
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


# =============================================================================
# Helpers
# =============================================================================


def _missing(message: str):
    """A tool the test needs is missing: CI must have it, elsewhere the test is skipped."""
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def _wait_until(predicate, *, timeout: float, what: str, log=lambda: "") -> None:
    """Poll until `predicate()` holds; `timeout` only bounds the wait."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout}s\n{log()[-8000:]}")
        time.sleep(0.05)


def _children(pid: int) -> set[int]:
    """The processes whose parent is `pid`."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


@pytest.fixture
def broker(tmp_path):
    """A Redis server of the test's own as the Celery broker: no other test (nor another
    pytest session on this machine) can take its messages or flush them."""
    import redis

    executable = shutil.which("redis-server")
    if executable is None:
        _missing("`redis-server` is not installed.")
    port = free_port()
    log = open(tmp_path / "broker.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"

    def ping() -> bool:
        try:
            return redis.Redis.from_url(url, socket_timeout=1).ping()
        except redis.ConnectionError:
            return proc.poll() is not None

    try:
        _wait_until(ping, timeout=30, what="broker start", log=lambda: (tmp_path / "broker.log").read_text())
        assert proc.poll() is None, (tmp_path / "broker.log").read_text()
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def _send_task(broker: str, name: str, *args) -> None:
    from celery.exceptions import AlwaysEagerIgnored

    from lms.celery import app

    with app.connection_for_write(broker) as conn, warnings.catch_warnings():
        # Tasks run inline in the test process; this message goes to the worker.
        warnings.simplefilter("ignore", AlwaysEagerIgnored)
        app.send_task(name, args=list(args), connection=conn)


def _worker_env(database_url: str, broker: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return celery_worker_env(
        # A generous connection timeout: a loaded test machine is no fault under test.
        database_url=f"{database_url}?connect_timeout=20",
        broker=broker,
        workdir=tmp_path,
        REDIS_KEY_PREFIX=f"faults-{uuid.uuid4().hex[:8]}",
        **extra,
    )


class Worker:
    """`celery -A lms worker` (prefork, as in production) in a process group of its own,
    so that it and its pool processes can be SIGKILLed together, as when its container
    is killed."""

    def __init__(self, name: str, env: dict[str, str], log_path: Path, *, concurrency: int = 1):
        self.log_path = log_path
        self._log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "lms", "worker", "--pool=prefork", f"--concurrency={concurrency}",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{name}-{uuid.uuid4().hex[:6]}@%h",
             "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        _wait_until(lambda: " ready." in self.log() or self.proc.poll() is not None, timeout=60, what="worker start")
        if self.proc.poll() is not None:
            pytest.fail(f"the worker exited with {self.proc.returncode}:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text()

    def count(self, task: str, outcome: str) -> int:
        """How many times `task` was `outcome` (received, succeeded, raised, retry)."""
        return len(re.findall(rf"Task {re.escape(task)}\[[0-9a-f-]+\] {outcome}", self.log()))

    def pool_processes(self) -> set[int]:
        return _children(self.proc.pid)

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once: nothing is acknowledged."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        self.kill()
        self._log.close()


@contextlib.contextmanager
def _workers():
    """Workers started in the block are killed at its end, whatever happens."""
    started: list[Worker] = []

    def start(*args, **kwargs) -> Worker:
        worker = Worker(*args, **kwargs)
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()


@contextlib.contextmanager
def _certificate_listener_off():
    """Complete courses, and issue certificates, without this process's own certificate
    listener or the delivery an issue queues (tasks run inline here, so either would
    render in this process): the worker under test does that work, or the task is lost."""
    from unittest import mock

    from certificates import tasks
    from certificates.receivers import on_course_completed
    from enrollments.signals import course_completed

    course_completed.disconnect(dispatch_uid="certificates.on_course_completed")
    try:
        with mock.patch.object(tasks.certificate_deliver, "delay", lambda *args, **kwargs: None):
            yield
    finally:
        course_completed.connect(on_course_completed, dispatch_uid="certificates.on_course_completed")


def _sql(database_url: str, query, params=()) -> list[tuple]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description else []


# =============================================================================
# PostgreSQL restarted under load (a private cluster: the shared server never restarts)
# =============================================================================


def _postgres_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not versions:
        _missing("PostgreSQL's server binaries (/usr/lib/postgresql/*/bin/initdb) are not installed.")
    return versions[-1].parent


class PrivateCluster:
    """A PostgreSQL cluster of the test's own (initdb into a temporary folder, trust auth,
    a free port), so that it can be stopped and restarted under load."""

    def __init__(self):
        self.bin = _postgres_bin()
        self.as_postgres: list[str] = []
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            runuser = shutil.which("runuser") or _missing("`runuser` is needed to run PostgreSQL as root.")
            self.as_postgres = [runuser, "-u", "postgres", "--"]
        # Not under pytest's tmp_path: the postgres user cannot reach root's 0700 folders.
        self.dir = Path(tempfile.mkdtemp(prefix="lms-faults-pg-"))
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data, self.port = self.dir / "data", free_port()
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} -c fsync=off"
        self._server_args = ["-D", self.data, "-l", self.dir / "server.log", "-o", options]
        self._pg("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync")

    def _pg(self, tool: str, *args, timeout: float = 60) -> str:
        proc = subprocess.run(
            [*self.as_postgres, str(self.bin / tool), *map(str, args)],
            cwd=self.dir, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        assert proc.returncode == 0, f"{tool}: {proc.stdout}{proc.stderr}{self.server_log()}"
        return proc.stdout

    def server_log(self) -> str:
        log = self.dir / "server.log"
        return log.read_text()[-3000:] if log.exists() else ""

    def url(self, db: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self._pg("pg_ctl", "start", "-w", *self._server_args)

    def stop(self, mode: str = "fast") -> None:
        self._pg("pg_ctl", "stop", "-w", "-m", mode, "-D", self.data)

    def restart(self) -> None:
        self._pg("pg_ctl", "restart", "-w", "-m", "fast", *self._server_args)

    def copy_database(self, source_url: str, name: str, dump_path: Path) -> str:
        """Create `name` here with the schema and rows of `source_url`."""
        dump = subprocess.run(
            [str(self.bin / "pg_dump"), "--no-owner", "--no-privileges", "--dbname", source_url, "-f", dump_path],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert dump.returncode == 0, dump.stderr
        _sql(self.url(), f'CREATE DATABASE "{name}"')
        load = subprocess.run(
            [str(self.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--dbname", self.url(name), "-f", dump_path],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert load.returncode == 0, load.stderr
        return self.url(name)

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            self.stop(mode="immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


def _api_get(port: int, path: str) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.request("GET", path, headers={"Host": HOST, "X-Forwarded-Proto": "https"})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


class Load:
    """Threads sending GET requests in a loop; each result is (started, finished, status,
    headers, body)."""

    def __init__(self, port: int, path: str, threads: int = 2):
        self.results: list[tuple[float, float, int | None, dict, bytes]] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(port, path), daemon=True) for _ in range(threads)]

    def _run(self, port: int, path: str) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                status, headers, body = _api_get(port, path)
            except Exception as exc:  # recorded and asserted on: every request must get an answer
                status, headers, body = None, {}, repr(exc).encode()
            self.results.append((started, time.monotonic(), status, headers, body))

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def started_between(self, start: float, end: float = float("inf")) -> list[tuple]:
        return [r for r in list(self.results) if start <= r[0] < end]

    def statuses(self, start: float, end: float = float("inf")) -> Counter:
        """The answers to the requests sent and answered between `start` and `end`."""
        return Counter(r[2] for r in list(self.results) if start <= r[0] and r[1] < end)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_api_answers_clean_503s_while_postgresql_restarts_and_recovers_without_a_restart(
    transactional_db, database_url, tmp_path
):
    from courses.models import Course, Lesson, Module

    course = Course.objects.create(
        title="Databases", slug="databases", status=Course.Status.PUBLISHED, published_at=timezone.now()
    )
    module = Module.objects.create(course=course, title="M", position=1)
    Lesson.objects.create(module=module, course=course, title="L", position=1)

    cluster = PrivateCluster()
    server = None
    try:
        cluster.start()
        app_database = cluster.copy_database(database_url, "lms", tmp_path / "copy.sql")
        port = free_port()
        env = base_env(
            **PRODUCTION_ENV,
            DATABASE_URL=app_database,
            REDIS_URL=django_settings.REDIS_URL,
            REDIS_KEY_PREFIX=f"faults-{port}",
            TASKS_FORCE_INLINE="False",
            RATE_LIMIT_REQUESTS_PER_MINUTE="1000000",
            WEB_CONCURRENCY="2",
            PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
            LOG_FORMAT="json",
        )
        server = Server(gunicorn_args(port), env, port, tmp_path / "gunicorn.log")
        server.wait_until_listening()
        # A read that needs the database every time (the course detail itself is served from the
        # public cache, which keeps answering during the outage).
        path = f"/api/v1/courses/{course.slug}/modules/"
        assert _api_get(port, path)[0] == 200, server.log()[-3000:]
        _wait_until(lambda: len(_children(server.proc.pid)) == 2, timeout=30, what="two gunicorn workers")
        workers_before = _children(server.proc.pid)

        def answered(since: float, at_least: int, status: int | None = None):
            def enough() -> bool:
                return sum(1 for r in load.started_between(since) if status in (None, r[2])) >= at_least

            return enough

        with Load(port, path) as load:
            _wait_until(answered(0, 10, 200), timeout=30, what="load under way", log=server.log)
            cluster.restart()  # mid-load: every persistent connection is cut
            back = time.monotonic()
            _wait_until(answered(back, 20), timeout=30, what="requests after the restart")
            stopping = time.monotonic()
            cluster.stop()  # a longer outage, so that requests certainly meet it
            down = time.monotonic()
            _wait_until(answered(down, 5, 503), timeout=30, what="503s during the outage", log=server.log)
            starting = time.monotonic()
            cluster.start()
            up = time.monotonic()
            _wait_until(answered(up, 20), timeout=30, what="requests after the database is back")

        results = load.results
        assert all(r[2] is not None for r in results), [r[4] for r in results if r[2] is None][:3]
        assert Counter(r[2] for r in results).keys() <= {200, 503}, Counter(r[2] for r in results)
        for _, _, status, headers, body in results:
            if status == 503:
                # The API's one error shape, a Retry-After, and nothing of Django's debug page.
                assert headers["content-type"] == "application/json"
                assert json.loads(body) == {
                    "detail": "A service this request needs is unavailable; try again shortly.",
                    "code": "service_unavailable",
                    "errors": {},
                }
                assert int(headers["retry-after"]) > 0
                assert b"Traceback" not in body and b"<html" not in body.lower()
        # Recovery needs no restart of the app: everything after each return succeeds.
        for label, start, end in (("after the restart", back, stopping), ("after the outage", up, float("inf"))):
            statuses = load.statuses(start, end)
            assert statuses == Counter({200: statuses.total()}), f"{label}: {statuses}"
        assert set(load.statuses(down, starting)) == {503}
        assert _children(server.proc.pid) == workers_before  # same gunicorn workers throughout
    finally:
        if server is not None:
            server.stop()
        cluster.destroy()


# =============================================================================
# A worker killed with SIGKILL in the middle of rendering a certificate
# =============================================================================


@contextlib.contextmanager
def _row_locked(database_url: str, table: str, pk: int):
    """Hold `SELECT ... FOR UPDATE` on a row from another connection. Yields a function
    counting the backends waiting for this lock."""
    holder = psycopg.connect(database_url)
    watcher = psycopg.connect(database_url, autocommit=True)
    try:
        holder.execute(f'SELECT id FROM "{table}" WHERE id = %s FOR UPDATE', [pk])  # noqa: S608 - a model's table
        pid = holder.info.backend_pid

        def waiting() -> int:
            # Directly (the first waiter) or behind another waiter (PostgreSQL queues the
            # others on the first one's tuple lock).
            query = (
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> %s "
                "AND cardinality(pg_blocking_pids(pid)) > 0"
            )
            return watcher.execute(query, [pid]).fetchone()[0]

        yield waiting, holder
    finally:
        holder.close()
        watcher.close()


@pytest.mark.postgres
@pytest.mark.celery_worker
@pytest.mark.slow
def test_worker_killed_mid_render_has_the_certificate_finished_once_by_another_worker(
    transactional_db, database_url, tmp_path, broker
):
    from certificates import services
    from certificates.models import Certificate
    from certificates.tests.conftest import completed_enrollment

    with _certificate_listener_off():
        enrollment = completed_enrollment()
        # What the completion listener does: issue at once, render in a task.
        certificate, _ = services.certificate_issue(enrollment_id=enrollment.pk)
    env = _worker_env(database_url, broker, tmp_path, CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT))
    stored = tmp_path / "worker-private" / "certificates"

    with _workers() as start, _row_locked(database_url, Certificate._meta.db_table, certificate.pk) as (waiting, lock):
        # With the certificate row locked, a render stops right after storing the PDF,
        # waiting to point the row at it: that is where each worker is killed.
        first = start("first", env, tmp_path / "first.log")
        _send_task(broker, "certificates.process", enrollment.pk)
        _wait_until(lambda: waiting() == 1, timeout=30, what="render under way", log=first.log)
        # 1. The pool process is killed (the OOM killer's choice): reject_on_worker_lost
        #    puts the message back at once and a new pool process takes it.
        (pool_process,) = first.pool_processes()
        os.kill(pool_process, signal.SIGKILL)
        _wait_until(lambda: waiting() == 2, timeout=30, what="render taken up again", log=first.log)
        assert "WorkerLostError" in first.log()
        assert first.count("certificates.process", "received") == 2
        # 2. The whole worker is killed (its container): the message stays unacknowledged.
        first.kill()
        killed_at = time.monotonic()
        lock.rollback()
        pending = Certificate.objects.get(pk=certificate.pk)
        assert not pending.pdf and pending.rendered_at is None  # no row points at a file yet
        assert len(list(stored.glob("*.pdf"))) == 2  # both killed renders had stored their PDF

        # Another worker, started once the visibility timeout has passed, gets it again.
        time.sleep(max(0.0, killed_at + VISIBILITY_TIMEOUT + 0.5 - time.monotonic()))
        second = start("second", env, tmp_path / "second.log")

        def emailed() -> bool:
            return Certificate.objects.filter(pk=certificate.pk, email_sent_at__isnull=False).exists()

        _wait_until(emailed, timeout=60, what="certificate finished by the second worker", log=second.log)
        _wait_until(lambda: second.count("certificates.process", "succeeded") == 1, timeout=30, what="task done")
        logs = first.log() + second.log()

    assert second.count("certificates.process", "received") == 1
    certificate = Certificate.objects.get(user=enrollment.user, course=enrollment.course)
    assert Certificate.objects.filter(course=enrollment.course).count() == 1
    assert certificate.is_ready and certificate.rendered_at is not None
    pdf = stored.parent / certificate.pdf.name
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.read_bytes().rstrip().endswith(b"%%EOF")
    assert logs.count("Subject: Your certificate for") == 1


# =============================================================================
# A worker killed with SIGKILL while a webhook is in flight
# =============================================================================


@pytest.mark.postgres
@pytest.mark.celery_worker
@pytest.mark.slow
def test_webhook_worker_killed_mid_delivery_is_delivered_again_with_the_same_id_once(
    transactional_db, database_url, tmp_path, settings, broker
):
    from lms.models import OutboxEvent
    from webhooks.models import WebhookDelivery, WebhookSubscription

    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    env = _worker_env(
        database_url,
        broker,
        tmp_path,
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
        WEBHOOK_ALLOW_PRIVATE_TARGETS="True",
        WEBHOOK_TIMEOUT_SECONDS="60",  # the held request must not time out first
    )
    with WebhookReceiver(hold_first=True) as receiver, _workers() as start:
        subscription = WebhookSubscription(url=receiver.url, events=["user.registered"])
        subscription.full_clean()
        subscription.save()
        receiver.secret = subscription.secret
        # An event in the outbox, as a committed registration leaves it; the worker relays it.
        event = OutboxEvent.objects.create(
            id=uuid.uuid4(), event_type="user.registered", version=1, payload={"user_id": 1}, occurred_at=timezone.now()
        )
        first = start("first", env, tmp_path / "first.log")
        _send_task(broker, "webhooks.relay_outbox")
        assert receiver.first_arrived.wait(timeout=30), first.log()

        first.kill()  # the request is in flight: no answer was read, nothing committed
        killed_at = time.monotonic()
        delivery = WebhookDelivery.objects.get(subscription=subscription, event=event)

        def unlocked() -> bool:
            rows = _sql(
                database_url,
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                "WHERE a.datname = current_database() AND a.state = 'idle in transaction' AND l.granted",
            )
            return rows[0][0] == 0

        _wait_until(unlocked, timeout=30, what="the killed worker's transaction ended")
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.delivered_at) == ("pending", 0, None)
        receiver.release.set()

        time.sleep(max(0.0, killed_at + VISIBILITY_TIMEOUT + 0.5 - time.monotonic()))
        second = start("second", env, tmp_path / "second.log")
        _wait_until(
            lambda: WebhookDelivery.objects.filter(pk=delivery.pk, status="delivered").exists(),
            timeout=60,
            what="delivery by the second worker",
            log=second.log,
        )
        _wait_until(lambda: second.count("webhooks.deliver", "succeeded") == 1, timeout=30, what="task done")

    # The receiver saw the same event twice, with the same id: duplicates are detectable.
    assert receiver.ids() == [str(event.id), str(event.id)]
    assert all(r["valid"] for r in receiver.requests)
    assert {r["body"]["id"] for r in receiver.requests} == {str(event.id)}
    delivery.refresh_from_db()
    assert WebhookDelivery.objects.filter(event=event).count() == 1
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert delivery.delivered_at is not None


# =============================================================================
# Beat running twice
# =============================================================================

# The production schedule (settings.CELERY_BEAT_SCHEDULE, database scheduler) with every
# job due every second: a real beat service, only sooner.
_BEAT = """
import os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
django.setup()
from django.conf import settings
from lms.celery import app
app.conf.beat_schedule = {name: {**job, "schedule": 1.0} for name, job in settings.CELERY_BEAT_SCHEDULE.items()}
app.Beat(loglevel="INFO").run()
"""


def _beat_sends(log: str) -> Counter:
    return Counter(re.findall(r"Sending due task (\S+) \(", log))


def _scheduled_work(receiver: WebhookReceiver) -> dict:
    """Something for each scheduled job to do, committed at once (the beats are running)."""
    from django.db import transaction
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    from accounts.tests.factories import UserFactory
    from certificates import services as certificate_services
    from certificates.tests.conftest import completed_enrollment
    from enrollments import services as enrollment_services
    from enrollments.models import Enrollment
    from lms.events import SUBSCRIBABLE
    from lms.models import IdempotencyRecord, OutboxEvent
    from quizzes import services as quiz_services
    from quizzes.tests.conftest import right_answers
    from quizzes.tests.factories import QuizFactory, single
    from webhooks.models import WebhookDelivery, WebhookSubscription

    now = timezone.now()
    with _certificate_listener_off(), transaction.atomic():
        # quizzes.close_overdue_attempts: an attempt whose time ran out with right answers
        # saved; grading it completes the course (the quiz is its last requirement).
        quiz = QuizFactory(pass_mark=50, time_limit_minutes=5)
        single(quiz)
        overdue = UserFactory()
        enrollment_services.enrollment_create(user=overdue, course=quiz.course)
        enrollment_services.lesson_complete(user=overdue, lesson=quiz.course.lessons.get())
        attempt, _ = quiz_services.attempt_start(user=overdue, quiz=quiz, now=now - timedelta(hours=1))
        quiz_services.attempt_save_answers(
            attempt=attempt, answers=right_answers(attempt), now=now - timedelta(minutes=58)
        )
        # certificates.render_pending: a certificate whose rendering task was lost.
        completed = completed_enrollment(first_name="Grace", last_name="Hopper", title="Compilers")
        lost, _ = certificate_services.certificate_issue(enrollment_id=completed.pk)
        # enrollments.send_reminders: one learner inactive for long enough, one not.
        idle, busy = UserFactory(), UserFactory()
        for learner in (idle, busy):
            enrollment_services.enrollment_create(user=learner, course=quiz.course)
        Enrollment.objects.filter(user=idle).update(
            last_activity_at=now - timedelta(days=django_settings.ENROLLMENT_REMINDER_DAYS + 1)
        )
        # assignments.close_drafts: a draft left when late work stopped being accepted.
        from assignments import services as assignment_services
        from assignments.models import Assignment

        task = Assignment.objects.create(
            module=quiz.course.modules.get(), title="Closed", points=10, late_policy="refuse", is_required=False,
            due_at=now - timedelta(hours=1),
        )  # fmt: skip
        drafter = UserFactory()
        enrollment_services.enrollment_create(user=drafter, course=quiz.course)
        draft, _ = assignment_services.submission_save(
            user=drafter, assignment=task, text="nearly", final=False, now=now - timedelta(hours=2)
        )
        # accounts.flush_expired_tokens and lms.purge_idempotency_records: one old, one current.
        expired, valid = (
            OutstandingToken.objects.create(
                user=idle, jti=uuid.uuid4().hex, token="t", created_at=now - timedelta(days=9), expires_at=expires_at
            )
            for expires_at in (now - timedelta(days=1), now + timedelta(days=1))
        )
        old_key, new_key = (
            IdempotencyRecord.objects.create(
                user_key=f"user:{idle.pk}", key=key, method="POST", path="/api/v1/enrollments/", body_hash="0" * 64,
                created_at=created_at,
            )
            for key, created_at in (("old", now - timedelta(hours=25)), ("new", now))
        )  # fmt: skip
    # (Committing relayed the events above here, inline, before anyone subscribed.)
    # webhooks.relay_outbox and webhooks.send_due: from here on a subscriber gets every
    # event; one event is not relayed yet and one delivery is due for its retry.
    since = timezone.now()
    with transaction.atomic():
        subscription = WebhookSubscription(url=receiver.url, events=sorted(SUBSCRIBABLE))
        subscription.full_clean()
        receiver.secret = subscription.secret
        subscription.save()
        OutboxEvent.objects.create(
            id=uuid.uuid4(), event_type="user.registered", version=1, payload={"user_id": idle.pk}, occurred_at=since
        )
        retried = OutboxEvent.objects.create(
            id=uuid.uuid4(), event_type="user.registered", version=1, payload={"user_id": busy.pk},
            occurred_at=since, dispatched_at=since,
        )  # fmt: skip
        WebhookDelivery.objects.create(subscription=subscription, event=retried, attempts=1, next_attempt_at=since)
    return {
        "attempt": attempt, "overdue": overdue, "course": quiz.course, "lost": lost, "idle": idle, "busy": busy,
        "expired": expired, "valid": valid, "old_key": old_key, "new_key": new_key, "since": since,
        "draft": draft,
    }  # fmt: skip


@pytest.mark.postgres
@pytest.mark.celery_worker
@pytest.mark.slow
def test_two_beats_sending_every_job_every_second_give_the_outcome_of_one_run(
    transactional_db, database_url, tmp_path, settings, broker
):
    import redis
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    from certificates.models import Certificate
    from enrollments.models import Enrollment, RequirementCompletion
    from lms.models import IdempotencyRecord, OutboxEvent
    from quizzes.models import Attempt
    from webhooks.models import WebhookDelivery

    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    schedule = django_settings.CELERY_BEAT_SCHEDULE
    env = _worker_env(database_url, broker, tmp_path, WEBHOOK_ALLOW_PRIVATE_TARGETS="True")
    beats: list[Server] = []
    with WebhookReceiver() as receiver, _workers() as start:
        worker = start("beat-target", env, tmp_path / "worker.log", concurrency=2)  # as compose.prod.yml runs it
        try:
            # Two beats at once: a second replica, or an old one still running in a rollout.
            beats = [Server([sys.executable, "-c", _BEAT], env, 0, tmp_path / f"beat-{n}.log") for n in (1, 2)]
            for beat in beats:
                _wait_until(lambda b=beat: _beat_sends(b.log()), timeout=60, what="beat sending", log=beat.log)
            before = [_beat_sends(b.log()) for b in beats]
            work = _scheduled_work(receiver)
            # And each job sent twice at once: the worker's two processes take them together.
            for job in schedule.values():
                _send_task(broker, job["task"])
                _send_task(broker, job["task"])
            _wait_until(
                lambda: all(
                    _beat_sends(b.log())[job] >= earlier[job] + 2
                    for b, earlier in zip(beats, before, strict=True)
                    for job in schedule
                ),
                timeout=60,
                what="every job sent twice more by each beat",
                log=lambda: "\n".join(b.log() for b in beats),
            )
        finally:
            # SIGKILL: beat's SIGTERM handler saves the schedule from inside the signal
            # handler, and when the signal lands during a database query it waits for the
            # connection it interrupted, until killed anyway.
            for beat in beats:
                beat.proc.kill()
                beat.stop()

        # Nothing queued, nothing in progress: every job and everything it caused has run.
        broker_db = redis.Redis.from_url(broker)

        def idle() -> bool:
            log = worker.log()
            received = len(re.findall(r"\] received", log))
            finished = len(re.findall(r"\] (succeeded|raised|retry|failed)", log))
            return broker_db.llen("celery") == 0 and broker_db.hlen("unacked") == 0 and received == finished

        # Twice, a moment apart: a message just taken from the queue is briefly in neither place.
        _wait_until(lambda: idle() and not time.sleep(0.2) and idle(), timeout=60, what="worker idle", log=worker.log)
        log = worker.log()

    # Every run of every job succeeded. (On the data each job ran at least four times:
    # twice at once, then at least once from each beat, as a send a beat logged just as it
    # was stopped may not have gone out.)
    for job in schedule.values():
        runs = worker.count(job["task"], "received")
        assert runs >= 4 and worker.count(job["task"], "succeeded") == runs, f"{job['task']}:\n{log[-6000:]}"
    assert not re.search(r"\] (raised|failed)|unregistered task", log), log[-6000:]

    # The overdue attempt was graded once, which completed the course once ...
    attempt = Attempt.objects.get(pk=work["attempt"].pk)
    assert (attempt.status, attempt.passed) == ("submitted", True)
    assert OutboxEvent.objects.filter(event_type="attempt.submitted", payload__attempt_id=attempt.pk).count() == 1
    enrollment = Enrollment.objects.get(user=work["overdue"], course=work["course"])
    assert enrollment.status == "completed"
    assert RequirementCompletion.objects.filter(enrollment=enrollment).count() == 1
    assert (
        OutboxEvent.objects.filter(event_type="enrollment.completed", payload__enrollment_id=enrollment.pk).count() == 1
    )
    # ... and both certificates (that one and the lost render) are ready and emailed once.
    certificates = list(Certificate.objects.all())
    assert {c.user_id for c in certificates} == {work["overdue"].pk, work["lost"].user_id}
    assert all(c.is_ready and c.email_sent_at is not None for c in certificates)
    assert log.count("Subject: Your certificate for") == 2
    # Renders that raced kept one PDF each, no stray copy in the storage.
    stored = {p.name for p in (tmp_path / "worker-private" / "certificates").glob("*.pdf")}
    assert stored == {Path(c.pdf.name).name for c in certificates}
    # One reminder, to the idle learner only.
    assert log.count("Subject: Pick up ") == 1
    assert Enrollment.objects.get(user=work["idle"]).reminder_sent_at is not None
    assert Enrollment.objects.get(user=work["busy"]).reminder_sent_at is None
    # Expired tokens and Idempotency-Key records are gone, current ones kept.
    assert set(OutstandingToken.objects.values_list("pk", flat=True)) == {work["valid"].pk}
    assert set(IdempotencyRecord.objects.values_list("pk", flat=True)) == {work["new_key"].pk}
    # The draft left at the close was handed in once, at the moment it closed.
    from assignments.models import Submission

    draft = Submission.objects.get(pk=work["draft"].pk)
    assert (draft.status, draft.submitted_at) == ("submitted", draft.assignment.due_at)
    assert OutboxEvent.objects.filter(event_type="assignment.submitted", payload__submission_id=draft.pk).count() == 1
    # Every subscribable event since the subscription was delivered exactly once.
    from lms.events import SUBSCRIBABLE

    since_subscribed = OutboxEvent.objects.filter(occurred_at__gte=work["since"], event_type__in=SUBSCRIBABLE)
    events = {str(pk) for pk in since_subscribed.values_list("pk", flat=True)}
    events |= {str(d.event_id) for d in WebhookDelivery.objects.all()}
    assert not OutboxEvent.objects.filter(dispatched_at__isnull=True).exists()
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert sorted(receiver.ids()) == sorted(events)
    assert all(r["valid"] for r in receiver.requests)


# =============================================================================
# Media storage (Azurite) down, then back
# =============================================================================


class Azurite:
    """Azurite's blob service on a fixed port and folder, so that it can be stopped and
    started again as the same storage."""

    def __init__(self, workdir: Path):
        if not AZURITE.exists() or shutil.which("node") is None:
            pytest.fail("Azurite is missing: `make test` installs it with npm ci (package.json).")
        self.workdir, self.port, self.server = workdir, free_port(), None
        self.container = "lms-faults"
        self.connection_string = (
            f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
            f"BlobEndpoint=http://127.0.0.1:{self.port}/{AZURITE_ACCOUNT};"
        )

    def launch(self) -> None:
        """Start Azurite; `ready()` waits for it (other things can start meanwhile)."""
        args = [str(AZURITE), "--blobHost", "127.0.0.1", "--blobPort", str(self.port), "--location", str(self.workdir)]
        log = self.workdir / f"azurite-{time.monotonic_ns()}.log"
        self.server = Server([*args, "--silent", "--skipApiVersionCheck", "--loose"], base_env(), self.port, log)

    def ready(self) -> None:
        from azure.core.exceptions import ResourceExistsError

        self.server.wait_until_listening(timeout=60)
        with contextlib.suppress(ResourceExistsError):  # kept from before the outage, or not
            self.client().create_container(self.container)

    def client(self):
        from azure.storage.blob import BlobServiceClient

        return BlobServiceClient.from_connection_string(self.connection_string)

    def kill(self) -> None:
        """The storage goes down at once (SIGKILL: no graceful close of connections)."""
        if self.server is not None:
            self.server.proc.kill()
            self.server.stop()
            self.server = None


@pytest.mark.postgres
@pytest.mark.celery_worker
@pytest.mark.slow
def test_storage_outage_leaves_the_certificate_pending_and_it_is_rendered_once_storage_is_back(
    transactional_db, database_url, tmp_path, broker
):
    from certificates import services
    from certificates.models import Certificate
    from certificates.tests.conftest import completed_enrollment

    workdir = tmp_path / "azurite"
    workdir.mkdir()
    azurite = Azurite(workdir)
    env = _worker_env(
        database_url,
        broker,
        tmp_path,
        FILE_STORAGE_PROVIDER="azure",
        AZURE_STORAGE_CONNECTION_STRING=azurite.connection_string,
        AZURE_STORAGE_CONTAINER_NAME=azurite.container,
    )
    try:
        azurite.launch()
        with _workers() as start:
            worker = start("storage", env, tmp_path / "worker.log")
            azurite.ready()
            azurite.kill()  # the storage goes down

            with _certificate_listener_off():
                enrollment = completed_enrollment()
                certificate, _ = services.certificate_issue(enrollment_id=enrollment.pk)  # as the listener does
            _send_task(broker, "certificates.process", enrollment.pk)
            _wait_until(
                lambda: worker.count("certificates.process", "retry:") >= 1,
                timeout=60,
                what="a render failing on the storage and retried",
                log=worker.log,
            )
            certificate.refresh_from_db()
            assert not certificate.pdf and certificate.rendered_at is None and certificate.render_error == ""
            assert "ServiceRequestError" in worker.log()

            azurite.launch()  # the storage is back; the task's retry or the sweep renders it
            azurite.ready()
            _send_task(broker, "certificates.render_pending")
            _wait_until(
                lambda: Certificate.objects.filter(pk=certificate.pk, email_sent_at__isnull=False).exists(),
                timeout=60,
                what="certificate rendered once the storage is back",
                log=worker.log,
            )
            log = worker.log()

        certificate.refresh_from_db()
        assert certificate.is_ready
        blob = azurite.client().get_blob_client(azurite.container, f"private/{certificate.pdf.name}")
        assert blob.download_blob().readall().startswith(b"%PDF")
        # The task's retry and the sweep may both have rendered it: one blob remains.
        blobs = azurite.client().get_container_client(azurite.container).list_blobs(name_starts_with="private/")
        assert [b.name for b in blobs] == [f"private/{certificate.pdf.name}"]
        assert log.count("Subject: Your certificate for") == 1
        assert Certificate.objects.filter(course=enrollment.course).count() == 1
    finally:
        azurite.kill()


# =============================================================================
# A backup taken under write load restores consistently
# =============================================================================

BACKUP = ROOT / "deploy" / "backup.sh"


def _course_for_load(title: str, *, lessons: int, quiz: bool = False, capacity: int | None = None):
    from accounts.tests.factories import InstructorFactory
    from courses.models import Course, Lesson, Module
    from quizzes.tests.factories import QuizFactory, single

    course = Course.objects.create(
        title=title, slug=title.lower().replace(" ", "-"), status=Course.Status.PUBLISHED,
        published_at=timezone.now(), capacity=capacity,
    )  # fmt: skip
    course.instructors.add(InstructorFactory())
    module = Module.objects.create(course=course, title="M", position=1)
    for position in range(1, lessons + 1):
        Lesson.objects.create(module=module, course=course, title=f"L{position}", position=position)
    if quiz:
        single(QuizFactory(module=module, pass_mark=50))
    return course


def _learner_journey(learner, courses, ops: list) -> None:
    """Enrol, pass the quizzes and complete the lessons (earning the certificate), course
    after course. Each step is one service call, so one transaction."""
    from enrollments import services as enrollment_services
    from quizzes import services as quiz_services
    from quizzes.tests.conftest import right_answers

    for course in courses:
        enrollment_services.enrollment_create(user=learner, course=course)
        ops.append(1)
        for quiz in course.quizzes.all():
            attempt, _ = quiz_services.attempt_start(user=learner, quiz=quiz)
            quiz_services.attempt_save_answers(attempt=attempt, answers=right_answers(attempt))
            quiz_services.attempt_submit(attempt=attempt)
            ops.append(1)
        for lesson in course.lessons.order_by("position"):
            enrollment_services.lesson_complete(user=learner, lesson=lesson)
            ops.append(1)


def _seat_churn(learners, seats, stop: threading.Event, ops: list) -> None:
    """Take a seat of a small course and leave it again, until told to stop."""
    from enrollments import services as enrollment_services

    while not stop.is_set():
        for learner in learners:
            try:
                enrollment, _ = enrollment_services.enrollment_create(user=learner, course=seats)
            except enrollment_services.EnrollmentRefused:  # full: the others hold the seats
                ops.append(1)
                continue
            enrollment_services.enrollment_drop(enrollment=enrollment)
            ops.append(1)


@pytest.mark.postgres
@pytest.mark.slow
def test_backup_taken_under_write_load_restores_consistent_data(transactional_db, database_url, tmp_path):
    from accounts.tests.factories import UserFactory
    from certificates.models import Certificate
    from courses.models import Course, Lesson
    from enrollments.models import Enrollment, LessonProgress, RequirementCompletion
    from lms.models import OutboxEvent
    from quizzes.models import Attempt

    for tool in ("pg_dump", "psql"):
        if shutil.which(tool) is None:
            _missing(f"`{tool}` is not installed (postgresql-client).")
    first = _course_for_load("Reading", lessons=2)
    second = _course_for_load("Writing", lessons=1, quiz=True)
    seats = _course_for_load("Seminar", lessons=1, capacity=3)
    learners = [UserFactory() for _ in range(16)]
    stop, ops, errors = threading.Event(), [], []

    def writer(chunk):
        try:
            for learner in chunk:
                _learner_journey(learner, (first, second), ops)
            _seat_churn(chunk, seats, stop, ops)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(learners[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    try:
        _wait_until(lambda: len(ops) >= 40 or errors, timeout=60, what="writes under way")
        assert not errors, errors
        events_before = OutboxEvent.objects.count()
        backups = tmp_path / "backups"
        proc = subprocess.run(
            ["bash", str(BACKUP)], cwd=ROOT, env=base_env(DATABASE_URL=database_url, BACKUP_DIR=str(backups)),
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        ops_at_backup = len(ops)
        _wait_until(lambda: len(ops) >= ops_at_backup + 20 or errors, timeout=60, what="writes after the backup")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not errors, errors
    events_after = OutboxEvent.objects.count()
    (backup,) = backups.glob("lms_backup_*.sql.gz")

    restored = f"lms_restored_{uuid.uuid4().hex[:10]}"
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    restored_url = database_url.rsplit("/", 1)[0] + f"/{restored}"
    _sql(admin_url, f'CREATE DATABASE "{restored}"')
    try:
        # The documented restore (`zcat backup.sql.gz | psql db`), stopping at the first
        # error: each constraint is added after the rows and checks them as it is added.
        load = subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "--dbname", restored_url],
            input=gzip.decompress(backup.read_bytes()), capture_output=True, timeout=120,
        )  # fmt: skip
        assert load.returncode == 0, load.stderr.decode()
        checked = run_manage("migrate", "--check", env=base_env(DATABASE_URL=restored_url))
        assert checked.returncode == 0, checked.stdout + checked.stderr

        tables = {
            model.__name__: sql.Identifier(model._meta.db_table)
            for model in (Course, Lesson, Enrollment, LessonProgress, RequirementCompletion, Certificate, Attempt)
        }
        tables["Outbox"] = sql.Identifier(OutboxEvent._meta.db_table)

        def query(template: str) -> list[tuple]:
            with psycopg.connect(restored_url, autocommit=True) as conn:
                return conn.execute(sql.SQL(template).format(**tables)).fetchall()

        # The backup is of a moment in the middle of the load.
        restored_events = query("SELECT count(*) FROM {Outbox}")[0][0]
        assert 0 < events_before <= restored_events < events_after
        # Every constraint came back, and holds (it was checked when it was added).
        constraints = (
            "SELECT conname, convalidated FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
            "WHERE n.nspname = 'public'"
        )
        assert sorted(query(constraints)) == sorted(_sql(database_url, constraints))
        assert all(valid for _, valid in query(constraints))

        inconsistencies = {
            # The denormalised seat count matches the enrollments.
            "enrollment_count": """
                SELECT c.id FROM {Course} c WHERE c.enrollment_count <> (
                  SELECT count(*) FROM {Enrollment} e WHERE e.course_id = c.id AND e.status IN ('active', 'completed'))""",
            # A certificate belongs to a completed enrollment of the same learner and course.
            "certificate_enrollment": """
                SELECT z.id FROM {Certificate} z LEFT JOIN {Enrollment} e ON e.id = z.enrollment_id
                WHERE e.id IS NULL OR e.user_id <> z.user_id OR e.course_id <> z.course_id OR e.status <> 'completed'""",
            # A completed enrollment has every required lesson done ...
            "completed_lessons": """
                SELECT e.id FROM {Enrollment} e WHERE e.status = 'completed' AND (
                  SELECT count(*) FROM {Lesson} l WHERE l.course_id = e.course_id AND l.is_required
                ) <> (
                  SELECT count(*) FROM {LessonProgress} p JOIN {Lesson} l ON l.id = p.lesson_id
                  WHERE p.enrollment_id = e.id AND p.completed_at IS NOT NULL AND l.is_required)""",
            # ... and a passed quiz requirement has the passed attempt behind it.
            "requirement_attempt": """
                SELECT r.id FROM {RequirementCompletion} r JOIN {Enrollment} e ON e.id = r.enrollment_id
                WHERE NOT EXISTS (SELECT 1 FROM {Attempt} a WHERE a.user_id = e.user_id
                  AND r.key = 'quiz:' || a.quiz_id AND a.passed AND a.status = 'submitted')""",
            # A submitted attempt is graded.
            "graded_attempts": """
                SELECT a.id FROM {Attempt} a WHERE a.status = 'submitted'
                  AND (a.score IS NULL OR a.percent IS NULL OR a.passed IS NULL)""",
            # Progress is recorded on lessons of the enrollment's own course.
            "progress_course": """
                SELECT p.id FROM {LessonProgress} p JOIN {Lesson} l ON l.id = p.lesson_id
                JOIN {Enrollment} e ON e.id = p.enrollment_id WHERE l.course_id <> e.course_id""",
            # The outbox is written in the same transactions: no enrollment or certificate
            # without its event.
            "enrollment_events": """
                SELECT e.id FROM {Enrollment} e WHERE NOT EXISTS (SELECT 1 FROM {Outbox} o
                  WHERE o.event_type = 'enrollment.created' AND (o.payload->>'enrollment_id')::bigint = e.id)""",
            "certificate_events": """
                SELECT z.id FROM {Certificate} z WHERE NOT EXISTS (SELECT 1 FROM {Outbox} o
                  WHERE o.event_type = 'certificate.issued' AND (o.payload->>'certificate_id')::bigint = z.id)""",
        }
        found = {name: query(template) for name, template in inconsistencies.items()}
        assert found == {name: [] for name in inconsistencies}
        # Not trivially consistent: the backup holds what the load did.
        counts = query(
            "SELECT (SELECT count(*) FROM {Enrollment}), (SELECT count(*) FROM {Certificate}),"
            " (SELECT count(*) FROM {Attempt}), (SELECT count(*) FROM {RequirementCompletion})"
        )[0]
        assert all(counts), counts
    finally:
        _sql(admin_url, f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
