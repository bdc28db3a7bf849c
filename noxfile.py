"""The version matrix: Django 5.2 LTS on Python 3.11 and 3.12, Django 6.0 and 6.1 on 3.12
and 3.13, and the lowest versions pyproject.toml allows (Django 5.2 on 3.11).

The interpreters come from pyenv: ``make matrix`` puts them on PATH. Python 3.14 is not in
the matrix: no registry this project's machines reach serves an interpreter for Debian 12.
"""

from __future__ import annotations

import os

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True

# (python, Django requirement, session id); the classifiers in pyproject.toml say the same.
MATRIX = [
    ("3.11", "django>=5.2,<5.3", "dj52_py311"),
    ("3.12", "django>=5.2,<5.3", "dj52_py312"),
    ("3.12", "django>=6.0,<6.1", "dj60_py312"),
    ("3.13", "django>=6.0,<6.1", "dj60_py313"),
    ("3.12", "django>=6.1,<6.2", "dj61_py312"),
    ("3.13", "django>=6.1,<6.2", "dj61_py313"),
]

# The lower end of every range in pyproject.toml, so each range is tested at both ends.
LOWEST = [
    "django==5.2",
    "djangorestframework==3.16.0",
    "requests==2.31.0",
    "celery[redis]==5.6.0",
    "kombu==5.7.0",
    "django-tasks==0.12.0",
    "django-tasks-db==0.13.0",
    "psycopg[binary]==3.2.1",  # 3.2.0 names a psycopg-binary that was never released
    "crawler-user-agents==1.67.0",
]

PYTEST = ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"]
MATRIX_MARKERS = "not browser and not servers"


@nox.session
@nox.parametrize(("python", "django"), [m[:2] for m in MATRIX], ids=[m[2] for m in MATRIX])
def tests(session: nox.Session, django: str) -> None:
    session.install("-e", ".[test,tasks]", django)
    session.run("python", "-m", "django", "--version")
    # Browser and WSGI-server tests run in the main suite (on three databases); the matrix
    # covers the Python and Django side.
    session.run(*PYTEST, "-m", MATRIX_MARKERS, *session.posargs)


@nox.session(python="3.11")
def lowest(session: nox.Session) -> None:
    """The oldest allowed versions, on PostgreSQL when ``LOWEST_DATABASE_URL`` is set (so
    psycopg's lower bound is tested too)."""
    session.install("-e", ".[test,tasks]", *LOWEST)
    session.run("python", "-m", "pip", "freeze", silent=False)
    env = {}
    if os.environ.get("LOWEST_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["LOWEST_DATABASE_URL"]
    session.run(*PYTEST, "-m", MATRIX_MARKERS, *session.posargs, env=env)
