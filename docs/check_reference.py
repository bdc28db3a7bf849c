"""Check that the reference documents every setting and every system check id.

Every key of ``django_convert.conf.DEFAULTS`` must appear as ``.. describe:: KEY`` in
``docs/reference/settings.rst``, and every check id found in the package's code
(``django_convert.E123`` / ``W123``) as ``.. describe:: django_convert.E123`` in
``docs/reference/checks.rst``. Also every management command as ``.. describe:: name`` in
``docs/reference/commands.rst``, and every signal of ``django_convert.signals`` as a
directive naming it (``.. py:data:: name``, ``.. describe:: name``, ...) in
``docs/reference/signals.rst``. Exits non-zero naming what is missing.

Run it as ``python docs/check_reference.py``; ``tests/test_docs.py`` runs it in the suite.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "django_convert"
REFERENCE = ROOT / "docs" / "reference"

# Three digits: "django_convert.E1xx" in a comment is a range, not an id.
CHECK_ID = re.compile(r"\bdjango_convert\.([EW]\d{3})\b")
DESCRIBE = re.compile(r"^\.\. describe:: +(\S+) *$", re.M)
# Any directive naming the object: ".. py:data:: name", ".. autodata:: module.name", ...
DIRECTIVE = re.compile(r"^ *\.\. [\w:]+:: +(?:[\w.]+\.)?(\w+)\b", re.M)


def described(page: str) -> set[str]:
    """The names documented with ``.. describe::`` on one reference page."""
    return set(DESCRIBE.findall((REFERENCE / page).read_text(encoding="utf-8")))


def directives(page: str) -> set[str]:
    """The names that any directive on one reference page documents."""
    return set(DIRECTIVE.findall((REFERENCE / page).read_text(encoding="utf-8")))


def setting_keys() -> set[str]:
    """The keys of django_convert.conf.DEFAULTS (read without configuring Django)."""
    sys.path.insert(0, str(ROOT))
    try:
        from django_convert.conf import DEFAULTS
    finally:
        sys.path.remove(str(ROOT))
    return set(DEFAULTS)


def check_ids() -> set[str]:
    """Every check id written in the package's Python code."""
    ids: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        ids.update("django_convert." + found for found in CHECK_ID.findall(path.read_text()))
    return ids


def signal_names() -> set[str]:
    """The Signal objects of django_convert/signals.py, found by reading the source."""
    source = (PACKAGE / "signals.py").read_text(encoding="utf-8")
    return set(re.findall(r"^(\w+)(?:: *[\w.]+)? *= *Signal\(", source, re.M))


def command_names() -> set[str]:
    return {
        path.stem
        for path in (PACKAGE / "management" / "commands").glob("*.py")
        if not path.stem.startswith("_")
    }


def missing() -> dict[str, list[str]]:
    """Page name -> the names it lacks (empty when the reference is complete)."""
    wanted = {
        "settings.rst": (setting_keys(), described("settings.rst")),
        "checks.rst": (check_ids(), described("checks.rst")),
        "commands.rst": (command_names(), described("commands.rst")),
        "signals.rst": (signal_names(), directives("signals.rst")),
    }
    return {
        page: sorted(names - documented)
        for page, (names, documented) in wanted.items()
        if names - documented
    }


def main() -> int:
    gaps = missing()
    for page, names in gaps.items():
        print(f"docs/reference/{page} has no entry for:", file=sys.stderr)
        for name in names:
            print(f"  {name}", file=sys.stderr)
    if gaps:
        return 1
    print("docs/reference documents every setting, check id, management command and signal.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
