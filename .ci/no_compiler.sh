#!/usr/bin/env bash
# `make test` from a clean clone on a machine without a C compiler: CC and CXX point
# nowhere and pip's cache is off, so no wheel built earlier on this machine can stand in
# for a source build (a dependency without a binary wheel fails the install). Then
# `make test` runs a small selection, and uWSGI's command (pyuwsgi's wheel) answers.
# Clones the committed state (HEAD). About 40 s, mostly downloads.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone --quiet --no-hardlinks . "$work/django-convert"
cd "$work/django-convert"
export CC=/nonexistent/cc CXX=/nonexistent/c++ PIP_NO_CACHE_DIR=1
unset DATABASE_URL
make --no-print-directory test PYTHON="${PYTHON:-python3.11}" \
  PYTEST_ARGS="-q -p no:cacheprovider tests/test_conf.py tests/test_delivery_environment.py" \
  2>&1 | tee "$work/make.log"
# pip built one wheel from source, the project's own (pure Python): nothing was compiled.
built=$(sed -n 's/^Successfully built //p' "$work/make.log")
if [ "$built" != "django-convert" ]; then
  echo "FAIL: pip built from source: ${built:-nothing?}"; exit 1
fi
test "$(.venv/bin/uwsgi --version)" = "2.0.26"
echo "make test installed and ran without a C compiler"
