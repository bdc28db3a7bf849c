"""The version matrix: Django 4.2 and 5.2 on Python 3.11, Django 6 on 3.12 and 3.13."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True

MATRIX = [
    ("3.11", "django>=4.2,<5.0"),
    ("3.11", "django>=5.2,<5.3"),
    ("3.12", "django>=6.0,<6.2"),
    ("3.13", "django>=6.0,<6.2"),
]


@nox.session
@nox.parametrize(
    ("python", "django"), MATRIX, ids=["dj42-py311", "dj52-py311", "dj6-py312", "dj6-py313"]
)
def tests(session: nox.Session, django: str) -> None:
    # django-tasks-db (the Tasks backend the tests use) needs Django 5.2+: on 4.2 only the
    # django-tasks backport, so DELIVERY="task" is still tested (with its ImmediateBackend).
    if django.startswith("django>=4.2,"):
        session.install("-e", ".[test]", "django-tasks>=0.12", django)
    else:
        session.install("-e", ".[test,tasks]", django)
    session.run("python", "-m", "django", "--version")
    # Browser tests run once, in the main suite; the matrix covers the Python side.
    session.run(
        "python",
        "-m",
        "pytest",
        "-q",
        "-m",
        "not browser",
        "-p",
        "no:cacheprovider",
        *session.posargs,
    )
