# Callsheet: `make run` serves the site with demo data; `make test` runs every check.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?= -n auto --dist loadfile

# The first interpreter that is Python 3.12 or newer (pyenv's shims honour .python-version).
PYTHON ?= $(shell for p in python3.12 python3.13 python3.14 python3 python; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; \
	then echo $$p; break; fi; done)

.PHONY: help install install-dev run serve worker test lint format migrate demo messages \
	collectstatic db-stop db-start backup restore bench clean

help:
	@echo "make run       install, migrate, load demo data, serve http://$(HOST):$(PORT) with a task worker"
	@echo "make test      install dev tools, lint, run the whole test suite (browser tests included)"
	@echo "make serve     gunicorn with production-like settings on http://$(HOST):$(PORT)"
	@echo "make db-stop   stop the embedded PostgreSQL server under var/"

$(PY):
	@if [ -n "$(PYTHON)" ]; then \
		echo "Creating $(VENV) with $$($(PYTHON) --version)"; $(PYTHON) -m venv $(VENV); \
	elif command -v uv >/dev/null 2>&1; then \
		uv venv --seed --python 3.12 $(VENV); \
	else \
		echo "Python 3.12 or newer is needed: install it (pyenv install 3.12, or uv), then run make again." >&2; exit 1; \
	fi
	@$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Development targets: without a DEBUG of their own they run in development mode (production
# needs SECRET_KEY; `make serve` and compose migrate with it).
migrate: export DEBUG ?= 1
migrate: install
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable

demo: export DEBUG ?= 1
demo: migrate
	$(MANAGE) load_demo

run: export DEBUG ?= 1
# Links in emails point where this server answers (make run PORT=8001: port 8001).
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: demo
	@echo "Callsheet on http://$(HOST):$(PORT)/ (Ctrl-C stops the site, its task worker and scheduler)"
	@trap 'kill 0' EXIT INT TERM; \
	while :; do $(MANAGE) db_worker; echo "The task worker stopped: starting it again."; sleep 2; done & \
	while :; do $(MANAGE) scheduler; echo "The scheduler stopped: starting it again."; sleep 2; done & \
	$(MANAGE) runserver $(HOST):$(PORT)

worker: install
	$(MANAGE) db_worker

var/secret_key:
	@mkdir -p var && $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@ && chmod 600 $@

serve: export DEBUG := 0
serve: export HTTPS ?= 0
serve: export ALLOWED_HOSTS ?= $(HOST),localhost
serve: export GUNICORN_BIND ?= $(HOST):$(PORT)
serve: install var/secret_key
	SECRET_KEY=$${SECRET_KEY:-$$(cat var/secret_key)} $(MANAGE) migrate --noinput
	SECRET_KEY=$${SECRET_KEY:-$$(cat var/secret_key)} $(MANAGE) createcachetable
	SECRET_KEY=$${SECRET_KEY:-$$(cat var/secret_key)} $(MANAGE) collectstatic --noinput --verbosity 0
	SECRET_KEY=$${SECRET_KEY:-$$(cat var/secret_key)} $(VENV)/bin/gunicorn -c gunicorn.conf.py jobboard.wsgi

collectstatic: install
	DEBUG=0 SECRET_KEY=collectstatic-only $(MANAGE) collectstatic --noinput --verbosity 0

lint: install-dev
	$(VENV)/bin/ruff check .

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: install-dev collectstatic
	$(VENV)/bin/ruff check .
	@if [ ! -x /usr/bin/chromium ] && [ -z "$$CHROMIUM" ]; then $(VENV)/bin/playwright install chromium; fi
	$(VENV)/bin/pytest $(PYTEST_ARGS) $(ARGS)

# Rebuild the message catalogs after changing user-facing strings (needs GNU gettext).
messages: install
	DEBUG=1 $(MANAGE) makemessages --locale zh_Hans --locale en --no-obsolete \
		--ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'benchmarks/*'
	DEBUG=1 $(MANAGE) compilemessages --ignore '.venv/*'

db-start: install
	$(PY) -m jobboard.database start

db-stop:
	@if [ -x $(PY) ]; then $(PY) -m jobboard.database stop; else echo "no $(VENV): nothing to stop"; fi

clean: db-stop
	rm -rf var/static var/screenshots

# Back up the database and the private files to var/backups/<date>/; restore one of them.
backup: install
	$(MANAGE) backup

restore: install
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=var/backups/<folder>"; exit 2; }
	$(MANAGE) restore "$(BACKUP)"

# Load benchmarks at scale (see benchmarks/run.py): seeds separate databases the first time and
# measures each page at 100,000 roles and, right after, at 10,000, three times over.
BENCH_ARGS ?= --roles 100000 --beside callsheet_bench_10k:10000 --rounds 3
bench: install
	$(PY) benchmarks/run.py $(BENCH_ARGS)
