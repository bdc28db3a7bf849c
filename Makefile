# The two commands a newcomer needs: `make demo` and `make test`.
# Each creates .venv with Python 3.11+ when it is missing and installs from this repo.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench matrix clean docs

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Run the example shop on SQLite at http://127.0.0.1:8000/ (demo mode: no Convert account needed).
demo: $(STAMP)
	$(BIN)/python example_project/manage.py demo

## Run the tests: SQLite by default, PostgreSQL with DATABASE_URL=postgres://user@host:port/name.
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy django_convert

## Build the documentation site (warnings are errors) and check the reference is complete.
docs: $(STAMP)
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html
	$(BIN)/python docs/check_reference.py

bench: $(STAMP)
	$(BIN)/python -m benchmarks

## Django 4.2/5.2 on Python 3.11, Django 6 on 3.12 and 3.13 (interpreters from pyenv).
matrix: $(STAMP)
	PATH="$$(pyenv root)/versions/3.12.1/bin:$$(pyenv root)/versions/3.13.0/bin:$$PATH" $(BIN)/nox

clean:
	rm -rf $(VENV) .nox build *.egg-info
