"""/metrics exposes django-prometheus's request metrics and the business counters."""

import re

import pytest

from lms import metrics


def _sample(text: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name)}{re.escape(labels)} (\S+)$", text, re.MULTILINE)
    assert match, f"{name}{labels} not in /metrics"
    return float(match.group(1))


def test_metrics_lists_every_business_counter(client):
    text = client.get("/metrics").content.decode()
    for name in (
        "lms_user_registrations_total",
        "lms_course_enrollments_total",
        "lms_certificates_issued_total",
        "lms_course_completions_total",
    ):
        assert re.search(rf"^{name} ", text, re.MULTILINE), name
    assert "# TYPE lms_quiz_submissions_total counter" in text
    assert "# TYPE lms_tasks_total counter" in text
    assert "# TYPE lms_task_duration_seconds histogram" in text


def test_business_counter_increments_show_on_metrics(client):
    before = _sample(client.get("/metrics").content.decode(), "lms_certificates_issued_total")
    metrics.CERTIFICATES_ISSUED.inc()
    after = _sample(client.get("/metrics").content.decode(), "lms_certificates_issued_total")
    assert after == before + 1


@pytest.mark.django_db
def test_request_metrics_count_api_requests_by_view(client):
    labels = '{method="GET",transport="http",view="api-root"}'
    name = "django_http_requests_total_by_view_transport_method_total"
    text = client.get("/metrics").content.decode()
    before = _sample(text, name, labels) if f"{name}{labels}" in text else 0.0
    client.get("/api/v1/")
    client.get("/api/v1/")
    after = _sample(client.get("/metrics").content.decode(), name, labels)
    assert after == before + 2
    assert client.get("/metrics")["Content-Type"].startswith("text/plain")


def test_a_fresh_process_lists_every_labelled_series_at_zero():
    """Read /metrics of a new process that has done nothing yet: every label value that a
    counter knows (passed true/false, each task and final state) is there at zero."""
    import subprocess
    import sys

    script = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'lms.settings'); django.setup(); "
        "from django.test import Client; print(Client().get('/metrics').content.decode())"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    text = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120, env=env
    ).stdout
    for passed in ("true", "false"):
        assert _sample(text, "lms_quiz_submissions_total", f'{{passed="{passed}"}}') == 0
    for task in ("certificates.render", "webhooks.deliver", "reports.build_export", "accounts.send_welcome_email"):
        for state in ("SUCCESS", "FAILURE", "RETRY"):
            assert _sample(text, "lms_tasks_total", f'{{state="{state}",task="{task}"}}') == 0
        assert _sample(text, "lms_task_duration_seconds_count", f'{{task="{task}"}}') == 0
