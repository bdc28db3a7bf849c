"""Convert's own artifacts, kept as test data: real project configs from its SDK
repositories and the requests its JS and Python SDKs were captured sending (README.md says
where each file comes from). Loaders only; the tests are in tests/test_convert_artifacts.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
CONFIGS = HERE / "configs"
BODIES = HERE / "bodies"

#: The kept configs, by a short name: (file, whether the file wraps the config in the
#: shared SDK tests' ``{"environment", "data"}`` envelope).
CONFIG_FILES = {
    "cdn": "ios-sdk__cdn-config-baseline.json",
    "cdn-staging": "javascript-sdk__integration-static-config.json",
    "shared-test": "javascript-sdk__js-sdk-tests-test-config.json",
    "shared-test-flat": "ruby-sdk__spec-fixtures-test-config.json",
}
#: The SDK key, visitor and ids every capture used (bodies/README.md in this folder).
SDK_KEY = "10035569/10034190"
ACCOUNT_ID, PROJECT_ID = "10035569", "10034190"
VISITOR_ID = "visitor-golden-1"
EXPERIENCE_ID, VARIATION_ID = "100349071", "1003180877"
COUNT_GOAL, REVENUE_GOAL = "100322783", "100322784"
SECRET = "golden-secret"


def load_config(name: str) -> dict[str, Any]:
    """A kept config as Convert serves it (the shared test config without its envelope)."""
    data: dict[str, Any] = json.loads((CONFIGS / CONFIG_FILES[name]).read_text())
    if "experiences" not in data and isinstance(data.get("data"), dict):
        return dict(data["data"])
    return data


def captures() -> list[tuple[str, str, dict[str, Any]]]:
    """Every captured request: ``(run, step, {method, path, query, headers, body})``."""
    found = []
    for path in sorted(BODIES.glob("*/*.json")):
        if path.name.endswith(".NONE.json"):
            continue
        step = path.stem.split("-", 1)[1]
        found.append((path.parent.name, step, json.loads(path.read_text())))
    return found


def capture(run: str, step: str) -> dict[str, Any] | None:
    """One captured request (``run`` e.g. "py_default", ``step`` e.g.
    "conversion-with-revenue"); None when the SDK sent nothing for that step."""
    [path] = BODIES.glob(f"{run}/*-{step}*.json")
    found: dict[str, Any] | None = json.loads(path.read_text())
    return found
