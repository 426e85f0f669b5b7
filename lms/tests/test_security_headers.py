"""SECURITY_HEADERS_ENABLED turns on CSP, HSTS, nosniff, Referrer-Policy,
Permissions-Policy and frame denial; off, only frame denial stays."""

import json

import pytest

from lms.tests.helpers import base_env, run_python

pytestmark = pytest.mark.slow

_FETCH = """
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
django.setup()
from django.test import Client
response = Client().get("/api/v1/", secure=True)
print(json.dumps({"status": response.status_code, "headers": dict(response.headers)}))
"""


def _fetch(tmp_path, **env):
    proc = run_python(_FETCH, base_env(DATABASE_URL=f"sqlite:///{tmp_path}/h.sqlite3", **env))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_security_headers_on(tmp_path):
    result = _fetch(tmp_path, SECURITY_HEADERS_ENABLED="True")
    headers = result["headers"]
    assert result["status"] == 200
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert headers["X-Frame-Options"] == "DENY"


def test_security_headers_off(tmp_path):
    headers = _fetch(tmp_path, SECURITY_HEADERS_ENABLED="False")["headers"]
    for name in (
        "Content-Security-Policy",
        "Strict-Transport-Security",
        "Permissions-Policy",
        "X-Content-Type-Options",
    ):
        assert name not in headers
    assert headers["X-Frame-Options"] == "DENY"


def test_ssl_redirect_honours_the_proxy_header(tmp_path):
    code = """
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
django.setup()
from django.test import Client
plain = Client().get("/api/v1/")
proxied = Client().get("/api/v1/", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps([plain.status_code, plain.headers.get("Location"), proxied.status_code]))
"""
    env = base_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/h.sqlite3",
        SECURE_SSL_REDIRECT="True",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
    )
    proc = run_python(code, env)
    assert proc.returncode == 0, proc.stderr
    plain_status, location, proxied_status = json.loads(proc.stdout.strip().splitlines()[-1])
    assert plain_status == 301
    assert location == "https://testserver/api/v1/"
    assert proxied_status == 200


_FETCH_BOTH = """
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
django.setup()
from django.test import Client
client = Client()
print(json.dumps({
    path: client.get(path, secure=True).headers.get("Content-Security-Policy", "")
    for path in ("/admin/login/", "/accounts/login/", "/api/v1/")
}))
"""


def test_only_the_admin_relaxes_the_policy_for_its_interface(tmp_path):
    """django-unfold's Alpine.js expressions and inline colour styles need 'unsafe-eval'
    and inline styles: the admin gets them, learner pages and the API never do."""
    proc = run_python(
        _FETCH_BOTH, base_env(DATABASE_URL=f"sqlite:///{tmp_path}/h.sqlite3", SECURITY_HEADERS_ENABLED="True")
    )
    assert proc.returncode == 0, proc.stderr
    policies = json.loads(proc.stdout.strip().splitlines()[-1])
    admin = dict(d.strip().split(" ", 1) for d in policies["/admin/login/"].split(";") if d.strip())
    assert "'unsafe-eval'" in admin["script-src"] and "'unsafe-inline'" in admin["style-src"]
    assert "'unsafe-inline'" not in admin["script-src"]
    for path in ("/accounts/login/", "/api/v1/"):
        assert policies[path] and "unsafe" not in policies[path], path
