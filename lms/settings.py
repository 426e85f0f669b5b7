"""Settings for the LMS: one module, every value read from the environment.

With no environment at all the project runs on the embedded default: a SQLite file,
the in-process cache, tasks run inline, media on local disk and email to the console.
`ENVIRONMENT=production` turns on the safe defaults and refuses to start when a value
that production depends on is missing or unsafe (see `_production_guard`).

Every variable is documented in README.md ("Configuration") and `.env.example`.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


class _SecretFiles(environ.FileAwareMapping):
    """The environment, where any variable may instead name a file holding its value
    (`SECRET_KEY_FILE=/run/secrets/secret_key`, as Docker and Kubernetes secrets are
    mounted): the file wins over the variable, and its trailing newline is dropped."""

    def __getitem__(self, key: str) -> str:
        path = self.env.get(f"{key}_FILE")
        if not path:
            return self.env[key]
        try:
            return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise ImproperlyConfigured(f"{key}_FILE names {path!r}, which cannot be read ({exc.strerror}).") from None


class _Env(environ.Env):
    ENVIRON = _SecretFiles()


env = _Env()


def _url_without_driver(url: str) -> str:
    """Accept SQLAlchemy-style schemes such as `postgresql+psycopg2://` (the operations
    guide's form) as well as Django's own: the driver suffix names a Python driver, which
    Django chooses itself (psycopg 3 here)."""
    scheme, sep, rest = url.partition("://")
    if sep and "+" in scheme:
        return f"{scheme.split('+', 1)[0]}{sep}{rest}"
    return url


def _database(url: str, *, conn_max_age: int, disable_server_side_cursors: bool) -> dict:
    config = environ.Env.db_url_config(_url_without_driver(url))
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Persistent connections with a health check before reuse: a new connection per
        # request costs more than most requests themselves, and the health check lets the
        # app survive a PostgreSQL restart.
        config["CONN_MAX_AGE"] = conn_max_age
        config["CONN_HEALTH_CHECKS"] = True
        config.setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
        # Behind PgBouncer in transaction mode server-side cursors break.
        config["DISABLE_SERVER_SIDE_CURSORS"] = disable_server_side_cursors
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        config.setdefault("OPTIONS", {}).update(
            {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
        )
    return config


# =============================================================================
# Environment and core: ENVIRONMENT, DEBUG, SECRET_KEY, ALLOWED_HOSTS,
# CSRF_TRUSTED_ORIGINS
# =============================================================================

ENVIRONMENT = env.str("ENVIRONMENT", default="development").strip().lower()
if ENVIRONMENT not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"ENVIRONMENT must be one of development, test, production (got {ENVIRONMENT!r}).")
IS_PRODUCTION = ENVIRONMENT == "production"
TESTING = ENVIRONMENT == "test" or "pytest" in sys.modules

DEBUG = env.bool("DEBUG", default=False)


def _development_secret_key() -> str:
    """Outside production, without SECRET_KEY, use a random key kept in a git-ignored file,
    so that no key is ever committed and the web and worker processes agree on it."""
    path = BASE_DIR / ".dev-secret-key"
    if not path.exists():
        # Write then link: two processes starting at once still end up with one key.
        tmp = path.with_name(f".dev-secret-key.{os.getpid()}")
        tmp.write_text(secrets.token_urlsafe(64))
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


# Production refuses to start without a strong key of its own (see _production_guard).
SECRET_KEY = env.str("SECRET_KEY", default="") or ("" if IS_PRODUCTION else _development_secret_key())

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# =============================================================================
# Applications and middleware
# =============================================================================

INSTALLED_APPS = [
    "unfold",  # the admin's look; before django.contrib.admin, whose templates it overrides
    "unfold.contrib.simple_history",  # the history pages in the same look
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Third party
    "corsheaders",
    "django_prometheus",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files served from here, never a CDN
    "django_celery_beat",
    "storages",
    "simple_history",
    # Project
    "lms",
    "accounts",
    "courses",
    "enrollments",
    "quizzes",
    "assignments",
    "grades",
    "certificates",
    "webhooks",
    "reports",
]

SECURITY_HEADERS_ENABLED = env.bool("SECURITY_HEADERS_ENABLED", default=IS_PRODUCTION)

MIDDLEWARE = [
    # Health, readiness and metrics are answered first: before host validation (the
    # orchestrator and Prometheus call them by container name), before the HTTPS redirect
    # and without counting them as traffic.
    "lms.middleware.OperationsEndpointsMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "lms.middleware.RequestIdMiddleware",
    # Before sessions and CSRF, so that it sees the cookies they set on the way out.
    "lms.middleware.PrivateResponseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who made a change of content, for its history (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
    "lms.middleware.CleanInputMiddleware",
    "lms.middleware.UserTimezoneMiddleware",
    "lms.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lms.middleware.DomainErrorPagesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]
if SECURITY_HEADERS_ENABLED:
    _position = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
    MIDDLEWARE[_position:_position] = [
        "lms.middleware.ContentSecurityPolicyMiddleware",
        "django_permissions_policy.PermissionsPolicyMiddleware",
    ]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "csp.context_processors.nonce",
                "lms.context_processors.brand",
            ],
        },
    },
]

# =============================================================================
# Database: DATABASE_URL, DATABASE_REPLICA_URL, DATABASE_CONN_MAX_AGE,
# DATABASE_DISABLE_SERVER_SIDE_CURSORS
# =============================================================================

_conn_max_age = env.int("DATABASE_CONN_MAX_AGE", default=60)
_disable_ssc = env.bool("DATABASE_DISABLE_SERVER_SIDE_CURSORS", default=False)
DATABASES = {
    "default": _database(
        env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=_conn_max_age,
        disable_server_side_cursors=_disable_ssc,
    )
}
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = _database(
        DATABASE_REPLICA_URL, conn_max_age=_conn_max_age, disable_server_side_cursors=_disable_ssc
    )
    # Tests run the replica as a mirror of the primary's test database.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["lms.db_router.PrimaryReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# =============================================================================
# Cache and sessions: REDIS_URL, REDIS_KEY_PREFIX, REDIS_SOCKET_TIMEOUT
# =============================================================================

REDIS_URL = env.str("REDIS_URL", default="")
# Prefix of every key this deployment writes, so several deployments can share a Redis.
REDIS_KEY_PREFIX = env.str("REDIS_KEY_PREFIX", default="lms")
# Every Redis call is bounded, so a hung Redis cannot hang a request.
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=0.5)


def _redis_cache(*, ignore_exceptions: bool, key_prefix: str) -> dict:
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": key_prefix,
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            "IGNORE_EXCEPTIONS": ignore_exceptions,
            "CONNECTION_POOL_KWARGS": {"health_check_interval": 30},
        },
    }


if REDIS_URL:
    CACHES = {
        # The cache degrades: a Redis outage turns into cache misses, not errors.
        "default": _redis_cache(ignore_exceptions=True, key_prefix=REDIS_KEY_PREFIX),
        # Security state (rate limits, the access-token blacklist) must see Redis errors,
        # so that each feature applies its own documented policy when Redis is down.
        "security": _redis_cache(ignore_exceptions=False, key_prefix=f"{REDIS_KEY_PREFIX}-sec"),
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "lms-default"},
        "security": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "lms-security"},
    }

# Sessions live in the database with a cache in front: any API instance serves any user,
# and a Redis outage logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# =============================================================================
# Authentication and passwords
# =============================================================================

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Hashing strength is not what the suite measures; production keeps PBKDF2's default.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Brute-force protection (accounts.services.user_authenticate): failures per account and
# per client address before a cool-down. Env: LOGIN_FAILURES_PER_ACCOUNT,
# LOGIN_FAILURES_PER_CLIENT, LOGIN_LOCKOUT_SECONDS.
LOGIN_FAILURES_PER_ACCOUNT = env.int("LOGIN_FAILURES_PER_ACCOUNT", default=5)
LOGIN_FAILURES_PER_CLIENT = env.int("LOGIN_FAILURES_PER_CLIENT", default=20)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=900)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/"

# =============================================================================
# REST API: ENABLE_API_DOCS, RATE_LIMIT_USE_REDIS, RATE_LIMIT_REQUESTS_PER_MINUTE,
# RATE_LIMIT_AUTH_REQUESTS_PER_MINUTE, ACCESS_TOKEN_BLACKLIST_ENABLED,
# ACCESS_TOKEN_BLACKLIST_FAIL_CLOSED, JWT_ACCESS_TOKEN_MINUTES, JWT_REFRESH_TOKEN_DAYS
# =============================================================================

ENABLE_API_DOCS = env.bool("ENABLE_API_DOCS", default=not IS_PRODUCTION)

RATE_LIMIT_USE_REDIS = env.bool("RATE_LIMIT_USE_REDIS", default=bool(REDIS_URL))
RATE_LIMIT_REQUESTS_PER_MINUTE = env.int("RATE_LIMIT_REQUESTS_PER_MINUTE", default=100)
# Login, registration and password endpoints get a much smaller allowance per client.
# Certificate verification by code: CERTIFICATE_VERIFY_REQUESTS_PER_MINUTE per address.
RATE_LIMIT_AUTH_REQUESTS_PER_MINUTE = env.int("RATE_LIMIT_AUTH_REQUESTS_PER_MINUTE", default=10)
CERTIFICATE_VERIFY_REQUESTS_PER_MINUTE = env.int("CERTIFICATE_VERIFY_REQUESTS_PER_MINUTE", default=30)
if RATE_LIMIT_USE_REDIS and not REDIS_URL:
    raise ImproperlyConfigured("RATE_LIMIT_USE_REDIS=True needs REDIS_URL.")
# Counters shared by every process through Redis, or kept per process when off.
CACHES["ratelimit"] = (
    _redis_cache(ignore_exceptions=False, key_prefix=f"{REDIS_KEY_PREFIX}-rl")
    if RATE_LIMIT_USE_REDIS
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "lms-ratelimit"}
)
if RATE_LIMIT_REQUESTS_PER_MINUTE < 1 or RATE_LIMIT_AUTH_REQUESTS_PER_MINUTE < 1:
    raise ImproperlyConfigured("RATE_LIMIT_REQUESTS_PER_MINUTE and RATE_LIMIT_AUTH_REQUESTS_PER_MINUTE must be >= 1.")

ACCESS_TOKEN_BLACKLIST_ENABLED = env.bool("ACCESS_TOKEN_BLACKLIST_ENABLED", default=True)
ACCESS_TOKEN_BLACKLIST_FAIL_CLOSED = env.bool("ACCESS_TOKEN_BLACKLIST_FAIL_CLOSED", default=IS_PRODUCTION)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.BlacklistAwareJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_THROTTLE_CLASSES": ["lms.ratelimit.ClientRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "lms.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "lms.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "lms.api.schema.LMSAutoSchema",
    "EXCEPTION_HANDLER": "lms.api.exceptions.exception_handler",
    # How many reverse proxies (nginx) stand in front: the client address is then read
    # from X-Forwarded-For, so each client gets its own rate-limit allowance.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0) or None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_TOKEN_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_TOKEN_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}

SPECTACULAR_SETTINGS = {
    # The docs page's scripts and styles come with the package (drf-spectacular-sidecar),
    # so the docs work offline and under the site's Content-Security-Policy.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "TITLE": "LMS API",
    "DESCRIPTION": "Courses, enrollments, quizzes and certificates. JWT bearer or session auth.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "lms.api.schema.drop_database_integer_bounds",
    ],
    "ENUM_NAME_OVERRIDES": {
        "CourseStatusEnum": "courses.models.Course.Status",
        "EnrollmentStatusEnum": "enrollments.models.Enrollment.Status",
        "KindEnum": "courses.models.Lesson.Kind",  # the name of the 1.0.0 release
        "QuestionKindEnum": "quizzes.models.Question.Kind",
        "ExportKindEnum": "reports.models.V1_KIND_CHOICES",  # v1's set: later kinds are the admin's
        "ExportFormatEnum": "reports.models.Export.Format",
        "ExportStatusEnum": "reports.models.Export.Status",
    },
}

# =============================================================================
# CORS: CORS_ORIGINS
# =============================================================================

CORS_ALLOWED_ORIGINS = env.list("CORS_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_CREDENTIALS = False

# =============================================================================
# HTTPS and security headers: SECURITY_HEADERS_ENABLED, SECURE_SSL_REDIRECT,
# SECURE_PROXY_SSL_HEADER, SECURE_HSTS_SECONDS
# =============================================================================

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=IS_PRODUCTION)
_proxy_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
if _proxy_header:
    if len(_proxy_header) != 2:
        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER must be 'HEADER,value', for example HTTP_X_FORWARDED_PROTO,https."
        )
    SECURE_PROXY_SSL_HEADER = (_proxy_header[0].strip(), _proxy_header[1].strip())
USE_X_FORWARDED_HOST = False

SESSION_COOKIE_SECURE = IS_PRODUCTION
CSRF_COOKIE_SECURE = IS_PRODUCTION
LANGUAGE_COOKIE_SECURE = IS_PRODUCTION  # the footer's language choice (django.views.i18n.set_language)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

if SECURITY_HEADERS_ENABLED:
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
    SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Everything is served from this origin: no CDN, no inline script without a nonce.
    # Video embeds (YouTube, Vimeo) are the only third-party frames.
    CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {
            "default-src": ["'self'"],
            "script-src": ["'self'"],
            "style-src": ["'self'"],
            "img-src": ["'self'", "data:", "blob:", "https:"],
            "font-src": ["'self'"],
            "connect-src": ["'self'"],
            "media-src": ["'self'", "blob:", "https:"],
            "frame-src": ["https://www.youtube-nocookie.com", "https://player.vimeo.com"],
            "frame-ancestors": ["'none'"],
            "object-src": ["'none'"],
            "base-uri": ["'self'"],
            "form-action": ["'self'"],
        }
    }
    # The admin only (lms.middleware.ContentSecurityPolicyMiddleware): django-unfold's
    # Alpine.js expressions and its inline colour styles.
    ADMIN_CSP_UPDATE = {"script-src": ["'unsafe-eval'"], "style-src": ["'unsafe-inline'"]}
    PERMISSIONS_POLICY = {
        "accelerometer": [],
        "camera": [],
        "geolocation": [],
        "gyroscope": [],
        "magnetometer": [],
        "microphone": [],
        "payment": [],
        "usb": [],
        "fullscreen": ["self"],
    }
else:
    SECURE_HSTS_SECONDS = 0
    SECURE_CONTENT_TYPE_NOSNIFF = False
    SECURE_REFERRER_POLICY = None
    SECURE_CROSS_ORIGIN_OPENER_POLICY = None
    # Clickjacking protection stays on either way; the flag only adds the full set.
    X_FRAME_OPTIONS = "DENY"

# =============================================================================
# Background tasks: CELERY_BROKER_URL, CELERY_RESULT_BACKEND, TASKS_FORCE_INLINE,
# CELERY_VISIBILITY_TIMEOUT
# =============================================================================

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
TASKS_FORCE_INLINE = env.bool("TASKS_FORCE_INLINE", default=not CELERY_BROKER_URL)
if not TASKS_FORCE_INLINE and not CELERY_BROKER_URL:
    raise ImproperlyConfigured("TASKS_FORCE_INLINE=False needs CELERY_BROKER_URL (or REDIS_URL).")
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"  # inline tasks never reach it; keeps Celery quiet

CELERY_TASK_ALWAYS_EAGER = TASKS_FORCE_INLINE
CELERY_TASK_EAGER_PROPAGATES = True
# Workers log through LOGGING (JSON in production, with each line's extra fields) rather
# than Celery's own plain-text root handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A task taken by a worker that died without acknowledging it (SIGKILL, OOM, a lost
# host) is delivered again after this many seconds (Redis has no other way to notice).
# Keep it longer than the longest task time limit (660 s), or a task still running is
# delivered to a second worker; the fault tests lower it to see the redelivery.
_visibility_timeout = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
if _visibility_timeout < 1:
    raise ImproperlyConfigured(f"CELERY_VISIBILITY_TIMEOUT must be >= 1 second (got {_visibility_timeout}).")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _visibility_timeout,
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
}
# Publishing fails fast when the broker is down (callers record the work and a periodic
# sweep delivers it) instead of holding a request for seconds.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Periodic jobs, all in one place; each entry says when and why.
CELERY_BEAT_SCHEDULE: dict = {
    # Every minute: grade attempts whose time ran out while the learner was away, so
    # results and course completion never wait for the learner to come back.
    "quizzes.close_overdue_attempts": {
        "task": "quizzes.close_overdue_attempts",
        "schedule": 60.0,
    },
    # Every 5 minutes: render and email certificates whose task was lost or whose
    # storage was down (each certificate is rendered once; the sweep is idempotent).
    "certificates.render_pending": {
        "task": "certificates.render_pending",
        "schedule": 300.0,
    },
    # 04:20 UTC daily: delete stored certificate PDFs no certificate points at (a render
    # killed between storing and recording its file): they print a learner's name.
    "certificates.sweep_orphan_pdfs": {
        "task": "certificates.sweep_orphan_pdfs",
        "schedule": crontab(hour=4, minute=20),
    },
    # Every 15 s: relay outbox events whose immediate relay was missed (broker down, a
    # crash), so no event waits for the next one to be emitted.
    "webhooks.relay_outbox": {"task": "webhooks.relay_outbox", "schedule": 15.0},
    # Every 30 s: send webhook deliveries whose retry time has come.
    "webhooks.send_due": {"task": "webhooks.send_due", "schedule": 30.0},
    # Every 10 minutes: delete exports past their retention, enqueue again those whose
    # task was lost.
    "reports.sweep_exports": {"task": "reports.sweep_exports", "schedule": 600.0},
    # Hourly: forget Idempotency-Key responses older than their 24-hour promise.
    "lms.purge_idempotency_records": {
        "task": "lms.purge_idempotency_records",
        "schedule": crontab(minute=7),
    },
    # 09:00 UTC daily: remind learners inactive for ENROLLMENT_REMINDER_DAYS days.
    "enrollments.send_reminders": {
        "task": "enrollments.send_reminders",
        "schedule": crontab(hour=9, minute=0),
    },
    # Hourly: remind learners of assignments due within ASSIGNMENT_REMINDER_HOURS that they
    # have not handed in (once per learner and assignment).
    "assignments.send_due_reminders": {
        "task": "assignments.send_due_reminders",
        "schedule": crontab(minute=25),
    },
    # Every 10 minutes: hand in, as they stand, the drafts whose learner's last moment has
    # passed (an assignment's cut-off, or its due date when late work is refused).
    "assignments.close_drafts": {
        "task": "assignments.close_drafts",
        "schedule": crontab(minute="*/10"),
    },
    # 03:15 UTC daily: drop refresh tokens past their expiry (and their blacklist rows);
    # they can no longer be used and would otherwise grow the table forever.
    "accounts.flush_expired_tokens": {
        "task": "accounts.flush_expired_tokens",
        "schedule": crontab(hour=3, minute=15),
    },
}

# =============================================================================
# Webhooks and learning rules: WEBHOOK_ALLOW_PRIVATE_TARGETS, WEBHOOK_TIMEOUT_SECONDS,
# WEBHOOK_MAX_ATTEMPTS, WEBHOOK_RETRY_BASE_SECONDS, ENROLLMENT_REMINDER_DAYS,
# ASSIGNMENT_REMINDER_HOURS
# =============================================================================

# Loopback and private addresses are refused as webhook targets unless this is on
# (development only).
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
if IS_PRODUCTION and WEBHOOK_ALLOW_PRIVATE_TARGETS:
    raise ImproperlyConfigured("WEBHOOK_ALLOW_PRIVATE_TARGETS must be False in production.")

# Days of inactivity before a learner gets a reminder (at most one per such period).
ENROLLMENT_REMINDER_DAYS = env.int("ENROLLMENT_REMINDER_DAYS", default=7)
ASSIGNMENT_REMINDER_HOURS = env.int("ASSIGNMENT_REMINDER_HOURS", default=24)

# =============================================================================
# Storage: FILE_STORAGE_PROVIDER, AZURE_STORAGE_CONNECTION_STRING,
# AZURE_STORAGE_CONTAINER_NAME, MEDIA_ROOT, PRIVATE_MEDIA_ROOT, STATIC_ROOT,
# COURSE_ATTACHMENT_MAX_BYTES, COURSE_VIDEO_MAX_BYTES, MARKDOWN_REMOTE_IMAGES
# =============================================================================

FILE_STORAGE_PROVIDER = env.str("FILE_STORAGE_PROVIDER", default="local").strip().lower()
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Outside MEDIA_ROOT, so no web server configured for /media/ can ever serve it.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private-media")))
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Outside production whitenoise serves straight from the source folders (no collectstatic).
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
if not IS_PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it to exist
WHITENOISE_AUTOREFRESH = DEBUG

# Course files (attachments, lesson videos, certificates) live in the `private` storage:
# never at a public path, only through a view that checks access (local disk) or a
# signed, short-lived URL (Azure).
COURSE_ATTACHMENT_MAX_BYTES = env.int("COURSE_ATTACHMENT_MAX_BYTES", default=50 * 1024 * 1024)
COURSE_VIDEO_MAX_BYTES = env.int("COURSE_VIDEO_MAX_BYTES", default=500 * 1024 * 1024)
# Lesson and quiz Markdown may show remote images (off: only the site's own; a remote image
# lets its server follow learners: courses/markdown.py). Applies to content saved after.
MARKDOWN_REMOTE_IMAGES = env.bool("MARKDOWN_REMOTE_IMAGES", default=False)

if FILE_STORAGE_PROVIDER == "local":
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    _private_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    }
elif FILE_STORAGE_PROVIDER == "azure":
    AZURE_STORAGE_CONNECTION_STRING = env.str("AZURE_STORAGE_CONNECTION_STRING", default="")
    AZURE_STORAGE_CONTAINER_NAME = env.str("AZURE_STORAGE_CONTAINER_NAME", default="lms-files")
    if not AZURE_STORAGE_CONNECTION_STRING:
        raise ImproperlyConfigured("FILE_STORAGE_PROVIDER=azure needs AZURE_STORAGE_CONNECTION_STRING.")
    _media_storage = {
        "BACKEND": "lms.azure_storage.AzureStorage",
        "OPTIONS": {
            "connection_string": AZURE_STORAGE_CONNECTION_STRING,
            "azure_container": AZURE_STORAGE_CONTAINER_NAME,
            # Private container: every URL handed out is signed and short-lived.
            "expiration_secs": 300,
            "overwrite_files": False,
            "timeout": 20,
            # When the storage is unreachable, fail within seconds: the SDK's default
            # retries (15 s, 18 s, 24 s backoff) hold one call for over a minute, longer
            # than a request or a certificate task may run. The caller retries later
            # (certificate tasks with backoff, the render sweep every 5 minutes).
            "client_options": {
                "retry_total": 2,
                "initial_backoff": 1,
                "increment_base": 2,
                "random_jitter_range": 1,
                "connection_timeout": 5,
            },
        },
    }
    _private_storage = {
        "BACKEND": "lms.azure_storage.AzureStorage",
        "OPTIONS": {**_media_storage["OPTIONS"], "location": "private", "expiration_secs": 120},
    }
else:
    raise ImproperlyConfigured(f"FILE_STORAGE_PROVIDER must be 'local' or 'azure' (got {FILE_STORAGE_PROVIDER!r}).")

STORAGES = {
    "default": _media_storage,
    "private": _private_storage,
    # Hashed, compressed static files in production (collected at image build time).
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# =============================================================================
# Email: EMAIL_URL (or EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD,
# EMAIL_USE_TLS), DEFAULT_FROM_EMAIL
# =============================================================================

if env.str("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))
elif env.str("EMAIL_HOST", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env.str("EMAIL_HOST")
    EMAIL_PORT = env.int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="LMS <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address people reach the site at, for links in emails and certificates: required
# (https) in production, refused at start otherwise; `make run` sets it to the address it
# serves.
SITE_URL = env.str("SITE_URL", default="" if IS_PRODUCTION else "http://127.0.0.1:8000").rstrip("/")
_site = urlsplit(SITE_URL)
if SITE_URL and (_site.scheme not in ("http", "https") or not _site.hostname or _site.query or _site.fragment):
    raise ImproperlyConfigured(
        f"SITE_URL must be an absolute http(s) URL such as https://lms.example.com (got {SITE_URL!r})."
    )
# The brand as learners see it: the name (the header, page titles, the issuer on LinkedIn
# and on certificates), the logo (a static file's path or an https address) and the colour
# of buttons and links, which white text must be readable on (WCAG AA, 4.5:1: refused at
# start otherwise, naming the contrast).
SITE_NAME = env.str("SITE_NAME", default="Learning Hub").strip()[:80] or "Learning Hub"
SITE_LOGO = env.str("SITE_LOGO", default="img/logo.svg").strip()
BRAND_COLOR = env.str("BRAND_COLOR", default="#0b5cad").strip().lower()
if not re.fullmatch(r"#[0-9a-f]{6}", BRAND_COLOR):
    raise ImproperlyConfigured(f"BRAND_COLOR must be a colour such as #0b5cad (got {BRAND_COLOR!r}).")


def _contrast_with_white(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


if _contrast_with_white(BRAND_COLOR) < 4.5:
    raise ImproperlyConfigured(
        f"BRAND_COLOR {BRAND_COLOR} is too light for white text on buttons "
        f"(contrast {_contrast_with_white(BRAND_COLOR):.2f}:1, at least 4.5:1 is needed): choose a darker shade."
    )

# The instructor home's at-risk list: active learners not seen for this many days whose
# progress is under this share of the required lessons.
AT_RISK_IDLE_DAYS = env.int("AT_RISK_IDLE_DAYS", default=14)
AT_RISK_BELOW_PERCENT = env.int("AT_RISK_BELOW_PERCENT", default=50)
if AT_RISK_IDLE_DAYS < 1 or not 1 <= AT_RISK_BELOW_PERCENT <= 100:
    raise ImproperlyConfigured("AT_RISK_IDLE_DAYS must be at least 1 and AT_RISK_BELOW_PERCENT from 1 to 100.")

# Content history is read, never replayed: a change goes through the services (their checks
# and events), so the history pages offer no "revert".
SIMPLE_HISTORY_REVERT_DISABLED = True

# The admin (django-unfold) wears the same brand: lms/admin_theme.py.
UNFOLD = {
    "SITE_TITLE": "lms.admin_theme.site_name",
    "SITE_HEADER": "lms.admin_theme.site_name",
    "SITE_ICON": "lms.admin_theme.site_logo",
    "SITE_FAVICONS": "lms.admin_theme.favicons",
    "SITE_DROPDOWN": "lms.admin_theme.site_dropdown",
    "SITE_URL": "/",
    "STYLES": ["lms.admin_theme.extra_stylesheet"],
    "SCRIPTS": ["lms.admin_theme.extra_script"],
    "COLORS": {"primary": "lms.admin_theme.primary_palette"},
    "BORDER_RADIUS": "6px",
    "SHOW_VIEW_ON_SITE": True,
    "DASHBOARD_CALLBACK": "reports.dashboard.dashboard_callback",  # the instructor home
}

# =============================================================================
# Internationalisation
# =============================================================================

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# =============================================================================
# Logging: LOG_FORMAT (json|text), LOG_LEVEL
# =============================================================================

LOG_FORMAT = env.str("LOG_FORMAT", default="json" if IS_PRODUCTION else "text").strip().lower()
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").strip().upper()
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'json' or 'text' (got {LOG_FORMAT!r}).")
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL (got {LOG_LEVEL!r}).")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "lms.logging.RequestContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "timestamp": False,
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_context"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        # Our access log line replaces Django's own request warnings.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # The Azure SDK logs every HTTP exchange at INFO.
        "azure": {"level": "WARNING"},
        # The PDF renderer's font subsetting logs about 80 lines per certificate at INFO.
        "fontTools": {"level": "WARNING"},
    },
}

# =============================================================================
# Monitoring: SENTRY_DSN, SENTRY_ENVIRONMENT, SENTRY_TRACES_SAMPLE_RATE,
# SENTRY_PROFILES_SAMPLE_RATE, SENTRY_RELEASE
# =============================================================================

SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default=ENVIRONMENT)
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
SENTRY_PROFILES_SAMPLE_RATE = env.float("SENTRY_PROFILES_SAMPLE_RATE", default=0.0)
for _name, _rate in (
    ("SENTRY_TRACES_SAMPLE_RATE", SENTRY_TRACES_SAMPLE_RATE),
    ("SENTRY_PROFILES_SAMPLE_RATE", SENTRY_PROFILES_SAMPLE_RATE),
):
    if not 0.0 <= _rate <= 1.0:
        raise ImproperlyConfigured(f"{_name} must be between 0 and 1 (got {_rate}).")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        release=env.str("SENTRY_RELEASE", default="") or None,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
        profiles_sample_rate=SENTRY_PROFILES_SAMPLE_RATE,
        send_default_pii=False,
        integrations=[DjangoIntegration(), CeleryIntegration()],
    )

# =============================================================================
# Prometheus: PROMETHEUS_MULTIPROC_DIR (read by prometheus_client itself)
# =============================================================================

PROMETHEUS_EXPORT_MIGRATIONS = False

# =============================================================================
# Production guard: refuse to start with an unsafe configuration.
# =============================================================================

_WEAK_KEY_MARKERS = ("django-insecure", "changeme", "change-me", "secret", "<generate")


def _production_guard() -> None:
    problems = []
    if DEBUG:
        problems.append("DEBUG must be False in production.")
    if not SECRET_KEY:
        problems.append("SECRET_KEY is missing: generate one with `make secret-key`.")
    elif len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or any(m in SECRET_KEY.lower() for m in _WEAK_KEY_MARKERS):
        problems.append("SECRET_KEY is weak: use at least 50 random characters (`make secret-key`).")
    if not ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS is empty: list the host names this site is served on.")
    if not SITE_URL:
        problems.append("SITE_URL is missing: the https address of the site, for links in emails and certificates.")
    elif not SITE_URL.startswith("https://"):
        problems.append("SITE_URL must be an https URL in production.")
    if problems:
        raise ImproperlyConfigured("Refusing to start with ENVIRONMENT=production: " + " ".join(problems))


if IS_PRODUCTION:
    _production_guard()
