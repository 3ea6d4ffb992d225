# Trustmap: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
QUICK ?=
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: screenshots run test bench install-prod web worker beat installed lint typecheck importlint schema-check system-run system-test venv migrate demo clean node-tools

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || (apt-get update -qq && apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV))
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $@

## The editor's JS linter (ESLint), at the versions package-lock.json pins; reinstalled only when the lock changes
node-tools: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --prefer-offline --loglevel=error
	@touch $@

system-run:
	@scripts/ensure-system-packages.sh run

system-test:
	@scripts/ensure-system-packages.sh test

migrate: venv
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput -v0

demo: migrate
	DJANGO_DEBUG=1 $(PY) manage.py seed_demo

## Install what is missing, migrate SQLite, load the demo, serve on http://$(HOST):$(PORT)/
run: system-run venv demo
	@echo ""
	@echo "  Trustmap is starting on http://$(HOST):$(PORT)/  (log in with the demo credentials above)"
	@echo ""
	DJANGO_DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

## Install what is missing and run the whole suite (lint, types, import contracts, tests)
# Two pytest workers: half the suite waits on servers, browsers and subprocesses. A module stays on one worker
# (--dist loadfile), so a module's servers start once.
TEST_WORKERS ?= 2
test: system-test venv lint
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

lint: venv node-tools
	node_modules/.bin/eslint --max-warnings 0 static/js/editor
	$(PY) scripts/check_js_imports.py
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) scripts/check_import_cycles.py
	$(VENV)/bin/mypy
	DJANGO_SETTINGS_MODULE=config.settings_test $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

## Benchmarks: one `BENCH <name> <value> <unit>` line per figure; QUICK=1 for a subset under a minute
bench: system-test venv
	$(PY) -m benchmarks $(if $(QUICK),--quick,)

## README screenshots (dashboard, editor, findings, a PDF page) from the demo with headless Chromium, in docs/images/
screenshots: system-test venv
	$(PY) scripts/screenshots.py

## Production install: the package and its runtime dependencies only (no dev extras, not editable) into $(VENV),
## e.g. `make install-prod VENV=/opt/trustmap/venv`; run it again after every upgrade of the checkout (deploy/README.md)
install-prod:
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check --no-cache-dir .

# The start targets (web, worker, beat) never install anything: they run what `make install-prod` (production) or
# `make venv` (development) installed, and stop with a message when it is missing. deploy/ runs the same commands.
WEB_BIND ?= 127.0.0.1:8000
WEB_WORKERS ?= 2
WORKER_CONCURRENCY ?= 2
BEAT_SCHEDULE ?= var/celerybeat-schedule

installed:
	@test -x $(VENV)/bin/gunicorn -a -x $(VENV)/bin/celery || \
		(echo "nothing installed in $(VENV): run make install-prod (production) or make venv (development)" && exit 2)

## The web processes (gunicorn, config/gunicorn.py), one worker per core
web: installed
	$(VENV)/bin/gunicorn -c config/gunicorn.py config.wsgi --bind $(WEB_BIND) --workers $(WEB_WORKERS)

## A Celery worker (needs REDIS_URL, e.g. redis://127.0.0.1:6379/0)
worker: installed
	@test -n "$$REDIS_URL" || (echo "set REDIS_URL to run a worker" && exit 2)
	$(VENV)/bin/celery -A config worker --loglevel=INFO --concurrency=$(WORKER_CONCURRENCY)

## Celery beat, exactly one per deployment: the job sweeper's and the live mesh pulls' schedule (needs REDIS_URL)
beat: installed
	@test -n "$$REDIS_URL" || (echo "set REDIS_URL to run beat" && exit 2)
	$(VENV)/bin/celery -A config beat --loglevel=INFO --schedule $(BEAT_SCHEDULE)

clean:
	rm -rf var/test* .pytest_cache .mypy_cache .ruff_cache
