# syntax=docker/dockerfile:1
#
# The LMS production image. One image serves every role; the command picks it
# (compose.prod.yml):
#   api            gunicorn -c deploy/gunicorn.conf.py lms.wsgi     (the default CMD)
#   celery-worker  celery -A lms worker
#   celery-beat    celery -A lms beat
#   migrate        python manage.py migrate --noinput
#
# It runs as an unprivileged user on a read-only root filesystem: the only writable
# places are the /tmp tmpfs (Prometheus multiprocess files, gunicorn heartbeats, upload
# temp files) and the upload volumes mounted at /app/media (public media) and
# /app/private-media (course files, certificates: served only through access-checking
# views). Static files are collected at build time.
#
#   docker build -t lms-backend:$(git describe --tags --always) .

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# -----------------------------------------------------------------------------
# builder: the dependencies, in a virtualenv that the runtime stage copies whole.
# This layer is rebuilt only when requirements.txt changes.
# -----------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
# Every package of requirements.txt is pinned with ==, transitive ones included.
RUN pip install --no-cache-dir -r /tmp/requirements.txt

# -----------------------------------------------------------------------------
# runtime
# -----------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ARG APP_UID=10001
ARG APP_GID=10001

ENV PATH=/opt/venv/bin:$PATH \
    VIRTUAL_ENV=/opt/venv \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=lms.settings \
    ENVIRONMENT=production \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media \
    HOME=/tmp

RUN groupadd --system --gid "${APP_GID}" lms \
 && useradd --system --uid "${APP_UID}" --gid lms --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin lms

WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
# The code belongs to root and is only readable by the app user: the running app
# cannot change itself even where the filesystem is writable.
COPY . /app

# collectstatic runs with the production settings (hashed, compressed files for
# whitenoise). The settings guard needs a strong SECRET_KEY and ALLOWED_HOSTS even for
# that (and SITE_URL): a throwaway key, generated here and used by this step only, never stored in a
# layer or in the image's environment.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_hex(32))')" \
    ALLOWED_HOSTS=build.invalid SITE_URL=https://build.invalid \
    python manage.py collectstatic --noinput \
 && python -m compileall -q /app \
 && mkdir -p /app/media /app/private-media \
 && chown "${APP_UID}:${APP_GID}" /app/media /app/private-media

# Set only now: at run time the entrypoint creates it on the empty /tmp tmpfs; the build
# step above keeps its (throwaway) metrics in memory.
ENV PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus-multiproc

USER ${APP_UID}:${APP_GID}
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=10s --start-period=40s --retries=3 \
  CMD ["python", "/app/deploy/healthcheck.py", "http://localhost:8000/api/v1/ready"]

ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "lms.wsgi"]
