#!/usr/bin/env bash
# Entrypoint of the LMS image: prepare the scratch space on the /tmp tmpfs, then run the
# command (gunicorn, `celery -A lms worker`, `celery -A lms beat`, `manage.py ...`).
#
# The root filesystem is read-only in production, and /tmp is an empty tmpfs at every
# start. prometheus_client writes one file per process into PROMETHEUS_MULTIPROC_DIR as
# soon as Django loads django_prometheus, so that directory must exist before any
# Python process of the project starts (gunicorn's on_starting hook also empties it).
set -euo pipefail

if [[ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]]; then
  mkdir -p -- "$PROMETHEUS_MULTIPROC_DIR"
fi

if [[ $# -eq 0 ]]; then
  set -- gunicorn -c deploy/gunicorn.conf.py lms.wsgi
fi
exec "$@"
