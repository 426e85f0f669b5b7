"""The benchmark: `make bench TIER=S` (or `.venv/bin/python benchmarks/run.py --tier S`).

Starts the production configuration on 127.0.0.1 (gunicorn with deploy/gunicorn.conf.py,
ENVIRONMENT=production, PostgreSQL database `lms_bench`, Redis), seeds the tier if the
database does not already hold it, warms up, then drives each scenario with wrk for a
fixed duration at 16 and 64 connections and writes benchmarks/results/<tier>.json and
<tier>.md. Every figure is also given as a ratio to the ceiling measured in the same run:
`GET /api/v1/health/stack` through the same gunicorn, middleware and proxy settings (the
probe `/api/v1/health` is answered before the middleware; it is measured too, as `probe`).

What is and is not changed from production, and why wrk: docs/performance.md.
Every request loop here is bounded (wrk by its duration, the bursts by their count), and
the server only ever binds 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
RESULTS = BENCH / "results"
LUA = BENCH / "requests.lua"
HOST = "127.0.0.1"

# Issue 11's targets: ratio to the same-run ceiling at 16 connections, on tier L.
TARGETS = {
    "catalog_api_warm": 0.50,
    "catalog_api_cold": 0.20,
    "course_api_outline": 0.25,
    "course_page_outline": 0.25,
    "lesson_page": 0.20,
    "dashboard": 0.20,
    "lesson_complete": 0.25,
    "quiz_submit": 0.10,
    "certificate_verify": 0.40,
}
DESCRIPTIONS = {
    "ceiling": "GET /api/v1/health/stack (no I/O, through every middleware): the ceiling of this stack",
    "probe": "GET /api/v1/health, the orchestrators' probe, answered before the middleware (no ratio target)",
    "catalog_api_warm": "GET /api/v1/courses/ (20 courses), learner token, response cache warm",
    "catalog_api_cold": "GET /api/v1/courses/?v=<unique>, learner token: every request misses the cache",
    "catalog_page": "GET /courses/ (12 courses), learner session, the shared results warm",
    "catalog_page_cold": "GET /courses/?v=<unique>, learner session: every request misses the cache",
    "course_api_outline": "GET /api/v1/courses/<500-lesson course>/, learner token",
    "course_page_outline": "GET /courses/<500-lesson course>/, enrolled learner session (progress panel)",
    "lesson_page": "GET /courses/<500-lesson course>/lessons/<id>/, enrolled learner (outline, progress, next/prev)",
    "dashboard": "GET /dashboard/, learner with 10 enrollments",
    "lesson_complete": "POST /api/v1/lessons/<id>/complete/ (500-lesson course), learner token",
    "video_progress": "POST /api/v1/lessons/<id>/video-progress/ (a player's report while a video plays), learner token",
    "quiz_start": "POST /api/v1/quizzes/<id>/attempts/ (20 questions drawn), learner token",
    "quiz_submit": "POST /api/v1/attempts/<id>/submit/ (20 saved answers graded), learner token",
    "certificate_verify": "GET /api/v1/certificates/verify/<code>/, anonymous",
    "token_obtain": "POST /api/v1/auth/token/ (PBKDF2 password check by design)",
    "instructor_home": "GET /admin/, the big course's instructor (numbers per course, charts, at-risk list)",
    "analytics_overview": "GET /api/v1/analytics/overview/, the big course's instructor, token",
    "course_builder": "GET /admin/courses/course/<id>/builder/, the big course's instructor (its whole tree)",
    "grades_page": "GET /courses/<500-lesson course>/grades/, enrolled learner (their items and course grade)",
    "gradebook_grid": "GET /admin/grades/gradebook/course/<id>/, the big course's instructor (a page of 50 learners)",
    "assignment_submit": "POST /api/v1/assignments/<id>/submissions/, a 1 MB file (multipart), learner token",
}


# --- processes and environment ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def bench_env(args, tmp: Path, port: int) -> dict[str, str]:
    """The production configuration, as docs/operations.md describes it, on loopback.

    Changed from a real deployment, each for a stated reason (docs/performance.md):
    rate-limit allowances are raised (the limiters still run, one Redis round trip per
    request: the load comes from one address and 200 accounts, not a crowd), access
    tokens live 4 hours (tokens are minted once per run), and everything binds 127.0.0.1.
    """
    redis_base = args.redis_url.rstrip("/")
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/root"),
        "PYTHONPATH": str(ROOT),
        "ENVIRONMENT": "production",
        "DEBUG": "False",
        "SECRET_KEY": args.secret_key,
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
        "SITE_URL": f"https://{HOST}",
        "SECURE_SSL_REDIRECT": "True",
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
        "SECURITY_HEADERS_ENABLED": "True",
        "ENABLE_API_DOCS": "False",
        "DATABASE_URL": f"{args.postgres_url.rstrip('/')}/{args.database}",
        "REDIS_URL": f"{redis_base}/{args.redis_db}",
        "REDIS_KEY_PREFIX": "lms-bench",
        "CELERY_BROKER_URL": f"{redis_base}/{args.redis_db - 1}",
        "TASKS_FORCE_INLINE": "False",
        "RATE_LIMIT_REQUESTS_PER_MINUTE": "1000000000",
        "RATE_LIMIT_AUTH_REQUESTS_PER_MINUTE": "1000000000",
        "CERTIFICATE_VERIFY_REQUESTS_PER_MINUTE": "1000000000",
        "JWT_ACCESS_TOKEN_MINUTES": "240",
        "STATIC_ROOT": str(tmp / "static"),
        "MEDIA_ROOT": str(tmp / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp / "private-media"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "GUNICORN_BIND": f"{HOST}:{port}",
        **({"WEB_CONCURRENCY": str(args.workers)} if args.workers else {}),
    }


def run(cmd: list[str], env: dict[str, str], *, timeout: float = 3600, quiet: bool = False) -> str:
    # Management commands and helpers keep their metrics files apart from the server's.
    cli_metrics = Path(env["PROMETHEUS_MULTIPROC_DIR"] + "-cli")
    cli_metrics.mkdir(parents=True, exist_ok=True)
    env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(cli_metrics)}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)  # noqa: S603
    if proc.returncode != 0:
        raise SystemExit(
            f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
        )
    if not quiet:
        print(proc.stdout.rstrip())
    return proc.stdout


def helper(command: str, env: dict[str, str], tmp: Path, *extra: str) -> dict:
    """Run a benchmarks/prepare.py command in the server's environment; its JSON answer."""
    out = tmp / f"{command}.json"
    run([sys.executable, str(BENCH / "prepare.py"), command, str(out), *extra], env, timeout=600, quiet=True)
    return json.loads(out.read_text())


def ensure_database(args, env: dict[str, str]) -> str:
    """Reuse the database when it holds this tier and seed (benchmarks/seed.py's comment on
    it says so); otherwise create, migrate and seed it. Returns what was done."""
    import psycopg

    if "bench" not in args.database:
        raise SystemExit(f"refusing to use {args.database!r}: the benchmark database's name must contain 'bench'")
    marker = f"seed_benchmark tier={args.tier} seed={args.seed}"
    with psycopg.connect(f"{args.postgres_url.rstrip('/')}/postgres", autocommit=True) as admin:
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [args.database]
        ).fetchone()
        if row is not None and row[0] == marker and not args.reseed:
            return f"reused database {args.database} ({marker})"
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.database}"')
    # Seeded outside production (no --force needed): the data is what matters, not the mode.
    seed_env = {k: v for k, v in env.items() if k not in ("ENVIRONMENT", "SECURE_SSL_REDIRECT")}
    seed_env["ENVIRONMENT"] = "development"
    print(f"migrating and seeding {args.database} with tier {args.tier} ...", flush=True)
    run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], seed_env)
    started = time.perf_counter()
    run([sys.executable, str(BENCH / "seed.py"), "--tier", args.tier, "--seed", str(args.seed)], seed_env)
    return f"seeded database {args.database} ({marker}) in {time.perf_counter() - started:.0f} s"


def clear_redis(args) -> None:
    """Only this benchmark's keys (prefix lms-bench) and its broker database."""
    import redis

    base = args.redis_url.rstrip("/")
    cache = redis.Redis.from_url(f"{base}/{args.redis_db}")
    for key in cache.scan_iter(match="lms-bench*", count=1000):
        cache.delete(key)
    broker = redis.Redis.from_url(f"{base}/{args.redis_db - 1}")
    for key in ("celery", "_kombu.binding.celery"):
        broker.delete(key)


class Server:
    """gunicorn master with the shipped config; its output goes to a log file."""

    def __init__(self, env: dict[str, str], port: int, log: Path):
        self.port, self.log_path = port, log
        self._log = open(log, "w")  # noqa: SIM115 - closed in stop()
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "deploy/gunicorn.conf.py",
            "--bind",
            f"{HOST}:{port}",
            "lms.wsgi",
        ]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)  # noqa: S603

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.proc.returncode}:\n{self.log_path.read_text()[-3000:]}")
            try:
                status, _ = request(self.port, "GET", "/api/v1/ready")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"gunicorn was not ready within {timeout}s:\n{self.log_path.read_text()[-3000:]}")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


class RssSampler(threading.Thread):
    """Peak resident memory of the gunicorn workers, sampled every 0.25 s (workers are
    recycled after max_requests, so a worker's own high-water mark dies with it)."""

    def __init__(self, server: Server):
        super().__init__(daemon=True)
        self.server = server
        self.peak_kib: dict[int, int] = {}
        self.master_kib = 0
        self._halt = threading.Event()

    @staticmethod
    def _status(pid: int) -> dict[str, int]:
        values = {}
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(("VmRSS:", "VmHWM:")):
                    name, value = line.split(":", 1)
                    values[name] = int(value.split()[0])
        except OSError:
            pass
        return values

    def run(self) -> None:
        while not self._halt.wait(0.25):
            self.master_kib = max(self.master_kib, self._status(self.server.proc.pid).get("VmHWM", 0))
            for pid in self.server.workers():
                hwm = self._status(pid).get("VmHWM", 0)
                self.peak_kib[pid] = max(self.peak_kib.get(pid, 0), hwm)

    def stop(self) -> dict:
        self._halt.set()
        self.join()
        peaks = sorted(self.peak_kib.values())
        return {
            "worker_peak_rss_mib": round(peaks[-1] / 1024, 1) if peaks else None,
            "worker_median_peak_rss_mib": round(peaks[len(peaks) // 2] / 1024, 1) if peaks else None,
            "workers_seen": len(peaks),  # more than WEB_CONCURRENCY: workers were recycled (max_requests)
            # Each worker process's own peak (VmHWM), by pid (the order they started in).
            "worker_peaks_rss_mib": [round(kib / 1024, 1) for _, kib in sorted(self.peak_kib.items())],
            "master_peak_rss_mib": round(self.master_kib / 1024, 1),
        }


# --- requests -----------------------------------------------------------------------------


def request(port: int, method: str, path: str, headers: dict | None = None, body: str | None = None, timeout=30):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={"X-Forwarded-Proto": "https", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def line(method: str, path: str, headers: dict[str, str] | None = None, body: str = "") -> str:
    header_text = "|".join(f"{k}: {v}" for k, v in (headers or {}).items())
    return f"{method}\t{path}\t{header_text}\t{body}"


def parse_line(text: str) -> tuple[str, str, dict[str, str], str | None]:
    method, path, header_text, body = [*text.split("\t"), ""][:4]
    headers = dict(item.split(": ", 1) for item in header_text.split("|") if item)
    return method, path.replace("{n}", "0"), headers, body.replace("{CRLF}", "\r\n") or None


def wrk(args, port: int, lines: list[str], connections: int, duration: float, tmp: Path, timeout: float = 10) -> dict:
    path = tmp / f"requests-{time.monotonic_ns()}.tsv"
    path.write_text("\n".join(lines) + "\n")
    threads = min(args.threads, connections)
    cmd = [
        "wrk", "-t", str(threads), "-c", str(connections), "-d", f"{int(duration)}s", "--timeout", f"{int(timeout)}s",
        "-s", str(LUA), f"http://{HOST}:{port}", "--", str(path), str(threads),
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + timeout + 60)  # noqa: S603
    match = re.search(r"^WRK_JSON (.*)$", proc.stdout, re.MULTILINE)
    if proc.returncode != 0 or match is None:
        raise SystemExit(f"wrk failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    raw = json.loads(match.group(1))
    seconds = raw["duration_us"] / 1e6
    errors = sum(raw["errors"].values())
    return {
        "connections": connections,
        "duration_s": round(seconds, 2),
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds, 1),
        "p50_ms": round(raw["latency_us"]["p50"] / 1000, 2),
        "p95_ms": round(raw["latency_us"]["p95"] / 1000, 2),
        "p99_ms": round(raw["latency_us"]["p99"] / 1000, 2),
        "max_ms": round(raw["latency_us"]["max"] / 1000, 2),
        "errors": errors,
        "error_detail": raw["errors"],
        "wrapped": raw["wrapped"],
        "distinct_requests": len(lines),
    }


def preflight(port: int, lines: list[str], expect: set[int], name: str) -> None:
    """One request of the scenario, checked by hand: a wrong status (a redirect, a 403)
    would otherwise show up as a fast, 'successful' result."""
    method, path, headers, body = parse_line(lines[0])
    status, content = request(port, method, path, headers, body, timeout=120)
    if status not in expect:
        raise SystemExit(f"{name}: {method} {path} answered {status}, expected {sorted(expect)}:\n{content[:800]!r}")


def burst(port: int, lines: list[str], expect: set[int]) -> dict:
    """All requests at once, each on its own connection (opened first), released together."""
    barrier = threading.Barrier(len(lines))

    def one(text: str):
        method, path, headers, body = parse_line(text)
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        conn.connect()
        barrier.wait(timeout=60)
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers={"X-Forwarded-Proto": "https", **headers})
            response = conn.getresponse()
            response.read()
            return response.status, time.perf_counter() - started
        except OSError:
            return 0, time.perf_counter() - started
        finally:
            conn.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(lines)) as pool:
        results = list(pool.map(one, lines))
    wall = time.perf_counter() - started
    latencies = sorted(seconds for _, seconds in results)
    statuses: dict[str, int] = {}
    for status, _ in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1)

    return {
        "requests": len(lines),
        "wall_s": round(wall, 2),
        "rps": round(len(lines) / wall, 1),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(latencies[-1] * 1000, 1),
        "statuses": statuses,
        "errors": sum(n for s, n in statuses.items() if int(s) not in expect),
    }


# --- machine --------------------------------------------------------------------------------


def machine_common(args) -> dict:
    """The machine every benchmark prints: cores, CPU, memory, Python, Django, PostgreSQL,
    Redis and the load average at the start."""
    import django
    import psycopg
    import redis

    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(ln for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal"))
    with psycopg.connect(f"{args.postgres_url.rstrip('/')}/postgres") as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(int(mem.split()[1]) / 1024**2, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg,
        "redis": redis.Redis.from_url(args.redis_url).info("server")["redis_version"],
        "load_average_at_start": os.getloadavg(),
    }


def announce_machine(info: dict, software: str) -> None:
    """Print the machine a run measures, and warn when other work shares its CPUs."""
    print(
        f"machine: {info['cores']} cores ({info['cpu']}), {info['memory_gib']} GiB, Python {info['python']}, {software}",
        flush=True,
    )
    if info["load_average_at_start"][0] > 0.5 * (info["cores"] or 1):
        print(
            f"warning: load average {info['load_average_at_start'][0]:.1f} on {info['cores']} cores: other processes "
            "share the CPUs, so this run's figures (even its ratios) are pessimistic; rerun on a quiet machine.",
            flush=True,
        )


def machine(args) -> dict:
    import gunicorn

    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]  # noqa: S607
    return {**machine_common(args), "gunicorn": gunicorn.__version__, "wrk": wrk_version.strip()}


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every benchmark shares: the tier and its database, PostgreSQL, Redis."""
    parser.add_argument("--tier", choices=["S", "M", "L"], default="S")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default="lms_bench")
    parser.add_argument("--reseed", action="store_true", help="drop and seed the database even if it holds the tier")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379"))


def results_header(args, info: dict, database: str) -> dict:
    """What every benchmark's results start with: the data, the machine, when."""
    return {
        "tier": args.tier,
        "seed": args.seed,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": info,
        "database": database,
    }


def shown_environment(env: dict[str, str]) -> dict[str, str]:
    """The run's environment as the results record it: no secret, no machine paths."""
    return {k: v for k, v in env.items() if k not in ("SECRET_KEY", "PATH", "HOME", "PYTHONPATH")}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_arguments(parser)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per scenario")
    parser.add_argument("--connections", default="16,64")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=0, help="WEB_CONCURRENCY (default: the shipped config's)")
    parser.add_argument("--redis-db", type=int, default=6, help="cache database (the broker uses the one below)")
    parser.add_argument("--only", default="", help="comma-separated scenario names (default: all)")
    parser.add_argument("--output", default="", help="results name (default: the tier)")
    args = parser.parse_args()
    args.secret_key = secrets.token_urlsafe(64)
    return args


class HttpRun:
    """One run: the database and the server prepared, the scenarios measured in order,
    the results written."""

    def __init__(self, args: argparse.Namespace) -> None:
        if shutil.which("wrk") is None:
            raise SystemExit("wrk is not installed: `apt-get install -y wrk` (Debian) or see docs/performance.md.")
        self.args = args
        self.levels = [int(c) for c in args.connections.split(",")]
        self.only = {s for s in args.only.split(",") if s}
        self.tmp = Path(tempfile.mkdtemp(prefix="lms-bench-"))
        self.port = free_port()
        self.env = bench_env(args, self.tmp, self.port)
        self.began = time.perf_counter()

    def prepare(self) -> None:
        """The machine announced, the database seeded (or reused), static files collected,
        this benchmark's Redis keys cleared, the server started."""
        args, env = self.args, self.env
        info = machine(args)
        announce_machine(info, f"PostgreSQL {info['postgresql']}, Redis {info['redis']}, {info['wrk']}")
        database = ensure_database(args, env)
        print(database, flush=True)
        run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
        clear_redis(args)
        self.server = Server(env, self.port, self.tmp / "gunicorn.log")
        self.results: dict = {
            **results_header(args, info, database),
            "config": {
                "duration_s": args.duration,
                "warmup_s": args.warmup,
                "connections": self.levels,
                "wrk_threads": args.threads,
                "workers": args.workers or "shipped default (WEB_CONCURRENCY or max(2, cores))",
                "environment": shown_environment(env),
            },
            "ceiling": {},
            "scenarios": {},
            "bursts": {},
        }
        self.sampler = RssSampler(self.server)

    def start(self) -> None:
        """The server ready, memory sampled, the dataset counted, the bench learners' tokens
        and sessions made."""
        self.server.wait_ready()
        self.sampler.start()
        self.results["dataset"] = helper("counts", self.env, self.tmp)
        auth = self.auth = helper("auth", self.env, self.tmp)
        self.users = auth["users"]
        self.bearer = {int(u): {"Authorization": f"Bearer {t}"} for u, t in auth["tokens"].items()}
        self.cookie = {int(u): {"Cookie": f"{auth['session_cookie']}={s}"} for u, s in auth["sessions"].items()}
        self.rr = [self.users[i % len(self.users)] for i in range(len(self.users))]
        print(
            f"server on {HOST}:{self.port}, {len(self.users)} bench learners, "
            f"{len(auth['big_course_lessons'])} lessons in {auth['big_course']}",
            flush=True,
        )

    def wanted(self, *names: str) -> bool:
        return not self.only or bool(set(names) & self.only)

    def measure(self, name: str, lines: list[str], *, expect=frozenset({200}), warm=True, timeout=10, levels=None):
        """A scenario at each connection count, after a warm-up on one connection whose
        median is the request's service time with no queueing (code cost, not contention)."""
        if name != "ceiling" and not self.wanted(name):
            return
        args = self.args
        preflight(self.port, lines, set(expect), name)
        service = None
        if warm and args.warmup:
            service = wrk(args, self.port, lines, 1, args.warmup, self.tmp, timeout)["p50_ms"]
        for c in levels or self.levels:
            result = wrk(args, self.port, lines, c, args.duration, self.tmp, timeout)
            result["service_ms"] = service
            self.results["scenarios" if name != "ceiling" else "ceiling"].setdefault(name, []).append(result)
            _print_result(name, result)

    def reads(self) -> None:
        """The catalog, course, lesson and dashboard reads, and the lesson completion."""
        auth, bearer, cookie, rr, users = self.auth, self.bearer, self.cookie, self.rr, self.users
        big, lessons = auth["big_course"], auth["big_course_lessons"]
        self.measure("ceiling", [line("GET", "/api/v1/health/stack")])
        self.measure("probe", [line("GET", "/api/v1/health")])
        self.measure("catalog_api_warm", [line("GET", "/api/v1/courses/", bearer[u]) for u in rr])
        self.measure("catalog_api_cold", [line("GET", "/api/v1/courses/?v={n}", bearer[u]) for u in rr])
        self.measure("catalog_page", [line("GET", "/courses/", cookie[u]) for u in rr])
        self.measure("catalog_page_cold", [line("GET", "/courses/?v={n}", cookie[u]) for u in rr])
        self.measure("course_api_outline", [line("GET", f"/api/v1/courses/{big}/", bearer[u]) for u in rr])
        self.measure("course_page_outline", [line("GET", f"/courses/{big}/", cookie[u]) for u in rr])
        step = max(1, len(lessons) // 7)
        self.measure(
            "lesson_page",
            [line("GET", f"/courses/{big}/lessons/{lessons[(i * step + u) % len(lessons)]}/", cookie[u])
             for i in range(5) for u in users],
        )  # fmt: skip
        self.measure("dashboard", [line("GET", "/dashboard/", cookie[u]) for u in rr])
        todo = auth["to_complete"]
        self.measure(
            "lesson_complete",
            [line("POST", f"/api/v1/lessons/{todo[str(u)][k]}/complete/", bearer[u])
             for k in range(max(len(v) for v in todo.values())) for u in users if k < len(todo[str(u)])],
        )  # fmt: skip
        video, report = auth["video_lesson"], '{"position": 5, "duration": 20}'
        json_bearer = {u: {**bearer[u], "Content-Type": "application/json"} for u in users}
        self.measure(
            "video_progress",
            [line("POST", f"/api/v1/lessons/{video}/video-progress/", json_bearer[u], report) for u in rr],
        )
        teacher_cookie = {"Cookie": f"{auth['session_cookie']}={auth['instructor_session']}"}
        self.measure("instructor_home", [line("GET", "/admin/", teacher_cookie)])
        self.measure(
            "course_builder", [line("GET", f"/admin/courses/course/{auth['big_course_id']}/builder/", teacher_cookie)]
        )
        self.measure("grades_page", [line("GET", f"/courses/{big}/grades/", cookie[u]) for u in rr])
        self.measure(
            "gradebook_grid", [line("GET", f"/admin/grades/gradebook/course/{auth['big_course_id']}/", teacher_cookie)]
        )
        if self.wanted("assignment_submit"):
            boundary = "benchmarkboundary7d1"
            upload = (
                f'--{boundary}{{CRLF}}Content-Disposition: form-data; name="files"; filename="work.txt"{{CRLF}}'
                f"Content-Type: text/plain{{CRLF}}{{CRLF}}{'w' * (1024 * 1024)}{{CRLF}}--{boundary}--{{CRLF}}"
            )
            multipart = {u: {**bearer[u], "Content-Type": f"multipart/form-data; boundary={boundary}"} for u in users}
            # 40 learners, each adding a file to their work in progress (20 at most: enough
            # for the runs at every connection count).
            self.measure(
                "assignment_submit",
                [line("POST", f"/api/v1/assignments/{auth['assignment']}/submissions/", multipart[u], upload)
                 for u in users[:40]],
                expect=frozenset({200, 201}),
            )  # fmt: skip
        teacher_bearer = {"Authorization": f"Bearer {auth['instructor_token']}"}
        self.measure("analytics_overview", [line("GET", "/api/v1/analytics/overview/", teacher_bearer)])
        if codes := auth["certificate_codes"]:
            self.measure("certificate_verify", [line("GET", f"/api/v1/certificates/verify/{code}/") for code in codes])

    def quizzes(self) -> None:
        """Each start opens an attempt on a (learner, quiz) pair with none open; the answers
        are then saved (outside the measurement) and each submit grades one. Then 200
        learners start at the same moment, and all submit at once."""
        if not self.wanted("quiz_start", "quiz_submit"):
            return
        args, env, tmp, bearer, results = self.args, self.env, self.tmp, self.bearer, self.results
        for c in self.levels:
            pairs = helper("quiz-start", env, tmp)["pairs"]
            starts = [line("POST", f"/api/v1/quizzes/{q}/attempts/", bearer[u]) for u, q in pairs]
            result = wrk(args, self.port, starts, c, args.duration, tmp)
            opened = helper("quiz-open", env, tmp)["attempts"]
            result["attempts_opened"] = len(opened)
            results["scenarios"].setdefault("quiz_start", []).append(result)
            submits = [line("POST", f"/api/v1/attempts/{a}/submit/", bearer[u]) for a, u in opened]
            result = wrk(args, self.port, submits, c, args.duration, tmp)
            results["scenarios"].setdefault("quiz_submit", []).append(result)
            for name in ("quiz_start", "quiz_submit"):
                _print_result(name, results["scenarios"][name][-1])
        pairs = helper("quiz-start", env, tmp)["pairs"]
        seen, chosen = set(), []
        for u, q in pairs:  # one attempt per learner: 200 different people
            if u not in seen:
                seen.add(u)
                chosen.append((u, q))
        chosen = chosen[:200]
        results["bursts"]["quiz_start_200"] = burst(
            self.port, [line("POST", f"/api/v1/quizzes/{q}/attempts/", bearer[u]) for u, q in chosen], {200, 201}
        )
        opened = helper("quiz-open", env, tmp)["attempts"]
        results["bursts"]["quiz_submit_200"] = burst(
            self.port, [line("POST", f"/api/v1/attempts/{a}/submit/", bearer[u]) for a, u in opened[:200]], {200}
        )
        for name, r in results["bursts"].items():
            print(f"  burst {name}: {r['requests']} at once, all done in {r['wall_s']} s, p50 {r['p50_ms']} ms, "
                  f"p99 {r['p99_ms']} ms, statuses {r['statuses']}", flush=True)  # fmt: skip

    def closing(self) -> None:
        """The ceiling again (the run's ceiling is the mean of before and after), then the
        password check, last: it is slow by design and would crowd the others."""
        self.measure("ceiling", [line("GET", "/api/v1/health/stack")])
        if self.wanted("token_obtain"):
            body = '{"email": "%s", "password": "%s"}'
            auth = self.auth
            self.measure(
                "token_obtain",
                [line("POST", "/api/v1/auth/token/", {"Content-Type": "application/json"},
                      body % (auth["emails"][str(u)], auth["password"])) for u in self.rr],
                warm=False, timeout=60, levels=[self.levels[0]],
            )  # fmt: skip

    def stop(self) -> None:
        """Always: a failed run must not leave gunicorn behind."""
        try:
            self.results["memory"] = self.sampler.stop() if self.sampler.is_alive() else {}
        finally:
            self.server.stop()
            clear_redis(self.args)

    def write(self) -> None:
        results = self.results
        results["machine"]["load_average_at_end"] = os.getloadavg()
        results["elapsed_s"] = round(time.perf_counter() - self.began, 1)
        summarise(results)
        name = self.args.output or self.args.tier
        (RESULTS / name).parent.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
        (RESULTS / f"{name}.md").write_text(markdown(results))
        print(markdown(results))
        print(f"wrote {RESULTS / (name + '.json')} and .md in {results['elapsed_s']} s; logs in {self.tmp}")


def _print_result(name: str, r: dict) -> None:
    print(
        f"  {name:<20} c={r['connections']:<3} {r['rps']:>8.1f} req/s  p50 {r['p50_ms']:>7.1f} ms  "
        f"p99 {r['p99_ms']:>7.1f} ms  errors {r['errors']}  wraps {r['wrapped']}",
        flush=True,
    )


def main() -> None:
    bench = HttpRun(parse_args())
    bench.prepare()
    try:
        bench.start()
        bench.reads()
        bench.quizzes()
        bench.closing()
    finally:
        bench.stop()
    bench.write()


def summarise(results: dict) -> None:
    """Ratios to the ceiling at the same connection count (mean of the two ceiling runs),
    and the p99/p50 spread."""
    runs_by_level: dict[int, list[float]] = {}
    for r in results["ceiling"].get("ceiling", []):
        runs_by_level.setdefault(r["connections"], []).append(r["rps"])
    ceiling = {c: round(sum(v) / len(v), 1) for c, v in runs_by_level.items()}
    results["ceiling_rps"] = ceiling
    for name, runs in results["scenarios"].items():
        for r in runs:
            base = ceiling.get(r["connections"])
            r["ratio"] = round(r["rps"] / base, 3) if base else None
            r["p99_over_p50"] = round(r["p99_ms"] / r["p50_ms"], 1) if r["p50_ms"] else None
            target = TARGETS.get(name)
            if target is not None and r["connections"] == 16:
                r["target"] = target
                r["meets_target"] = r["ratio"] is not None and r["ratio"] >= target and r["p99_over_p50"] <= 5
    other = RESULTS / "S.json"
    if results["tier"] != "S" and other.exists():
        small = json.loads(other.read_text())
        for name, runs in results["scenarios"].items():
            for r in runs:
                match = [s for s in small["scenarios"].get(name, []) if s["connections"] == r["connections"]]
                if match and match[0]["rps"]:
                    r["vs_tier_S"] = round(r["rps"] / match[0]["rps"], 2)


def markdown(results: dict) -> str:
    m = results["machine"]
    mem = results.get("memory", {})
    lines = [
        f"# Benchmark, tier {results['tier']} ({results['started_at']})",
        "",
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, Python {m['python']}, Django "
        f"{m['django']}, gunicorn {m['gunicorn']}, PostgreSQL {m['postgresql']}, Redis {m['redis']}, {m['wrk']}. "
        f"Load average at start {m['load_average_at_start'][0]:.2f}, at end {m.get('load_average_at_end', [0])[0]:.2f}.",
        "",
        "Dataset: " + ", ".join(f"{v:,} {k.split('.')[-1]}" for k, v in results.get("dataset", {}).items()) + ".",
        "",
        f"wrk {results['config']['duration_s']} s per run, {results['config']['wrk_threads']} threads; gunicorn "
        f"workers: {results['config']['workers']}. Ceiling (GET /api/v1/health/stack): "
        + ", ".join(f"{rps:,.0f} req/s at {c}" for c, rps in sorted(results.get("ceiling_rps", {}).items()))
        + ".",
        "",
        "| scenario | conns | req/s | p50 ms | p95 ms | p99 ms | p99/p50 | errors | ratio | target | vs S | 1-conn ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, runs in results["scenarios"].items():
        for r in runs:
            target = ""
            if "target" in r:
                target = f"≥ {r['target']:.2f} {'✓' if r['meets_target'] else '✗'}"
            wraps = f" (wraps {r['wrapped']})" if r.get("wrapped") else ""
            lines.append(
                f"| {name}{wraps} | {r['connections']} | {r['rps']:,.1f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
                f"{r['p99_ms']:.1f} | {r.get('p99_over_p50') or ''} | {r['errors']} | {r.get('ratio') or ''} | "
                f"{target} | {r.get('vs_tier_S', '')} | {r.get('service_ms') or ''} |"
            )
    if results["bursts"]:
        lines += ["", "| burst | requests at once | all done in s | p50 ms | p95 ms | p99 ms | statuses |",
                  "|---|---:|---:|---:|---:|---:|---|"]  # fmt: skip
        for name, r in results["bursts"].items():
            lines.append(
                f"| {name} | {r['requests']} | {r['wall_s']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | "
                f"{r['statuses']} |"
            )
    lines += [
        "",
        f"Memory: gunicorn worker peak RSS {mem.get('worker_peak_rss_mib')} MiB (median of workers' peaks "
        f"{mem.get('worker_median_peak_rss_mib')} MiB, {mem.get('workers_seen')} worker processes seen), "
        f"master {mem.get('master_peak_rss_mib')} MiB."
        + (
            f" Each worker process's peak (by pid): {', '.join(str(v) for v in mem['worker_peaks_rss_mib'])} MiB."
            if mem.get("worker_peaks_rss_mib")
            else ""
        ),
        "",
        "ratio: req/s over the ceiling's at the same connection count (mean of the ceiling runs before and "
        "after the scenarios). target: issue 11's, for 16 connections on tier L, with p99 ≤ 5 x p50. vs S: "
        "req/s over tier S's in results/S.json. 1-conn ms: median latency of the one-connection warm-up, the "
        "request's own cost without queueing (gunicorn's sync workers close each connection, so every request "
        "also pays a TCP connect).",
        "",
        "Scenarios: " + "; ".join(f"`{k}` {v}" for k, v in DESCRIPTIONS.items()) + ".",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
