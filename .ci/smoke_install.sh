#!/usr/bin/env bash
# Install the built wheel into a fresh venv, set up a new project as the README says,
# and check that it migrates and passes `manage.py check` with no missing migrations.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet "$repo"
cd "$work"
"$work/venv/bin/django-admin" startproject site_ .
cat >> site_/settings.py <<'PY'
INSTALLED_APPS += ["rest_framework", "django_convert"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_convert.middleware.ConvertVisitorMiddleware",
)
DJANGO_CONVERT = {"ACCOUNT_ID": "10012345", "PROJECT_ID": "10056789"}
PY
"$work/venv/bin/python" manage.py migrate --verbosity 0
"$work/venv/bin/python" manage.py check --fail-level WARNING
"$work/venv/bin/python" manage.py makemigrations --check --dry-run
"$work/venv/bin/python" - <<'PY'
import importlib.resources as r
files = r.files("django_convert")
for name in ("py.typed", "migrations/0001_initial.py"):
    assert (files / name).is_file(), f"{name} is missing from the wheel"
print("wheel ships py.typed and migrations")
PY
echo "install smoke test passed"
