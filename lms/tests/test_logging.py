"""LOG_FORMAT=json writes one JSON object per line, with the request's context."""

import json

import pytest

from lms.tests.helpers import base_env, run_python

pytestmark = pytest.mark.slow

_REQUESTS = """
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
django.setup()
from django.test import Client
Client().get("/api/v1/", HTTP_X_REQUEST_ID="req-abc-123")
Client().get("/api/v1/does-not-exist/")
import logging
logging.getLogger("lms.test").warning("plain event", extra={"course_id": 7})
"""


def test_json_log_lines_parse_and_carry_request_fields(tmp_path):
    proc = run_python(
        _REQUESTS, base_env(DATABASE_URL=f"sqlite:///{tmp_path}/l.sqlite3", LOG_FORMAT="json", LOG_LEVEL="INFO")
    )
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    access = [r for r in records if r["logger"] == "lms.access"]
    assert len(access) == 2
    first, missing = access
    for key in ("time", "level", "logger", "message", "request_id", "method", "path", "status", "duration_ms"):
        assert key in first, key
    assert (first["request_id"], first["method"], first["path"], first["status"]) == (
        "req-abc-123",
        "GET",
        "/api/v1/",
        200,
    )
    assert missing["status"] == 404
    assert len(missing["request_id"]) == 32  # generated when the client sends none
    event = next(r for r in records if r["logger"] == "lms.test")
    assert (event["level"], event["message"], event["course_id"]) == ("WARNING", "plain event", 7)


def test_log_level_filters_records(tmp_path):
    proc = run_python(
        _REQUESTS, base_env(DATABASE_URL=f"sqlite:///{tmp_path}/l.sqlite3", LOG_FORMAT="json", LOG_LEVEL="WARNING")
    )
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stderr.splitlines() if line.strip()]
    assert [r["logger"] for r in records] == ["lms.test"]


def test_text_format_is_human_readable(tmp_path):
    proc = run_python(_REQUESTS, base_env(DATABASE_URL=f"sqlite:///{tmp_path}/l.sqlite3", LOG_FORMAT="text"))
    assert proc.returncode == 0, proc.stderr
    assert "INFO lms.access [req-abc-123] request GET /api/v1/ 200" in proc.stderr
