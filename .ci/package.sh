#!/usr/bin/env bash
# The package as PyPI would get it: build the wheel and the sdist with no warning, twine
# check both, check what each carries, then follow docs/quickstart.rst literally with the
# wheel in a fresh Python 3.13 venv (.ci/quickstart.py). Needs .venv (make .venv/.installed).
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python

rm -rf dist build
# PYTHONDONTWRITEBYTECODE (set on some machines) only makes setuptools warn that it skips
# byte-compiling; unset it so that any warning left is the package's own.
env -u PYTHONDONTWRITEBYTECODE "$py" -m build >build.log 2>&1 || { cat build.log; exit 1; }
if grep -inE 'warn|deprecat' build.log; then
  echo "FAIL: python -m build printed warnings (above)"; exit 1
fi
rm -f build.log
.venv/bin/twine check --strict dist/*

"$py" - <<'PY'
import subprocess, sys, tarfile, zipfile
from pathlib import Path

[wheel] = Path("dist").glob("*.whl")
[sdist] = Path("dist").glob("*.tar.gz")
names = set(zipfile.ZipFile(wheel).namelist())
for needed in (
    "django_convert/py.typed",
    "django_convert/static/django_convert/testing/convert-standin.js",
    "django_convert/migrations/0001_initial.py",
    "django_convert/testing/tracking_server.py",
):
    assert needed in names, f"{needed} is missing from {wheel.name}"
assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), "no LICENSE in the wheel"
metadata = zipfile.ZipFile(wheel).read(
    next(n for n in names if n.endswith(".dist-info/METADATA"))
).decode()
assert "License-Expression: BSD-3-Clause" in metadata, "no PEP 639 License-Expression"
assert not any(n.startswith(("tests/", "docs/", "example_project/")) for n in names)

# The sdist: every tracked file the tests and docs need (so its tests can run).
tracked = subprocess.run(
    ["git", "ls-files", "tests", "docs", "example_project", "benchmarks", "LICENSE"],
    capture_output=True, text=True, check=True,
).stdout.split()
root = sdist.name.removesuffix(".tar.gz")
in_sdist = {name.removeprefix(root + "/") for name in tarfile.open(sdist).getnames()}
missing = sorted(set(tracked) - in_sdist)
assert not missing, f"missing from the sdist: {missing}"
print(f"{wheel.name}: {len(names)} files; {sdist.name}: {len(in_sdist)} entries, "
      f"all {len(tracked)} tracked test/doc/example files")
PY

python313="$(pyenv root)/versions/3.13.0/bin/python3.13"
python3 .ci/quickstart.py --python "$python313" --wheel dist/*.whl
