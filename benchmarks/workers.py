"""The Celery worker benchmark: `make bench-workers TIER=S` (also the last step of `make bench`).

Starts a real worker the way compose.prod.yml does (`celery -A lms worker --concurrency 2
--max-tasks-per-child 1000`, prefork pool) with the benchmark's production environment
(benchmarks/run.py's, plus the Redis result backend and the metrics port that
.env.production.example and compose.prod.yml set), on the PostgreSQL benchmark database
(seeded if it does not hold the tier) and Redis, then times three batches through it:

  certificates      N x `certificates.deliver` (what certificate_issue queues for a
                    new certificate): render the PDF, store it, email the learner. The
                    certificates of the first N completed enrollments, reset to
                    issued-but-not-rendered first.
  grading_sweep     M overdue attempts (20 saved answers each) graded by one
                    `quizzes.close_overdue_attempts`, the task beat sends every minute:
                    the only path on which a worker grades (a learner's submit is graded
                    in the request).
  grading_parallel  M more, with one sweep per pool process sent at once (two beat ticks
                    overlapping while a long sweep runs: the sweeps share the attempts
                    through SKIP LOCKED).

Each batch is timed from the first message published to the last item done in the
database (polled every 50 ms) and reported as items/s; the tasks the work itself enqueues
(one `webhooks.relay_outbox` per event, a certificate for a completed course) run on the
same worker, as in production, and "drained" is when the broker queue is empty again.
Resident memory of the worker's main process and of each pool process is sampled every
0.2 s (VmHWM from /proc/<pid>/status, and PSS) and written with the throughput to
benchmarks/results/<tier>-celery.json and .md. Nothing here binds anything but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # benchmarks/run.py: the environment, the database, the machine

ROOT, RESULTS, HOST = bench.ROOT, bench.RESULTS, bench.HOST
# compose.prod.yml's celery-worker command, less `--loglevel INFO` (given below as well).
POOL_OPTIONS = ["--concurrency", "{concurrency}", "--max-tasks-per-child", "{max_tasks}"]


# --- the worker -----------------------------------------------------------------------------


class Worker:
    """`celery -A lms worker` (prefork) with the production environment; output to a log."""

    def __init__(self, env: dict[str, str], log: Path, concurrency: int, max_tasks: int):
        self.log_path = log
        self._log = open(log, "w")  # noqa: SIM115 - closed in stop()
        self.command = [
            sys.executable, "-m", "celery", "-A", "lms", "worker", "--loglevel", "INFO",
            *(o.format(concurrency=concurrency, max_tasks=max_tasks) for o in POOL_OPTIONS),
            "-n", "lms-bench@%h",
        ]  # fmt: skip
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(  # noqa: S603
            self.command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def wait_ready(self, concurrency: int, timeout: float = 120) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the worker exited with {self.proc.returncode}:\n{self.tail()}")
            if " ready." in self.log_path.read_text() and len(pool_processes(self.proc.pid)) >= concurrency:
                return time.perf_counter() - self.started
            time.sleep(0.1)
        raise SystemExit(f"the worker was not ready within {timeout}s:\n{self.tail()}")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text()[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # warm shutdown, as `docker stop` does
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def pool_processes(pid: int) -> list[int]:
    """Children of every thread of the main process (billiard may fork a replacement pool
    process from a thread other than the main one)."""
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return sorted(set(found))


def memory_of(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM (the process's peak RSS) and Pss, in KiB."""
    values: dict[str, int] = {}
    try:
        for ln in Path(f"/proc/{pid}/status").read_text().splitlines():
            if ln.startswith(("VmRSS:", "VmHWM:")):
                name, value = ln.split(":", 1)
                values[name] = int(value.split()[0])
        for ln in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if ln.startswith("Pss:"):
                values["Pss"] = int(ln.split()[1])
    except (OSError, ValueError):
        pass
    return values


def mib(kib: float) -> float:
    return round(kib / 1024, 1)


class MemorySampler(threading.Thread):
    """Every 0.2 s: each process's VmHWM (kept per pid, since a pool process recycled after
    --max-tasks-per-child takes its own peak with it) and the sum over the worker's
    processes of RSS (counts the pages the pool processes share with the main process
    once per process) and of PSS (shares them out: what the container is charged, about)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.parent_hwm = 0
        self.child_hwm: dict[int, int] = {}
        self.total_rss = 0
        self.total_pss = 0
        self._halt = threading.Event()

    def sample(self) -> None:
        parent = memory_of(self.pid)
        self.parent_hwm = max(self.parent_hwm, parent.get("VmHWM", 0))
        rss, pss = parent.get("VmRSS", 0), parent.get("Pss", 0)
        for child in pool_processes(self.pid):
            values = memory_of(child)
            self.child_hwm[child] = max(self.child_hwm.get(child, 0), values.get("VmHWM", 0))
            rss += values.get("VmRSS", 0)
            pss += values.get("Pss", 0)
        self.total_rss, self.total_pss = max(self.total_rss, rss), max(self.total_pss, pss)

    def snapshot(self) -> dict:
        """The peaks so far (VmHWM only grows, so a snapshot after a batch covers it)."""
        self.sample()
        children = [mib(kib) for _, kib in sorted(self.child_hwm.items())]
        return {
            "main_peak_rss_mib": mib(self.parent_hwm),
            "worst_pool_process_peak_rss_mib": max(children) if children else None,
            "pool_process_peaks_rss_mib": children,
            "pool_processes_seen": len(children),
            "peak_total_rss_mib": mib(self.total_rss),
            "peak_total_pss_mib": mib(self.total_pss),
        }

    def run(self) -> None:
        while not self._halt.wait(0.2):
            self.sample()

    def stop(self) -> dict:
        self._halt.set()
        if self.is_alive():
            self.join()
        return self.snapshot()


def idle_memory(pid: int) -> dict:
    parent = memory_of(pid)
    children = [memory_of(c) for c in pool_processes(pid)]
    return {
        "main_rss_mib": mib(parent.get("VmRSS", 0)),
        "pool_process_rss_mib": [mib(c.get("VmRSS", 0)) for c in children],
        "total_pss_mib": mib(parent.get("Pss", 0) + sum(c.get("Pss", 0) for c in children)),
    }


# --- batches ----------------------------------------------------------------------------------


class Probe:
    """The database and the broker, read from outside the worker."""

    def __init__(self, env: dict[str, str]):
        import psycopg
        import redis

        self.db = psycopg.connect(env["DATABASE_URL"], autocommit=True)
        self.broker = redis.Redis.from_url(env["CELERY_BROKER_URL"])

    def count(self, sql: str, params: list) -> int:
        return self.db.execute(sql, params).fetchone()[0]

    def queued(self) -> int:
        """Messages waiting plus messages taken but not yet acknowledged (acks_late)."""
        return int(self.broker.llen("celery")) + int(self.broker.hlen("unacked"))

    def close(self) -> None:
        self.db.close()
        self.broker.close()


def publisher(env: dict[str, str]):
    """A bare Celery app on the worker's broker: `send_task` publishes the same JSON message
    the product's `.delay()` does, without importing Django here."""
    from celery import Celery

    app = Celery("bench", broker=env["CELERY_BROKER_URL"])
    app.conf.update(task_serializer="json", accept_content=["json"], broker_connection_timeout=2)
    return app


def wait_done(probe: Probe, worker: Worker, sql: str, params: list, target: int, started: float, timeout: float):
    """(seconds until the first item was done, seconds until all were) from `started`."""
    first, deadline = None, time.monotonic() + timeout
    while True:
        done = probe.count(sql, params)
        now = time.perf_counter()
        if done and first is None:
            first = now - started
        if done >= target:
            return first, now - started
        if not worker.alive():
            raise SystemExit(f"the worker died with {done}/{target} done:\n{worker.tail()}")
        if time.monotonic() > deadline:
            raise SystemExit(f"{done}/{target} done after {timeout}s; the worker's log ends:\n{worker.tail()}")
        time.sleep(0.05)


def wait_drained(probe: Probe, worker: Worker, started: float, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while probe.queued():
        if not worker.alive() or time.monotonic() > deadline:
            raise SystemExit(f"the queue did not drain ({probe.queued()} left):\n{worker.tail()}")
        time.sleep(0.05)
    return time.perf_counter() - started


# --- the worker's log -------------------------------------------------------------------------

TASK_DONE = re.compile(r"Task ([\w.]+)\[[0-9a-f-]+\] succeeded in ([0-9.]+)s")
TASK_FAILED = re.compile(r"Task ([\w.]+)\[[0-9a-f-]+\] (?:raised|retry)")


def task_stats(log_text: str) -> dict:
    """Per task name: how many succeeded and their mean run time in the pool process, and
    failures or retries (none expected)."""
    stats: dict[str, dict] = {}
    for name, seconds in TASK_DONE.findall(log_text):
        entry = stats.setdefault(name, {"succeeded": 0, "seconds": 0.0, "failed_or_retried": 0})
        entry["succeeded"] += 1
        entry["seconds"] += float(seconds)
    for name in TASK_FAILED.findall(log_text):
        stats.setdefault(name, {"succeeded": 0, "seconds": 0.0, "failed_or_retried": 0})["failed_or_retried"] += 1
    for entry in stats.values():
        entry["mean_ms"] = round(1000 * entry["seconds"] / entry["succeeded"], 1) if entry["succeeded"] else None
        entry["seconds"] = round(entry["seconds"], 2)
    return dict(sorted(stats.items()))


def diff_stats(after: dict, before: dict) -> dict:
    out = {}
    for name, entry in after.items():
        prev = before.get(name, {"succeeded": 0, "seconds": 0.0, "failed_or_retried": 0})
        n = entry["succeeded"] - prev["succeeded"]
        seconds = entry["seconds"] - prev["seconds"]
        failed = entry["failed_or_retried"] - prev["failed_or_retried"]
        if n or failed:
            out[name] = {
                "succeeded": n,
                "seconds": round(seconds, 2),
                "mean_ms": round(1000 * seconds / n, 1) if n else None,
                "failed_or_retried": failed,
            }
    return out


# --- the machine ------------------------------------------------------------------------------


def machine(args) -> dict:
    import billiard
    import celery
    import kombu

    return {
        **bench.machine_common(args),
        "celery": celery.__version__,
        "kombu": kombu.__version__,
        "billiard": billiard.__version__,
    }


# --- the run ------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    bench.add_data_arguments(parser)
    parser.add_argument("--concurrency", type=int, default=2, help="pool processes (compose.prod.yml: 2)")
    parser.add_argument("--max-tasks-per-child", type=int, default=1000, help="compose.prod.yml: 1000")
    parser.add_argument("--certificates", type=int, default=100, help="certificates to render and email")
    parser.add_argument("--attempts", type=int, default=1000, help="overdue attempts to grade, per grading batch")
    parser.add_argument("--timeout", type=float, default=900, help="seconds a batch may take before the run fails")
    parser.add_argument(
        "--redis-db",
        type=int,
        default=6,
        help="cache database; the broker uses the one below, task results the one below that",
    )
    parser.add_argument("--output", default="", help="results name (default: the tier); '-celery' is appended")
    # `make bench` passes BENCH_ARGS to run.py and to this script: run.py's HTTP-only options
    # are accepted and ignored here, and --after-http keeps its --reseed from seeding twice.
    parser.add_argument("--after-http", action="store_true", help=argparse.SUPPRESS)
    for option in ("--duration", "--warmup", "--connections", "--threads", "--workers", "--only"):
        parser.add_argument(option, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.after_http:
        args.reseed = False
    args.secret_key = secrets.token_urlsafe(64)
    args.workers = 0  # bench_env's WEB_CONCURRENCY: gunicorn does not run here
    return args


class WorkerRun:
    """One run: the database prepared, a worker started as compose.prod.yml runs it, the
    batches sent and timed until done, the results written."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="lms-bench-workers-"))
        env = self.env = bench.bench_env(args, self.tmp, bench.free_port())
        redis_base = args.redis_url.rstrip("/")
        env.update(
            # .env.production.example stores task results in Redis; compose.prod.yml has each
            # worker serve its task metrics (here on loopback).
            CELERY_RESULT_BACKEND=f"{redis_base}/{args.redis_db - 2}",
            CELERY_METRICS_PORT=str(bench.free_port()),
            CELERY_METRICS_ADDR=HOST,
            PROMETHEUS_MULTIPROC_DIR=str(self.tmp / "metrics-worker"),
        )
        Path(env["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
        self.began = time.perf_counter()
        self.probe: Probe | None = None

    def prepare(self) -> None:
        args, env = self.args, self.env
        info = machine(args)
        bench.announce_machine(info, f"Celery {info['celery']}, PostgreSQL {info['postgresql']}, Redis {info['redis']}")
        database = bench.ensure_database(args, env)
        print(database, flush=True)
        clear_broker(args)
        self.results: dict = {
            **bench.results_header(args, info, database),
            "config": {
                "concurrency": args.concurrency,
                "max_tasks_per_child": args.max_tasks_per_child,
                "pool": "prefork",
                "environment": bench.shown_environment(env),
            },
            "batches": {},
        }
        self.results["dataset"] = bench.helper("counts", env, self.tmp)
        self.worker = Worker(env, self.tmp / "celery-worker.log", args.concurrency, args.max_tasks_per_child)
        self.results["config"]["command"] = " ".join(self.worker.command[2:])
        self.sampler = MemorySampler(self.worker.proc.pid)

    def start(self) -> None:
        """The worker ready, memory sampled, and what a worker would find waiting cleared
        (untimed): the HTTP run publishes events with no worker to relay them (and clears
        its queue), and an interrupted run may leave overdue attempts; both would otherwise
        be counted in the first batch."""
        results, worker = self.results, self.worker
        results["startup_s"] = round(worker.wait_ready(self.args.concurrency), 2)
        results["memory_idle"] = idle_memory(worker.proc.pid)
        self.sampler.start()
        self.probe = Probe(self.env)
        self.app = publisher(self.env)
        print(
            f"worker ready in {results['startup_s']} s (pid {worker.proc.pid}, pool {pool_processes(worker.proc.pid)}); "
            f"idle RSS: main {results['memory_idle']['main_rss_mib']} MiB, pool processes "
            f"{results['memory_idle']['pool_process_rss_mib']} MiB",
            flush=True,
        )
        backlog = bench.helper("worker-backlog", self.env, self.tmp)
        if backlog["outbox_undispatched"] or backlog["overdue_attempts"]:
            started = time.perf_counter()
            for _ in range(math.ceil(backlog["outbox_undispatched"] / 500)):
                self.app.send_task("webhooks.relay_outbox")
            for _ in range(math.ceil(backlog["overdue_attempts"] / 1000)):
                self.app.send_task("quizzes.close_overdue_attempts")
            wait_drained(self.probe, worker, started, self.args.timeout)
            backlog["cleared_in_s"] = round(time.perf_counter() - started, 2)
            print(f"backlog cleared (untimed): {backlog}", flush=True)
        results["backlog"] = backlog

    def batch(self, name: str, *, items: list[int], sql: str, params: list, send, description: str) -> None:
        """Send a batch at once and time it until `sql` counts every item done and the queue
        is drained."""
        probe, worker, timeout = self.probe, self.worker, self.args.timeout
        assert probe is not None
        certificates = f"SELECT count(*) FROM {self.cert_table}"  # noqa: S608
        certificates_before = probe.count(certificates, [])
        stats_before = task_stats(worker.tail(10**9))
        started = time.perf_counter()
        sent = send()
        enqueued = time.perf_counter() - started
        first, wall = wait_done(probe, worker, sql, params, len(items), started, timeout)
        drained = wait_drained(probe, worker, started, timeout)
        time.sleep(0.3)  # the last "succeeded" lines reach the log
        result = {
            "description": description,
            "items": len(items),
            "tasks_sent": sent,
            "enqueue_s": round(enqueued, 3),
            "first_done_s": round(first, 3) if first is not None else None,
            "wall_s": round(wall, 2),
            "items_per_s": round(len(items) / wall, 1),
            "drained_s": round(drained, 2),
            "certificates_issued_meanwhile": probe.count(certificates, []) - certificates_before,
            "tasks": diff_stats(task_stats(worker.tail(10**9)), stats_before),
            "memory_after": self.sampler.snapshot(),
        }
        self.results["batches"][name] = result
        mem = result["memory_after"]
        print(
            f"  {name:<17} {len(items):>5} items in {result['wall_s']:>6} s = {result['items_per_s']:>6} items/s "
            f"(first after {result['first_done_s']} s, queue drained at {result['drained_s']} s); peak RSS so "
            f"far: main {mem['main_peak_rss_mib']} MiB, worst pool process "
            f"{mem['worst_pool_process_peak_rss_mib']} MiB; tasks {result['tasks']}",
            flush=True,
        )

    def certificates(self) -> None:
        """What certificate_issue queues for each new certificate: its delivery (render the
        PDF, store it, email the learner), by certificate id."""
        args = self.args
        certs = bench.helper("worker-certificates", self.env, self.tmp, str(args.certificates))
        self.cert_table = certs["table"]
        if len(certs["certificates"]) < args.certificates:
            raise SystemExit(f"the tier has only {len(certs['certificates'])} certificates of completed enrollments")

        def send() -> int:
            for certificate_id in certs["certificates"]:
                self.app.send_task("certificates.deliver", args=[certificate_id])
            return len(certs["certificates"])

        self.batch(
            "certificates",
            items=certs["certificates"],
            sql=f"SELECT count(*) FROM {self.cert_table} WHERE id = ANY(%s) AND rendered_at IS NOT NULL "  # noqa: S608
            "AND email_sent_at IS NOT NULL",
            params=[certs["certificates"]],
            send=send,
            description=f"{args.certificates} x certificates.deliver (render the PDF, store it, email the learner)",
        )

    def grading(self) -> None:
        """The overdue sweep, once, then one sweep per pool process at once."""
        for name, sweeps in (("grading_sweep", 1), ("grading_parallel", self.args.concurrency)):
            attempts = bench.helper("worker-attempts", self.env, self.tmp, str(self.args.attempts))
            per_sweep = 1000  # quizzes.services.attempts_close_overdue grades at most 1,000 a run
            sweeps = max(sweeps, math.ceil(len(attempts["attempts"]) / per_sweep))

            def send(sweeps=sweeps) -> int:
                for _ in range(sweeps):
                    self.app.send_task("quizzes.close_overdue_attempts")
                return sweeps

            self.batch(
                name,
                items=attempts["attempts"],
                sql=f"SELECT count(*) FROM {attempts['table']} WHERE id = ANY(%s) AND status = %s",  # noqa: S608
                params=[attempts["attempts"], attempts["submitted_status"]],
                send=send,
                description=f"{len(attempts['attempts'])} overdue attempts (20 answers each) graded by {sweeps} x "
                "quizzes.close_overdue_attempts sent at once",
            )

    def stop(self) -> None:
        """Always: a failed run must not leave the worker behind."""
        try:
            self.results["memory"] = self.sampler.stop()
        finally:
            if self.probe is not None:
                self.probe.close()
            self.worker.stop()
            clear_broker(self.args)

    def write(self) -> None:
        results = self.results
        results["tasks_total"] = task_stats(self.worker.log_path.read_text())
        results["machine"]["load_average_at_end"] = os.getloadavg()
        results["elapsed_s"] = round(time.perf_counter() - self.began, 1)
        name = f"{self.args.output or self.args.tier}-celery"
        (RESULTS / name).parent.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
        (RESULTS / f"{name}.md").write_text(markdown(results))
        print(markdown(results))
        print(f"wrote {RESULTS / (name + '.json')} and .md in {results['elapsed_s']} s; logs in {self.tmp}")


def main() -> None:
    run = WorkerRun(parse_args())
    run.prepare()
    try:
        run.start()
        run.certificates()
        run.grading()
    finally:
        run.stop()
    run.write()


def clear_broker(args) -> None:
    """This benchmark's broker database (the queue, unacknowledged messages, bindings) and
    the task results it stored; nothing else."""
    import redis

    base = args.redis_url.rstrip("/")
    broker = redis.Redis.from_url(f"{base}/{args.redis_db - 1}")
    broker.delete("celery", "unacked", "unacked_index", "unacked_mutex", "_kombu.binding.celery")
    for key in broker.scan_iter(match="_kombu.binding*", count=1000):
        broker.delete(key)
    results = redis.Redis.from_url(f"{base}/{args.redis_db - 2}")
    for key in results.scan_iter(match="celery-task-meta-*", count=1000):
        results.delete(key)


def markdown(results: dict) -> str:
    m, cfg = results["machine"], results["config"]
    mem, idle = results.get("memory", {}), results.get("memory_idle", {})
    lines = [
        f"# Celery worker benchmark, tier {results['tier']} ({results['started_at']})",
        "",
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, Python {m['python']}, Django "
        f"{m['django']}, Celery {m['celery']} (kombu {m['kombu']}, billiard {m['billiard']}), PostgreSQL "
        f"{m['postgresql']}, Redis {m['redis']}. Load average at start {m['load_average_at_start'][0]:.2f}, at end "
        f"{m.get('load_average_at_end', [0])[0]:.2f}.",
        "",
        "Dataset: " + ", ".join(f"{v:,} {k.split('.')[-1]}" for k, v in results.get("dataset", {}).items()) + ".",
        "",
        f"Worker: `{cfg.get('command', '')}` ({cfg['pool']}, ENVIRONMENT=production, broker and results on Redis); "
        f"ready in {results.get('startup_s')} s.",
        "",
        "| batch | items | tasks sent | items/s | all done in s | first done s | queue drained s | tasks run (mean ms) |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, b in results["batches"].items():
        tasks = "; ".join(
            f"{t} {e['succeeded']}" + (f" ({e['mean_ms']})" if e["mean_ms"] is not None else "")
            + (f", {e['failed_or_retried']} failed/retried" if e["failed_or_retried"] else "")
            for t, e in b["tasks"].items()
        )  # fmt: skip
        lines.append(
            f"| {name} | {b['items']:,} | {b['tasks_sent']} | {b['items_per_s']:,.1f} | {b['wall_s']} | "
            f"{b['first_done_s']} | {b['drained_s']} | {tasks} |"
        )
    lines += ["", "| after batch | main process peak RSS MiB | pool processes' peak RSS MiB | peak sum RSS / PSS MiB |",
              "|---|---:|---|---:|"]  # fmt: skip
    for name, b in results["batches"].items():
        a = b["memory_after"]
        lines.append(
            f"| {name} | {a['main_peak_rss_mib']} | {', '.join(str(v) for v in a['pool_process_peaks_rss_mib'])} | "
            f"{a['peak_total_rss_mib']} / {a['peak_total_pss_mib']} |"
        )
    lines += [
        "",
        f"Memory: main process peak RSS {mem.get('main_peak_rss_mib')} MiB, worst pool process "
        f"{mem.get('worst_pool_process_peak_rss_mib')} MiB ({mem.get('pool_processes_seen')} pool processes seen); "
        f"the whole worker at most {mem.get('peak_total_rss_mib')} MiB RSS summed, {mem.get('peak_total_pss_mib')} "
        f"MiB PSS. Idle after start: main {idle.get('main_rss_mib')} MiB, pool processes "
        f"{idle.get('pool_process_rss_mib')} MiB RSS, {idle.get('total_pss_mib')} MiB PSS in all.",
        "",
        "items/s: items over the time from the first message published to the last item done in the database "
        "(polled every 50 ms). queue drained: when no message was left waiting or unacknowledged, including the "
        "tasks the work enqueued itself (a `webhooks.relay_outbox` per event, `certificates.deliver` for a course "
        "completed by a passed quiz). Peak RSS is each process's VmHWM; the pool processes are forked from the "
        "main one, so their RSS counts shared pages again and the RSS sum overstates the container's memory, "
        "which PSS shares out.",
        "",
        "Batches: " + "; ".join(f"`{k}` {b['description']}" for k, b in results["batches"].items()) + ".",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
