# The two commands: `make run` (serve the demo on http://127.0.0.1:8000) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip --disable-pip-version-check -q
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Parallel test processes (pytest-xdist); `make test WORKERS=0` runs in one process.
WORKERS ?= auto

.PHONY: run test lint format install install-dev migrate demo secret-key clean bench openapi api-release audit messages

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python requirements.txt
	$(PIP) install -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install -r requirements-dev.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev node_modules/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

## run: install, migrate, load the demo data and serve on http://127.0.0.1:8000
run: demo
	DEBUG=$${DEBUG:-True} SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} $(BIN)/python manage.py runserver $(HOST):$(PORT)

## test: install what the tests need, lint, and run the whole suite
test: install-dev lint
	$(BIN)/pytest -n $(WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -r accounts courses enrollments quizzes assignments grades certificates webhooks reports lms -x "*/tests/*,*/migrations/*" --severity-level high

## openapi: regenerate the committed API schema (CI fails when it drifts from the code)
openapi: $(VENV)/.installed
	$(BIN)/python manage.py spectacular --file openapi.yaml --validate --fail-on-warn

## api-release: regenerate openapi.yaml and snapshot it as docs/api/releases/$(VERSION).yaml, the schema
## the API must stay compatible with (make api-release VERSION=1.1.0; set SPECTACULAR_SETTINGS
## VERSION to it first; a breaking change is refused within a major version: docs/api.md)
api-release: $(VENV)/.installed
	@test -n "$(VERSION)" || { echo "usage: make api-release VERSION=x.y.z"; exit 1; }
	@$(MAKE) --no-print-directory openapi
	$(BIN)/python -m tools.api_compat release $(VERSION)

## messages: update the translation catalogues (locale/*/LC_MESSAGES/django.po) from the strings marked
## in the code and templates, then compile them; translate what is new and run it again (lms/tests/test_i18n.py
## fails while a marked string has no translation). A new language: makemessages -l xx, then add it to LANGUAGES
MESSAGES_IGNORE := --ignore=.venv --ignore=node_modules --ignore=benchmarks --ignore=docs --ignore=deploy --ignore=staticfiles --ignore=media --ignore=private-media --ignore='*/tests/*' --ignore='*/migrations/*'
messages: $(VENV)/.installed
	$(BIN)/python manage.py makemessages --all --no-location --no-obsolete $(MESSAGES_IGNORE)
	$(BIN)/python manage.py compilemessages $(MESSAGES_IGNORE)

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## audit: check the pinned dependencies against vulnerability databases (needs the network;
## optional and not part of CI, which runs offline)
audit: $(VENV)/.installed-dev
	$(PIP) install pip-audit==2.10.1
	$(BIN)/pip-audit -r requirements.txt -r requirements-dev.txt || echo "pip-audit could not complete (offline?)"

## bench: the benchmark on the production configuration (docs/performance.md): make bench TIER=S|M|L
## (needs PostgreSQL and Redis on 127.0.0.1 and wrk; BENCH_ARGS="--duration 10" etc. go to benchmarks/run.py,
## and its --database/--output/--seed also to the Celery worker benchmark that follows the HTTP scenarios)
TIER ?= S
bench: install
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } \
		|| { echo "wrk is needed: apt-get install wrk (Debian/Ubuntu) or brew install wrk"; exit 1; }
	$(BIN)/python benchmarks/run.py --tier $(TIER) $(BENCH_ARGS)
	$(BIN)/python benchmarks/workers.py --tier $(TIER) --after-http $(BENCH_ARGS) $(BENCH_WORKERS_ARGS)

## bench-workers: only the Celery worker benchmark (a real worker renders certificates and grades
## attempts): make bench-workers TIER=S [BENCH_WORKERS_ARGS="--concurrency 4"] (benchmarks/workers.py --help)
bench-workers: install
	$(BIN)/python benchmarks/workers.py --tier $(TIER) $(BENCH_WORKERS_ARGS)

secret-key: $(BIN)/python
	@$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(64))"

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache
