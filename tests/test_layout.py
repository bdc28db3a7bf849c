"""The package's layout: data flows one way (docs/development.rst, "How the package is laid
out"). Each module imports only from its own layer or the layers above it, and no modules
import each other in a circle, counting imports inside functions too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "django_convert"

#: Top-level names under django_convert/ -> layer, in the order of docs/development.rst.
LAYERS = {
    **dict.fromkeys(
        ["conf", "exceptions", "signals", "segments", "deadlocks", "invocation", "printable"], 1
    ),
    "models": 2,
    "identity": 3,
    "client": 4,
    "conversions": 5,
    "project": 6,
    "delivery": 7,
    "forwarding": 7,
    "reports": 8,
    **dict.fromkeys(
        [
            "browser",
            "templatetags",
            "ingest",
            "admin",
            "middleware",
            "asgi",
            "urls",
            "management",
            "apps",
            "checks",
            "tasks",
        ],
        9,
    ),
    "testing": 10,
}
#: Modules below which ``rest_framework`` never appears (ARCHITECTURE: DRF lives in ingest).
NO_DRF_BELOW = 8


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, modules: set[str] | frozenset[str] = frozenset()) -> set[str]:
    """Every module this file imports, at any depth of the code (``from package import
    module`` counts as the module, not the package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return found


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}
    return {
        name: {
            target for target in _imports(path, set(files)) if target in files and target != name
        }
        for name, path in files.items()
    }


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


GRAPH = _graph()


def test_every_top_level_module_has_a_layer() -> None:
    unplaced = {m.split(".")[1] for m in GRAPH if "." in m and _layer(m) is None}
    assert not unplaced, f"add these to LAYERS and to docs/development.rst: {unplaced}"


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if _layer(m) is not None))
def test_imports_flow_one_way(module: str) -> None:
    layer = _layer(module)
    assert layer is not None
    upward = sorted(t for t in GRAPH[module] if (_layer(t) or 0) > layer)
    assert not upward, f"{module} (layer {layer}) imports from layers below it: {upward}"


def test_drf_stays_in_the_web_surface() -> None:
    offenders = sorted(
        name
        for name, path in (
            (_module_name(p), p) for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts
        )
        if (_layer(name) or 99) < NO_DRF_BELOW
        and any(i.split(".")[0] == "rest_framework" for i in _imports(path))
    )
    assert not offenders


def test_no_import_circles() -> None:
    # Tarjan's strongly connected components over the module graph (imports at any depth:
    # a function-level import that closes a circle is still a circle).
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    assert not circles


def test_the_client_knows_nothing_of_models() -> None:
    # ARCHITECTURE: the client can be tested with a local HTTP server alone.
    client = {m: t for m, t in GRAPH.items() if m.startswith("django_convert.client")}
    beyond = sorted(
        target
        for targets in client.values()
        for target in targets
        if not target.startswith("django_convert.client") and _layer(target) != 1
    )
    assert not beyond


def test_template_tags_load_without_the_admin_app(tmp_path: Path) -> None:
    """Django imports every template tag library of every installed app: the report's
    number filters must not pull in the admin (which needs django.contrib.admin)."""
    import subprocess
    import sys

    (tmp_path / "no_admin_settings.py").write_text(
        'SECRET_KEY = "x"\n'
        'INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes",'
        ' "rest_framework", "django_convert"]\n'
        'TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates",'
        ' "APP_DIRS": True}]\n'
        'DJANGO_CONVERT = {"ENABLED": False}\n'
    )
    code = (
        "import django; django.setup()\n"
        "from django.template import engines\n"
        "engines.all()\n"
        "from django.template import Template\n"
        "print(Template('{% load convert_report %}{{ 5066|count }}').render(__import__("
        "'django.template').template.Context()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={
            "DJANGO_SETTINGS_MODULE": "no_admin_settings",
            "PYTHONPATH": f"{tmp_path}:{PACKAGE.parent}",
            "PATH": "",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "5,066"
