# Trustmap: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
QUICK ?=
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: screenshots run test bench worker lint typecheck importlint schema-check system-run system-test venv migrate demo clean node-tools

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

## A Celery worker (needs REDIS_URL, e.g. redis://127.0.0.1:6379/0)
worker: venv
	@test -n "$$REDIS_URL" || (echo "set REDIS_URL to run a worker" && exit 2)
	$(VENV)/bin/celery -A config worker --loglevel=INFO --concurrency=2

clean:
	rm -rf var/test* .pytest_cache .mypy_cache .ruff_cache
