"""settings.py turns environment variables into configuration, with the embedded default
when nothing is set and a guard that refuses unsafe production configurations."""

import pytest

from lms.tests.helpers import PRODUCTION_ENV, ROOT, STRONG_KEY, base_env, load_settings, run_manage, run_python

pytestmark = pytest.mark.slow


def test_no_environment_gives_the_embedded_default():
    s = load_settings(
        base_env(),
        "ENVIRONMENT",
        "DEBUG",
        "DATABASES",
        "CACHES",
        "CELERY_TASK_ALWAYS_EAGER",
        "STORAGES",
        "EMAIL_BACKEND",
        "SESSION_ENGINE",
        "ENABLE_API_DOCS",
    )
    assert s["ENVIRONMENT"] == "development"
    assert s["DEBUG"] is False
    assert s["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert s["DATABASES"]["default"]["NAME"].endswith("db.sqlite3")
    assert s["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert s["CELERY_TASK_ALWAYS_EAGER"] is True
    assert s["STORAGES"]["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert s["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"
    assert s["ENABLE_API_DOCS"] is True


def test_database_url_accepts_the_operations_guides_sqlalchemy_scheme():
    s = load_settings(base_env(DATABASE_URL="postgresql+psycopg2://lms:pw@db:5432/lms"), "DATABASES")
    db = s["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"], db["PASSWORD"]) == ("db", 5432, "lms", "lms", "pw")
    assert db["CONN_MAX_AGE"] == 60
    assert db["CONN_HEALTH_CHECKS"] is True
    assert db["OPTIONS"]["connect_timeout"] == 3


def test_pgbouncer_mode_disables_server_side_cursors():
    s = load_settings(
        base_env(DATABASE_URL="postgres://u@pgbouncer:6432/lms", DATABASE_DISABLE_SERVER_SIDE_CURSORS="True"),
        "DATABASES",
    )
    assert s["DATABASES"]["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True


def test_replica_url_adds_a_replica_and_the_router():
    s = load_settings(
        base_env(DATABASE_URL="postgres://u@primary/lms", DATABASE_REPLICA_URL="postgres://u@replica/lms"),
        "DATABASES",
        "DATABASE_ROUTERS",
    )
    assert s["DATABASES"]["replica"]["HOST"] == "replica"
    assert s["DATABASES"]["replica"]["TEST"]["MIRROR"] == "default"
    assert s["DATABASE_ROUTERS"] == ["lms.db_router.PrimaryReplicaRouter"]


def test_redis_url_puts_cache_on_redis_with_bounded_timeouts():
    s = load_settings(
        base_env(REDIS_URL="redis://cache:6379/0", REDIS_KEY_PREFIX="blue"),
        "CACHES",
        "RATE_LIMIT_USE_REDIS",
        "CELERY_BROKER_URL",
    )
    assert [s["CACHES"][a]["KEY_PREFIX"] for a in ("default", "security", "ratelimit")] == [
        "blue",
        "blue-sec",
        "blue-rl",
    ]
    for alias in ("default", "security", "ratelimit"):
        cache = s["CACHES"][alias]
        assert cache["BACKEND"] == "django_redis.cache.RedisCache"
        assert cache["LOCATION"] == "redis://cache:6379/0"
        assert 0 < cache["OPTIONS"]["SOCKET_TIMEOUT"] <= 1
        assert 0 < cache["OPTIONS"]["SOCKET_CONNECT_TIMEOUT"] <= 1
    assert s["CACHES"]["default"]["OPTIONS"]["IGNORE_EXCEPTIONS"] is True
    assert s["CACHES"]["security"]["OPTIONS"]["IGNORE_EXCEPTIONS"] is False
    assert s["RATE_LIMIT_USE_REDIS"] is True
    assert s["CELERY_BROKER_URL"] == "redis://cache:6379/0"


def test_rate_limit_without_redis_is_per_process():
    s = load_settings(
        base_env(REDIS_URL="redis://cache:6379/0", RATE_LIMIT_USE_REDIS="False", RATE_LIMIT_REQUESTS_PER_MINUTE="7"),
        "CACHES",
        "RATE_LIMIT_REQUESTS_PER_MINUTE",
    )
    assert s["CACHES"]["ratelimit"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert s["RATE_LIMIT_REQUESTS_PER_MINUTE"] == 7


def test_celery_variables_set_broker_backend_and_inline_mode():
    s = load_settings(
        base_env(
            CELERY_BROKER_URL="redis://r:6379/1",
            CELERY_RESULT_BACKEND="redis://r:6379/2",
            TASKS_FORCE_INLINE="False",
        ),
        "CELERY_BROKER_URL",
        "CELERY_RESULT_BACKEND",
        "CELERY_TASK_ALWAYS_EAGER",
        "CELERY_TASK_ACKS_LATE",
        "CELERY_ACCEPT_CONTENT",
        "CELERY_BEAT_SCHEDULER",
    )
    assert s["CELERY_BROKER_URL"] == "redis://r:6379/1"
    assert s["CELERY_RESULT_BACKEND"] == "redis://r:6379/2"
    assert s["CELERY_TASK_ALWAYS_EAGER"] is False
    assert s["CELERY_TASK_ACKS_LATE"] is True
    assert s["CELERY_ACCEPT_CONTENT"] == ["json"]
    assert s["CELERY_BEAT_SCHEDULER"] == "django_celery_beat.schedulers:DatabaseScheduler"
    forced = load_settings(
        base_env(CELERY_BROKER_URL="redis://r:6379/1", TASKS_FORCE_INLINE="True"), "CELERY_TASK_ALWAYS_EAGER"
    )
    assert forced["CELERY_TASK_ALWAYS_EAGER"] is True


def test_security_proxy_cors_and_csrf_variables_are_parsed():
    s = load_settings(
        base_env(
            SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
            SECURE_SSL_REDIRECT="True",
            CORS_ORIGINS="https://a.example,https://b.example",
            CSRF_TRUSTED_ORIGINS="https://a.example",
        ),
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_SSL_REDIRECT",
        "CORS_ALLOWED_ORIGINS",
        "CSRF_TRUSTED_ORIGINS",
    )
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["CORS_ALLOWED_ORIGINS"] == ["https://a.example", "https://b.example"]
    assert s["CSRF_TRUSTED_ORIGINS"] == ["https://a.example"]


def test_token_blacklist_and_docs_flags_are_read():
    s = load_settings(
        base_env(
            ACCESS_TOKEN_BLACKLIST_ENABLED="False", ACCESS_TOKEN_BLACKLIST_FAIL_CLOSED="True", ENABLE_API_DOCS="False"
        ),
        "ACCESS_TOKEN_BLACKLIST_ENABLED",
        "ACCESS_TOKEN_BLACKLIST_FAIL_CLOSED",
        "ENABLE_API_DOCS",
    )
    assert s == {
        "ACCESS_TOKEN_BLACKLIST_ENABLED": False,
        "ACCESS_TOKEN_BLACKLIST_FAIL_CLOSED": True,
        "ENABLE_API_DOCS": False,
    }


def test_azure_storage_is_selected_by_the_provider_variable():
    conn = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
    s = load_settings(
        base_env(
            FILE_STORAGE_PROVIDER="azure", AZURE_STORAGE_CONNECTION_STRING=conn, AZURE_STORAGE_CONTAINER_NAME="files"
        ),
        "STORAGES",
    )
    storage = s["STORAGES"]["default"]
    assert storage["BACKEND"] == "lms.azure_storage.AzureStorage"  # django-storages' with client_options honoured
    assert storage["OPTIONS"]["client_options"]["retry_total"] <= 2  # an unreachable storage fails in seconds
    assert storage["OPTIONS"]["connection_string"] == conn
    assert storage["OPTIONS"]["azure_container"] == "files"


def test_email_url_and_from_address_configure_smtp():
    s = load_settings(
        base_env(EMAIL_URL="smtp+tls://mailer:pw@smtp.example.com:587", DEFAULT_FROM_EMAIL="LMS <lms@example.com>"),
        "EMAIL_BACKEND",
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_USE_TLS",
        "DEFAULT_FROM_EMAIL",
    )
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (s["EMAIL_HOST"], s["EMAIL_PORT"], s["EMAIL_USE_TLS"]) == ("smtp.example.com", 587, True)
    assert s["DEFAULT_FROM_EMAIL"] == "LMS <lms@example.com>"


def test_logging_variables_choose_formatter_and_level():
    s = load_settings(base_env(LOG_FORMAT="json", LOG_LEVEL="warning"), "LOGGING")
    assert s["LOGGING"]["handlers"]["console"]["formatter"] == "json"
    assert s["LOGGING"]["root"]["level"] == "WARNING"


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"ENVIRONMENT": "staging"}, "ENVIRONMENT"),
        ({"FILE_STORAGE_PROVIDER": "s3"}, "FILE_STORAGE_PROVIDER"),
        ({"FILE_STORAGE_PROVIDER": "azure"}, "AZURE_STORAGE_CONNECTION_STRING"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO"}, "SECURE_PROXY_SSL_HEADER"),
        ({"SENTRY_TRACES_SAMPLE_RATE": "2"}, "SENTRY_TRACES_SAMPLE_RATE"),
        ({"RATE_LIMIT_USE_REDIS": "True"}, "REDIS_URL"),
        ({"TASKS_FORCE_INLINE": "False"}, "CELERY_BROKER_URL"),
        ({"BRAND_COLOR": "blue"}, "BRAND_COLOR must be a colour"),
        # White text on pale yellow (1.1:1) is unreadable: the contrast is named.
        ({"BRAND_COLOR": "#ffee88"}, "BRAND_COLOR #ffee88 is too light for white text on buttons (contrast 1.1"),
    ],
)
def test_invalid_values_refuse_to_start_naming_the_variable(env, names):
    proc = run_manage("check", env=base_env(**env))
    assert proc.returncode != 0
    assert "ImproperlyConfigured" in proc.stderr
    assert names in proc.stderr


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY is missing"),
        ({"SECRET_KEY": "short-key"}, "SECRET_KEY is weak"),
        ({"SECRET_KEY": "django-insecure-" + "x1y2z3" * 10}, "SECRET_KEY is weak"),
        ({"DEBUG": "True"}, "DEBUG must be False"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS is empty"),
        ({"SITE_URL": ""}, "SITE_URL is missing"),
        ({"SITE_URL": "http://lms.example.com"}, "SITE_URL must be an https URL"),
    ],
)
def test_production_refuses_to_start_with_unsafe_values(override, named):
    proc = run_manage("check", env=base_env(**{**PRODUCTION_ENV, **override}))
    assert proc.returncode != 0
    assert "Refusing to start with ENVIRONMENT=production" in proc.stderr
    assert named in proc.stderr


def test_production_with_only_the_required_variables_turns_on_safe_defaults():
    env = base_env(
        ENVIRONMENT="production",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="lms.example.com",
        SITE_URL="https://lms.example.com",
    )
    s = load_settings(
        env,
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "ENABLE_API_DOCS",
        "ACCESS_TOKEN_BLACKLIST_FAIL_CLOSED",
        "LOG_FORMAT",
    )
    assert s == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "ENABLE_API_DOCS": False,
        "ACCESS_TOKEN_BLACKLIST_FAIL_CLOSED": True,
        "LOG_FORMAT": "json",
    }


def test_check_deploy_is_clean_with_a_production_environment():
    proc = run_manage("check", "--deploy", "--fail-level", "WARNING", env=base_env(**PRODUCTION_ENV))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "no issues" in proc.stdout


def test_sentry_is_initialised_only_with_a_dsn_and_without_pii():
    code = """
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
django.setup()
import sentry_sdk
client = sentry_sdk.get_client()
print(json.dumps({"active": client.is_active(), "options": {k: client.options.get(k) for k in
    ("environment", "traces_sample_rate", "profiles_sample_rate", "send_default_pii")} if client.is_active() else None}))
"""
    off = run_python(code, base_env())
    assert off.returncode == 0, off.stderr
    assert '"active": false' in off.stdout
    on = run_python(
        code,
        base_env(
            SENTRY_DSN="http://public@127.0.0.1:9/1",
            SENTRY_ENVIRONMENT="staging",
            SENTRY_TRACES_SAMPLE_RATE="0.25",
            SENTRY_PROFILES_SAMPLE_RATE="0.1",
        ),
    )
    assert on.returncode == 0, on.stderr
    assert '"active": true' in on.stdout
    assert '"environment": "staging"' in on.stdout
    assert '"traces_sample_rate": 0.25' in on.stdout
    assert '"profiles_sample_rate": 0.1' in on.stdout
    assert '"send_default_pii": false' in on.stdout


@pytest.mark.parametrize(
    "value", ["lms.example.com", "ftp://lms.example.com", "https://", "https://lms.example.com/?a=1"]
)
def test_a_site_url_that_is_no_absolute_web_address_is_refused_in_any_environment(value):
    proc = run_manage("check", env=base_env(SITE_URL=value))
    assert proc.returncode != 0 and "SITE_URL must be an absolute http(s) URL" in proc.stderr


def test_make_run_serves_with_links_to_the_address_it_serves():
    import subprocess

    dry_run = subprocess.run(
        ["make", "-n", "-W", "requirements.txt", "run", "HOST=127.0.0.5", "PORT=9123"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    serve = next(line for line in dry_run.splitlines() if "runserver" in line)
    assert "SITE_URL=${SITE_URL:-http://127.0.0.5:9123}" in serve and serve.endswith("runserver 127.0.0.5:9123")


def test_any_variable_may_be_read_from_a_file_named_by_its_FILE_variable(tmp_path):
    """Secrets mounted as files (Docker, Kubernetes): the file wins over the variable and
    its trailing newline is dropped."""
    (tmp_path / "key").write_text(STRONG_KEY + "\n")
    (tmp_path / "db").write_text("postgres://lms:s3cret@db:5432/lms\n")
    env = base_env(
        **PRODUCTION_ENV,
        SECRET_KEY_FILE=str(tmp_path / "key"),
        DATABASE_URL="postgres://ignored@elsewhere/other",
        DATABASE_URL_FILE=str(tmp_path / "db"),
    )
    env.pop("SECRET_KEY", None)
    s = load_settings(env, "SECRET_KEY", "DATABASES")
    assert s["SECRET_KEY"] == STRONG_KEY
    assert (s["DATABASES"]["default"]["HOST"], s["DATABASES"]["default"]["PASSWORD"]) == ("db", "s3cret")


def test_a_FILE_variable_naming_a_missing_file_refuses_to_start_naming_it(tmp_path):
    proc = run_manage("check", env=base_env(SECRET_KEY_FILE=str(tmp_path / "absent")))
    assert proc.returncode != 0
    assert "SECRET_KEY_FILE names" in proc.stderr
    assert "cannot be read" in proc.stderr
