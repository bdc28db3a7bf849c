# The two commands a newcomer needs: `make demo` and `make test`.
# Each creates .venv with Python 3.11+ when it is missing and installs from this repo:
# `make demo` only the app itself (Django, DRF, requests), `make test` the dev/test set.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.demo-installed
# The example shop's port: `make demo PORT=8001`.
PORT ?= 8000
# The tests' own Redis database, as tests/settings.py picks it (the Celery tests empty it).
TEST_REDIS_URL = $(or $(DJANGO_CONVERT_TEST_REDIS_URL),$(CELERY_BROKER_URL),redis://127.0.0.1:6379/5)
PYENV_BIN = $(shell pyenv root 2>/dev/null)/versions

.PHONY: demo test lint docs js bench matrix dist clean

$(BIN)/python:
	@echo "==> Creating a virtualenv in $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "==> Installing django-convert with its dev and test tools into $(VENV) (about a minute)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --progress-bar off -e '.[dev]'
	touch $(STAMP) $(DEMO_STAMP)

$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	@echo "==> Installing django-convert and what the demo needs (Django, DRF, requests) into $(VENV)"
	$(BIN)/python -m pip install --progress-bar off -e .
	touch $(DEMO_STAMP)

## Run the example shop on SQLite at http://127.0.0.1:$(PORT)/ (demo mode: no Convert account needed).
demo: $(DEMO_STAMP)
	@echo "==> Starting the example shop on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	$(BIN)/python example_project/manage.py demo 127.0.0.1:$(PORT)

## Run the tests: SQLite by default; DATABASE_URL=postgres://... or mysql://... for the others.
## The Celery tests empty the Redis database DJANGO_CONVERT_TEST_REDIS_URL (default db 5).
test: $(STAMP)
	@echo "==> Tests; the Celery tests empty the Redis database $(TEST_REDIS_URL)" \
		"(set DJANGO_CONVERT_TEST_REDIS_URL to use another)"
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy django_convert

## Build the documentation site (warnings are errors) and check the reference is complete.
docs: $(STAMP)
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html
	$(BIN)/python docs/check_reference.py

## The browser code (django_convert/browser/js/): the committed terser output is current, tsc
## type-checks it against Convert's own types, and Node's test runner runs its tests. tsc also
## type-checks the tracking bodies the app sends (js/golden/) against Convert's request types.
js:
	npm ci --prefix js --no-audit --no-fund
	npm run --prefix js check
	npm run --prefix js typecheck
	npm test --prefix js

bench: $(STAMP)
	$(BIN)/python -m benchmarks

## The wheel and the sdist into dist/, checked with twine.
dist: $(STAMP)
	rm -rf dist
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m build
	$(BIN)/twine check --strict dist/*

## Django 5.2 on Python 3.11/3.12, Django 6.0/6.1 on 3.12/3.13, and the lowest allowed
## versions (interpreters from pyenv). NOX_ARGS="-s lowest" runs one session.
matrix: $(STAMP)
	PATH="$(PYENV_BIN)/3.11.7/bin:$(PYENV_BIN)/3.12.1/bin:$(PYENV_BIN)/3.13.0/bin:$$PATH" \
		$(BIN)/nox $(NOX_ARGS)

clean:
	rm -rf $(VENV) .nox build dist *.egg-info docs/_build
