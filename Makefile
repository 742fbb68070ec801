# Two commands: `make demo` and `make test`. Both do their own set-up on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: demo test typecheck test-sqlite test-postgres test-django6 lint format screenshots bench services migrations check-wheel clean

$(STAMP): pyproject.toml requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

services:
	@./scripts/services.sh

# No broker in the demo (no CELERY_BROKER_URL: the settings send no hints): hrflow_worker (the
# sweeper in a loop) sends webhooks and indexes beside runserver, so no request waits on either.
demo: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo_setup --port $(PORT)
	$(BIN)/python manage.py hrflow_worker --interval 2 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# mypy --strict with the Django and DRF plugins (configured in pyproject.toml).
typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) services lint
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres
	$(MAKE) --no-print-directory test-django6

test-sqlite: $(STAMP)
	@echo "== test suite on SQLite =="
	$(BIN)/pytest $(PYTEST_ARGS)

test-postgres: $(STAMP)
	@echo "== test suite on PostgreSQL =="
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

# Django 6.x in its own venv (.venv-django6, Python >= 3.12), on SQLite; without a Python 3.12 it
# prints a loud SKIPPED line and passes (see scripts/test_django6.sh).
test-django6:
	@./scripts/test_django6.sh $(PYTEST_ARGS)

# Refresh the README's screenshots of the recruiter and health pages (the browser tests take them).
screenshots: $(STAMP) services
	HRFLOW_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(BIN)/pytest -m browser tests/match/test_browser.py tests/core/test_health_browser.py

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Every benchmark at its default size (10,000 rows where it takes a size), one after the other so
# that none measures another's load. Each prints its own figures; the README explains them.
BENCHES := save_overhead delivery hrflow_client seed export pages matching quality
bench: $(STAMP) services
	@set -e; for b in $(BENCHES); do echo "== bench/$$b.py"; $(BIN)/python bench/$$b.py; done

# Migrations are regenerated as one initial migration per app until the first release.
migrations: $(STAMP)
	rm -f hrflow_matching/migrations/0001_*.py example_crm/migrations/0*.py
	$(BIN)/python manage.py makemigrations hrflow_matching example_crm

# The built wheel installs into a fresh venv and works outside the repository (needs PyPI).
check-wheel: $(STAMP)
	./scripts/check_wheel.sh

clean:
	rm -rf $(VENV) .venv-django6 db.sqlite3 .pytest_cache build dist *.egg-info
