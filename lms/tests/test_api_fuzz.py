"""Schema fuzzing: schemathesis generates requests from the OpenAPI document for every
operation and sends them, as a signed-in learner, to the real application (in process,
through WSGI). Whatever it sends, the API must not answer 5xx, and its answers must match
the schema's status codes and content types."""

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from lms.wsgi import application

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = sorted(op.ok().label for op in schemathesis.openapi.from_path(ROOT / "openapi.yaml").get_all_operations())

pytestmark = pytest.mark.slow


@pytest.fixture
def bearer(db, settings):
    from accounts import services
    from accounts.tests.factories import UserFactory
    from certificates.tests.conftest import completed_enrollment

    settings.ENABLE_API_DOCS = True
    # Fuzzing sends many requests: the limits are not what is tested here.
    settings.RATE_LIMIT_REQUESTS_PER_MINUTE = 100_000
    settings.RATE_LIMIT_AUTH_REQUESTS_PER_MINUTE = 100_000
    settings.CERTIFICATE_VERIFY_REQUESTS_PER_MINUTE = 100_000
    settings.LOGIN_FAILURES_PER_ACCOUNT = settings.LOGIN_FAILURES_PER_CLIENT = 100_000
    completed_enrollment()  # a published course, lessons, an enrollment and a certificate to find
    token = services.tokens_issue(user=UserFactory())["access"]
    # Requests go through the real WSGI handler, which closes the database connection at
    # the end of each request; the test's transaction needs it open (as Django's test
    # client arranges too).
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield token
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _no_server_error(ctx, response, case):
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    )


@pytest.mark.parametrize("label", OPERATIONS)
def test_operation_answers_generated_requests_without_a_server_error(label, bearer):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    operation = next(op.ok() for op in schema.get_all_operations() if op.ok().label == label)

    @given(case=operation.as_strategy())
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
    def run(case):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {bearer}"}
        response = case.call()
        case.validate_response(response, checks=(_no_server_error, status_code_conformance, content_type_conformance))

    run()
