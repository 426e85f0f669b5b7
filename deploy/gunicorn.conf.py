"""gunicorn configuration: `gunicorn -c deploy/gunicorn.conf.py lms.wsgi`.

Every value can be overridden with GUNICORN_* / WEB_CONCURRENCY env vars. Sizing: on a
2-CPU container two sync workers reach the peak throughput; more workers only add memory
and tail latency (docs/performance.md, PERFORMANCE-NOTES).
"""

import json
import multiprocessing
import os
import shutil
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then so that a slow leak can never take a container down.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "500"))
# Load Django once in the master and fork the workers from it: a recycled worker starts in
# milliseconds instead of importing Django again (about a second of CPU, during which the
# requests queued on it waited: the p99 spikes in docs/performance.md), and the workers
# share the loaded code's memory. Nothing opens a connection at import. A new release is
# a new container (docs/operations.md), so HUP reloading the code is not needed.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() == "true"
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/dev/shm" if os.path.isdir("/dev/shm") else None)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 8190

errorlog = "-"
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "true").lower() == "true" else None
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
if os.environ.get("LOG_FORMAT", "").lower() == "json":
    access_log_format = json.dumps(
        {
            "time": "%(t)s",
            "level": "INFO",
            "logger": "gunicorn.access",
            "message": "%(m)s %(U)s %(s)s",
            "request_id": "%({x-request-id}o)s",
            "remote_addr": "%(h)s",
            # The client chain as nginx forwards it (the peer above is nginx itself).
            "forwarded_for": "%({x-forwarded-for}i)s",
            "method": "%(m)s",
            "path": "%(U)s",
            "status": "%(s)s",
            "bytes": "%(B)s",
            "duration_ms": "%(M)s",
            "user_agent": "%(a)s",
        }
    )

# Prometheus multiprocess mode: each worker writes its samples to files in this directory
# and /metrics aggregates them, so the numbers do not depend on which worker answers.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", "/tmp/prometheus-multiproc")
_metrics_dir = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])


# Values from a previous run would be added to this one's: start empty. Done when this file
# is read, before the app is preloaded (gunicorn calls on_starting only after that, and the
# preloaded app has already opened its files here by then).
if _metrics_dir.exists():
    shutil.rmtree(_metrics_dir)
_metrics_dir.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
