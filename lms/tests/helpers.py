"""Run Django in a fresh process with a chosen environment, to test what settings.py
does with real environment variables (it is read once, at start-up)."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

STRONG_KEY = "k3y-" + "9f2c1a7be4d8" * 6  # 76 characters, many distinct

PRODUCTION_ENV = {
    "ENVIRONMENT": "production",
    "DEBUG": "False",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "lms.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://lms.example.com",
    "SECURE_SSL_REDIRECT": "True",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
    "SECURITY_HEADERS_ENABLED": "True",
    "ENABLE_API_DOCS": "False",
    "CORS_ORIGINS": "https://lms.example.com",
    "SITE_URL": "https://lms.example.com",
}


def base_env(**extra: str) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/root"), "PYTHONPATH": str(ROOT)}
    env.update(extra)
    return env


@contextlib.contextmanager
def reserved_redis_db(redis_url: str, first: int, count: int):
    """A Redis database (`first` .. `first + count - 1`) for one test process's broker,
    held with a file lock for as long as the block runs and flushed when taken.

    Each xdist worker starts at its own number; with more workers than databases two of
    them map to one database, and the lock makes the second wait instead of taking (or
    flushing) the other's messages."""
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    number = first + worker % count
    with open(f"/tmp/lms-test-redis-{number}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        url = redis_url.rsplit("/", 1)[0] + f"/{number}"
        import redis

        redis.Redis.from_url(url).flushdb()
        try:
            yield url
        finally:
            redis.Redis.from_url(url).flushdb()


def within_budgets(django_assert_max_num_queries, call, *, cold: int, warm: int) -> tuple:
    """`call()` within `cold` queries in a process that holds none of the catalog's
    values yet (courses.cache: tests start with empty caches), then within `warm` once
    it holds them, as a worker after its first request; returns both answers."""
    with django_assert_max_num_queries(cold):
        first = call()
    with django_assert_max_num_queries(warm):
        second = call()
    return first, second


def celery_worker_env(*, database_url: str, broker: str, workdir: Path, **extra: str) -> dict[str, str]:
    """The environment of a `celery -A lms worker` a test starts: the test's database and
    Redis, its own broker database, tasks really queued (not inline), logs written at once
    (the console email backend's output reaches the log as it happens), media in the
    test's folder. `extra` adds or overrides variables."""
    from django.conf import settings

    env = base_env(
        DATABASE_URL=database_url,
        REDIS_URL=settings.REDIS_URL,
        CELERY_BROKER_URL=broker,
        TASKS_FORCE_INLINE="False",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        MEDIA_ROOT=str(workdir / "worker-media"),
        PRIVATE_MEDIA_ROOT=str(workdir / "worker-private"),
    )
    env.update(extra)
    return env


def run_python(code: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def run_manage(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


_SETTINGS_DUMP = """
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
django.setup()
from django.conf import settings
names = json.loads(os.environ["_DUMP_NAMES"])
print(json.dumps({n: getattr(settings, n, None) for n in names}, default=str))
"""


def load_settings(env: dict[str, str], *names: str) -> dict:
    """Start Django with exactly `env` and return the named settings."""
    proc = run_python(_SETTINGS_DUMP, {**env, "_DUMP_NAMES": json.dumps(names)})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_port() -> int:
    """A port on which nothing listens: connections are refused at once."""
    return free_port()


class Server:
    """A server process started by a test, stopped (and its output kept) at the end."""

    def __init__(self, args: list[str], env: dict[str, str], port: int, log_path: Path):
        self.port = port
        self.log_path = log_path
        self._log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_until_listening(self, timeout: float = 30) -> None:
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not listen within {timeout}s:\n{self.log()}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text()

    def stop(self, timeout: float = 20) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def gunicorn_args(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "deploy/gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "lms.wsgi",
    ]


def run_at_once(calls: list) -> list:
    """Run each callable in its own thread, released together by a barrier, as real
    parallel clients (each thread has its own database connection, closed at the end).
    Returns each call's result, or the exception it raised, in the order given."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int, call) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # reported to the caller, who says what is allowed
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


class WebhookReceiver:
    """A real webhook endpoint on 127.0.0.1 that checks signatures the documented way and
    records every request it accepts (`requests`: id, whether the signature was valid,
    body, Host header), answering 200, or 401 for a bad signature.

    `fail_first`: answer that many requests 503 first (not recorded), as a receiver that
    is down; `hold_first`: keep the first request waiting for its answer until `release`
    is set (`first_arrived` says it came), as a slow receiver."""

    def __init__(self, secret: str = "", *, fail_first: int = 0, hold_first: bool = False):
        self.secret, self.fail_first, self.hold_first = secret, fail_first, hold_first
        self.requests: list[dict] = []
        self.first_arrived, self.release = threading.Event(), threading.Event()
        self._lock = threading.Lock()
        self.port = free_port()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                signed = f"{self.headers['X-Webhook-Timestamp']}.".encode() + body
                expected = "sha256=" + hmac.new(receiver.secret.encode(), signed, hashlib.sha256).hexdigest()
                valid = hmac.compare_digest(expected, self.headers["X-Webhook-Signature"])
                with receiver._lock:
                    refuse = receiver.fail_first > 0
                    if refuse:
                        receiver.fail_first -= 1
                    else:
                        receiver.requests.append(
                            {
                                "id": self.headers["X-Webhook-Id"],
                                "valid": valid,
                                "body": json.loads(body),
                                "host": self.headers["Host"],
                            }
                        )
                    first = len(receiver.requests) == 1 and not refuse
                if first and receiver.hold_first:
                    receiver.first_arrived.set()
                    receiver.release.wait(timeout=60)
                with contextlib.suppress(OSError):  # the sender may be gone by now
                    self.send_response(503 if refuse else 200 if valid else 401)
                    self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def ids(self) -> list[str]:
        with self._lock:
            return [r["id"] for r in self.requests]
