"""The production configuration under gunicorn with two workers, on PostgreSQL and
Redis: readiness, metrics aggregated across workers, and one rate-limit allowance
shared by both workers."""

import http.client
import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from lms.tests.helpers import PRODUCTION_ENV, Server, base_env, closed_port, free_port, gunicorn_args

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.django_db]

HOST = "lms.example.com"
LIMIT = 10


def _get(port: int, path: str, host: str = HOST) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": host, "X-Forwarded-Proto": "https"})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@pytest.fixture
def production_server(django_db_setup, database_url, settings, tmp_path):
    port = free_port()
    env = base_env(
        **PRODUCTION_ENV,
        DATABASE_URL=database_url,
        REDIS_URL=settings.REDIS_URL,
        # Its own keys: parallel tests' servers must not share rate-limit counters.
        REDIS_KEY_PREFIX=f"gunicorn-test-{port}",
        TASKS_FORCE_INLINE="False",
        RATE_LIMIT_USE_REDIS="True",
        RATE_LIMIT_REQUESTS_PER_MINUTE=str(LIMIT),
        WEB_CONCURRENCY="2",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
        LOG_FORMAT="json",
    )
    server = Server(gunicorn_args(port), env, port, tmp_path / "gunicorn.log")
    try:
        server.wait_until_listening()
        yield server
    finally:
        server.stop()


def _avoid_minute_boundary() -> None:
    # The limiter counts per clock minute; start the burst well inside one.
    seconds = time.time() % 60
    if seconds > 45:
        time.sleep(61 - seconds)


def test_production_server_is_ready_over_postgres_and_redis(production_server):
    status, _headers, body = _get(production_server.port, "/api/v1/ready", host="api:8000")
    assert status == 200, production_server.log()[-3000:]
    assert b'"database": "ok"' in body
    assert b'"cache": "ok"' in body
    assert b'"broker": "ok"' in body


def test_rate_limit_is_shared_by_both_workers_and_metrics_add_up(production_server, tmp_path):
    _avoid_minute_boundary()
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: _get(production_server.port, "/api/v1/")[0], range(3 * LIMIT)))
    # Both workers answered (each wrote its own metrics file) ...
    pids = {p.name.rsplit("_", 1)[-1] for p in (tmp_path / "metrics").glob("counter_*.db")}
    assert len(pids) >= 2, f"only one worker served: {pids}"
    # ... and together they allowed exactly one allowance, not one each.
    assert results.count(200) == LIMIT
    assert results.count(429) == 2 * LIMIT

    # /metrics sums every worker's samples, whichever worker answers.
    name = "django_http_requests_total_by_view_transport_method_total"
    labels = '{method="GET",transport="https",view="api-root"}'
    for _ in range(4):
        status, _, body = _get(production_server.port, "/metrics", host="api:8000")
        assert status == 200
        match = re.search(rf"^{re.escape(name + labels)} (\S+)$", body.decode(), re.MULTILINE)
        assert match and float(match.group(1)) == 3 * LIMIT
        assert b"lms_user_registrations_total" in body


def test_foreign_host_is_refused_but_probes_are_not(production_server):
    status, _, _ = _get(production_server.port, "/api/v1/", host="attacker.example.net")
    assert status == 400
    assert _get(production_server.port, "/api/v1/health", host="10.1.2.3:8000")[0] == 200


def test_database_down_makes_ready_503_while_health_stays_200(tmp_path, settings):
    port = free_port()
    env = base_env(
        **PRODUCTION_ENV,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed_port()}/lms",
        REDIS_URL=settings.REDIS_URL,
        WEB_CONCURRENCY="1",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    server = Server(gunicorn_args(port), env, port, tmp_path / "gunicorn.log")
    try:
        server.wait_until_listening()
        status, _, body = _get(port, "/api/v1/ready")
        assert status == 503
        assert b'"failed": ["database"]' in body
        assert b"Traceback" not in body
        assert _get(port, "/api/v1/health")[0] == 200
    finally:
        server.stop()
