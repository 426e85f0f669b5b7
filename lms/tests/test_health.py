"""/api/v1/health answers without I/O; /api/v1/ready checks every dependency and names
what failed, within a bounded time."""

import socket
import threading

import pytest
from django.test import override_settings

from lms.tests.helpers import closed_port


def _redis_cache_at(url: str) -> dict:
    options = {"SOCKET_CONNECT_TIMEOUT": 0.3, "SOCKET_TIMEOUT": 0.3, "IGNORE_EXCEPTIONS": True}
    cache = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": url, "OPTIONS": options}
    return {"default": cache, "security": dict(cache), "ratelimit": dict(cache)}


def test_health_answers_ok_without_touching_the_database(client):
    # No django_db mark: any database access here would fail the test.
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_health_ignores_the_host_header_so_orchestrators_can_call_it(client):
    response = client.get("/api/v1/health", HTTP_HOST="api-container-7:8000")
    assert response.status_code == 200


@pytest.mark.django_db
def test_ready_reports_each_dependency_ok(client):
    response = client.get("/api/v1/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"] == "ok"


@pytest.mark.django_db
def test_ready_is_503_naming_the_cache_when_redis_is_unreachable(client):
    url = f"redis://127.0.0.1:{closed_port()}/0"
    with override_settings(REDIS_URL=url, CACHES=_redis_cache_at(url)):
        response = client.get("/api/v1/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["cache"]
    assert body["checks"]["database"] == "ok"


@pytest.fixture
def silent_server():
    """A TCP server that accepts connections and never answers: a hung dependency."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                accepted.append(conn)
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


@pytest.mark.django_db
def test_ready_does_not_hang_when_redis_accepts_but_never_answers(client, silent_server):
    url = f"redis://127.0.0.1:{silent_server}/0"
    with override_settings(REDIS_URL=url, CACHES=_redis_cache_at(url)):
        response = client.get("/api/v1/ready")
    assert response.status_code == 503
    assert response.json()["failed"] == ["cache"]


@pytest.mark.django_db
def test_ready_checks_the_broker_when_tasks_are_not_inline(client):
    broker = f"redis://127.0.0.1:{closed_port()}/0"
    with override_settings(TASKS_FORCE_INLINE=False, CELERY_BROKER_URL=broker):
        response = client.get("/api/v1/ready")
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]


@pytest.mark.django_db
@pytest.mark.redis
def test_ready_passes_the_broker_check_against_real_redis(client, settings):
    settings.TASKS_FORCE_INLINE = False
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    response = client.get("/api/v1/ready")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["broker"] == "ok"


def test_operations_endpoints_only_answer_get(client):
    response = client.post("/api/v1/health")
    assert response.status_code in (404, 405)


def test_health_through_the_stack_runs_the_middleware_the_probe_skips(client, settings):
    settings.ALLOWED_HOSTS = ["lms.example.com"]
    through = client.get("/api/v1/health/stack", HTTP_HOST="lms.example.com")
    assert through.status_code == 200 and through.json() == {"status": "ok"}
    assert "X-Request-ID" in through  # the access-log middleware ran
    assert client.get("/api/v1/health/stack", HTTP_HOST="evil.example.net").status_code == 400  # host check ran
    probe = client.get("/api/v1/health", HTTP_HOST="evil.example.net")
    assert probe.status_code == 200 and "X-Request-ID" not in probe
