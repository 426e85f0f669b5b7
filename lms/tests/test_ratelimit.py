"""The API allows RATE_LIMIT_REQUESTS_PER_MINUTE per client, then answers 429 with
Retry-After; with RATE_LIMIT_USE_REDIS the count is shared by every process."""

import logging

import pytest
from django.test import override_settings

from lms import ratelimit
from lms.tests.helpers import closed_port


@pytest.mark.django_db
@override_settings(RATE_LIMIT_REQUESTS_PER_MINUTE=3)
def test_api_answers_429_with_retry_after_once_the_limit_is_used(api_client):
    statuses = [api_client.get("/api/v1/").status_code for _ in range(3)]
    refused = api_client.get("/api/v1/")
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    body = refused.json()
    assert body["code"] == "throttled"
    assert body["errors"] == {}


@pytest.mark.django_db
@override_settings(RATE_LIMIT_REQUESTS_PER_MINUTE=2)
def test_each_client_address_has_its_own_allowance(api_client):
    for _ in range(2):
        assert api_client.get("/api/v1/", REMOTE_ADDR="10.0.0.1").status_code == 200
    assert api_client.get("/api/v1/", REMOTE_ADDR="10.0.0.1").status_code == 429
    assert api_client.get("/api/v1/", REMOTE_ADDR="10.0.0.2").status_code == 200


@override_settings(RATE_LIMIT_REQUESTS_PER_MINUTE=1)
def test_operations_endpoints_are_never_rate_limited(client):
    assert all(client.get("/api/v1/health").status_code == 200 for _ in range(5))


def test_window_resets_after_a_minute():
    first = ratelimit.hit(scope="t", ident="a", limit=1, now=120.0)
    second = ratelimit.hit(scope="t", ident="a", limit=1, now=150.0)
    next_window = ratelimit.hit(scope="t", ident="a", limit=1, now=180.0)
    assert (first.allowed, second.allowed, next_window.allowed) == (True, False, True)
    assert second.retry_after == 30


@pytest.mark.redis
def test_count_lives_in_redis_where_every_process_sees_it(settings):
    import redis

    assert settings.RATE_LIMIT_USE_REDIS, "with REDIS_URL set, rate limits default to Redis"
    for _ in range(2):
        ratelimit.hit(scope="shared", ident="ip:192.0.2.7", limit=5, now=600.0)
    # Another process would read the same key through its own connection.
    other_process = redis.Redis.from_url(settings.REDIS_URL)
    keys = other_process.keys("*rl:shared:ip:192.0.2.7:10")
    assert len(keys) == 1
    assert int(other_process.get(keys[0])) == 2
    assert 0 < other_process.ttl(keys[0]) <= 61


@pytest.mark.django_db
def test_limiter_lets_requests_through_and_warns_when_redis_is_down(api_client, caplog):
    url = f"redis://127.0.0.1:{closed_port()}/0"
    down = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
    }
    from django.conf import settings

    with (
        override_settings(CACHES={**settings.CACHES, "ratelimit": down}, RATE_LIMIT_REQUESTS_PER_MINUTE=1),
        caplog.at_level(logging.WARNING, logger="lms.ratelimit"),
    ):
        statuses = [api_client.get("/api/v1/").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    assert any(r.message == "rate_limit_unavailable" for r in caplog.records)
