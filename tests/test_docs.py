"""The documentation: the reference is complete, every Python example compiles, complete
examples run, and the site builds with warnings as errors.

The rules for examples are in tests/docblocks.py; they apply to every page under docs/,
including pages written after this test.
"""

from __future__ import annotations

import copy
import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import signals as model_signals
from django.dispatch import Signal
from django.test import RequestFactory, override_settings

from django_convert import signals as convert_signals
from django_convert.conf import DEFAULTS, unknown_settings
from django_convert.conversions import unregister_rule
from django_convert.conversions.registry import registered_rules
from tests.docblocks import PROVIDED, ROOT, Block, all_blocks

CHECK_REFERENCE = ROOT / "docs" / "check_reference.py"
BLOCKS = all_blocks()


def _load_check_reference() -> Any:
    spec = importlib.util.spec_from_file_location("check_reference", CHECK_REFERENCE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The reference ------------------------------------------------------------------------


def test_reference_documents_every_setting_check_id_and_command() -> None:
    result = subprocess.run(
        [sys.executable, str(CHECK_REFERENCE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_check_reference_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    check = _load_check_reference()
    monkeypatch.setattr(check, "setting_keys", lambda: set(DEFAULTS) | {"NOT_DOCUMENTED_KEY"})
    monkeypatch.setattr(check, "check_ids", lambda: {"django_convert.E999"})
    monkeypatch.setattr(check, "command_names", lambda: {"convert_deliver", "convert_new"})
    monkeypatch.setattr(check, "signal_names", lambda: {"conversion_failed", "new_signal"})
    assert check.missing() == {
        "settings.rst": ["NOT_DOCUMENTED_KEY"],
        "checks.rst": ["django_convert.E999"],
        "commands.rst": ["convert_new"],
        "signals.rst": ["new_signal"],
    }
    assert check.main() == 1


def test_check_reference_finds_the_signals_and_commands_in_the_code() -> None:
    check = _load_check_reference()
    assert check.signal_names() == {
        name for name, value in vars(convert_signals).items() if isinstance(value, Signal)
    }
    assert {"convert_deliver", "convert_purge"} <= check.command_names()


def test_check_reference_finds_the_ids_in_the_code() -> None:
    ids = _load_check_reference().check_ids()
    # Spot checks from three modules; "E1xx" in a comment is a range, not an id.
    assert {"django_convert.E001", "django_convert.E031", "django_convert.E109"} <= ids
    assert all(len(check_id) == len("django_convert.E001") for check_id in ids)


# The examples -------------------------------------------------------------------------


def test_examples_are_found() -> None:
    names = {block.path.name for block in BLOCKS}
    assert {"README.md", "settings.rst", "signals.rst", "ingest.rst"} <= names
    # The rule is not vacuous: most examples run, not just compile.
    assert sum(block.runnable for block in BLOCKS) >= 5


def test_every_readme_fence_names_its_language() -> None:
    """An untagged fence could hide Python from these tests; say ```text when it is not."""
    opening = False
    for number, line in enumerate((ROOT / "README.md").read_text().splitlines(), 1):
        if line.lstrip().startswith("```"):
            opening = not opening
            assert not opening or line.strip() != "```", f"README.md:{number}"


@pytest.mark.parametrize("block", BLOCKS, ids=lambda block: block.name)
def test_example_compiles(block: Block) -> None:
    compile(block.code, block.name, "exec")


@pytest.fixture
def isolated() -> Iterator[None]:
    """Undo what running an example registers: signal receivers and code rules."""
    all_signals = [
        value
        for module in (convert_signals, model_signals)
        for value in vars(module).values()
        if isinstance(value, Signal)
    ]
    receivers = {signal: list(signal.receivers) for signal in all_signals}
    rules = registered_rules()
    yield
    for signal, saved in receivers.items():
        signal.receivers[:] = saved
        signal.sender_receivers_cache.clear()
        signal._clear_dead_receivers()
    for rule in registered_rules():
        if rule not in rules:
            unregister_rule(rule)


def provided_names(tmp_path: Path) -> dict[str, Any]:
    """The names an example may use without defining them (tests/docblocks.PROVIDED)."""
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.convert_visitor_id = "visitor-abc123"  # type: ignore[attr-defined]
    names: dict[str, Any] = {
        "BASE_DIR": tmp_path,
        "DATABASES": copy.deepcopy(settings.DATABASES),
        "DJANGO_CONVERT": copy.deepcopy(settings.DJANGO_CONVERT),
        "INSTALLED_APPS": list(settings.INSTALLED_APPS),
        "MIDDLEWARE": list(settings.MIDDLEWARE),
        "TASKS": copy.deepcopy(getattr(settings, "TASKS", {})),
        "TEMPLATES": copy.deepcopy(settings.TEMPLATES),
        "request": request,
    }
    assert set(names) == PROVIDED
    return names


@pytest.mark.django_db
@pytest.mark.parametrize(
    "block", [block for block in BLOCKS if block.runnable], ids=lambda block: block.name
)
def test_complete_example_runs(block: Block, tmp_path: Path, isolated: None) -> None:
    namespace = {"__name__": "docs_example", **provided_names(tmp_path)}
    exec(compile(block.code, block.name, "exec"), namespace)
    # A settings fragment must not introduce keys the app does not know (W001 typos).
    with override_settings(DJANGO_CONVERT=namespace["DJANGO_CONVERT"]):
        assert unknown_settings() == []


# The site -----------------------------------------------------------------------------


def test_docs_build_without_warnings(tmp_path: Path) -> None:
    pytest.importorskip("sphinx", reason="the docs extra is not installed: pip install -e .[docs]")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "-d",
            str(tmp_path / "doctrees"),
            str(ROOT / "docs"),
            str(tmp_path / "html"),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "html" / "reference" / "settings.html").exists()


# Examples whose functions the generic test only defines --------------------------------


@pytest.mark.django_db
def test_privacy_forget_user_example_runs() -> None:
    """The erasure example itself (tests/test_identity_erasure.py tests forget_user())."""
    from django.contrib.auth import get_user_model

    from django_convert import track_conversion
    from django_convert.models import Conversion, MergedId, Visitor

    [block] = [block for block in BLOCKS if "erasure = forget_user(user)" in block.code]
    user = get_user_model().objects.create_user("erase-me")
    visitor = Visitor.objects.create(visitor_id="v-erase", user=user)
    MergedId.objects.create(visitor=visitor, merged_id="v-guest")
    track_conversion(visitor_id="v-guest", goal_id="100037225", transaction_id="guest")
    exec(compile(block.code, block.name, "exec"), {"__name__": "docs_example", "user": user})
    assert not get_user_model().objects.filter(username="erase-me").exists()
    assert not Conversion.objects.exists()
