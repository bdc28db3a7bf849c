"""The project configuration the local Convert stand-in serves at ``/api/v1/config/...``.

:func:`sample_config` is a realistic ``ConfigResponseData``, written field by field from
Convert's published types (``@convertcom/js-sdk`` 4.4.3 ``types.gen.d.ts`` and
``convert-python-sdk`` 2.1.0 ``_generated/serving_config.pyi``) and the configs in
Convert's SDK repositories (``traffic_allocation`` in percent, as Convert's CDN serves it),
including fields the app ignores (locations, audiences, settings, integrations) so parsing
is tested against the real shape. :class:`ConfigServing` answers the two config routes
(an SDK key with its slash as is, ``?environment=``), checks the SDK key and secret like
the tracking routes do, records each request, and injects faults.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

CONFIG_PREFIX = "/api/v1/config/"
ACCOUNT_PROJECT = re.compile(r"^(?P<account>[0-9]+)/(?P<project>[0-9]+)$")
#: A percent-encoded slash: Convert's SDKs put an SDK key's slash in the path as it is.
ENCODED_SLASH = re.compile(r"%2f", re.IGNORECASE)


@dataclass(frozen=True)
class Target:
    """What a request path names: an SDK key, or an account and a project; or, with
    ``status``, why it names nothing this stand-in serves."""

    sdk_key: str = ""
    account: str = ""
    project: str = ""
    status: int = 0
    message: str = ""


def parse_target(tail: str, sdk_key: str | None) -> Target:
    """Route the part of a path after ``/track/`` or ``/config/`` as Convert's SDKs build
    it: ``{sdk_key}`` as is, its slash included (``10035569/10034190``), or
    ``{account_id}/{project_id}``. The configured ``sdk_key`` wins over the digits form it
    may look like; without one, any other key is accepted."""
    tail = tail.removesuffix("/")
    if not tail:
        return Target(status=404, message="no SDK key or account/project in the path")
    if ENCODED_SLASH.search(tail):
        return Target(
            status=404,
            message="the SDK key's slash is percent-encoded; Convert's SDKs send it as is",
        )
    key = unquote(tail)
    if sdk_key and key == sdk_key:
        return Target(sdk_key=key)
    ids = ACCOUNT_PROJECT.match(tail)
    if ids:
        return Target(account=ids["account"], project=ids["project"])
    if sdk_key:
        return Target(status=404, message="unknown sdk key")
    return Target(sdk_key=key)


#: The demo shop's experience (see example_project's convert-demo.js) and goal.
CHECKOUT_EXPERIENCE = "100127238"
VARIATION_A, VARIATION_B = "1001186427", "1001186428"
PURCHASE_GOAL = "100037225"


def _variation(id: str, key: str, name: str, allocation: float, status: str = "running") -> Any:
    return {
        "id": id,
        "key": key,
        "name": name,
        "traffic_allocation": allocation,
        "status": status,
        "changes": [],
    }


def _experience(
    id: str, key: str, name: str, status: str, goals: list[str], variations: list[Any]
) -> Any:
    return {
        "id": id,
        "key": key,
        "name": name,
        "type": "a/b",
        "status": status,
        "version": 3,
        "locations": ["100041122"],
        "site_area": None,
        "audiences": [],
        "goals": goals,
        "global_js": "",
        "global_css": "",
        "environment": "production",
        "integrations": [],
        "settings": {"matching_options": {"audiences": "any", "locations": "any"}},
        "variations": variations,
    }


def sample_config(account_id: str = "10012345", project_id: str = "10056789") -> dict[str, Any]:
    """A project with an active experience (the demo's), an active three-way one, a draft,
    an archived id, and goals of three types; one goal is attached to no active experience."""
    return {
        "account_id": str(account_id),
        "project": {
            "id": str(project_id),
            "name": "Demo coffee shop",
            "type": "web",
            "utc_offset": 0,
            "domains": [{"tld": "example.com", "hosts": ["shop.example.com"]}],
            "global_javascript": "",
            "settings": {
                "allow_crossdomain_tracking": False,
                "data_anonymization": False,
                "do_not_track": "OFF",
                "global_privacy_control": "EU ONLY",
                "include_jquery": False,
                "min_order_value": 0,
                "max_order_value": 999999,
            },
        },
        "goals": [
            {"id": PURCHASE_GOAL, "key": "purchase", "name": "Purchase", "type": "revenue"},
            {"id": "100037226", "key": "add-to-cart", "name": "Add to cart", "type": "advanced"},
            {
                "id": "100037227",
                "key": "newsletter-signup",
                "name": "Newsletter signup",
                "type": "advanced",
                "rules": None,
            },
        ],
        "locations": [{"id": "100041122", "key": "all-pages", "name": "All pages", "rules": None}],
        "audiences": [],
        "segments": [],
        "experiences": [
            _experience(
                CHECKOUT_EXPERIENCE,
                "checkout-button-colour",
                "Checkout button colour",
                "active",
                [PURCHASE_GOAL, "100037226"],
                [
                    _variation(VARIATION_A, "a-blue", "A: blue button", 50.0),
                    _variation(VARIATION_B, "b-green", "B: green button", 50.0),
                ],
            ),
            _experience(
                "100127239",
                "free-shipping-banner",
                "Free-shipping banner",
                "active",
                [PURCHASE_GOAL, "100037226"],
                [
                    _variation("1001186400", "original", "Original", 33.34),
                    _variation("1001186401", "banner-top", "Banner on top", 33.33),
                    _variation("1001186402", "banner-cart", "Banner in the cart", 33.33),
                ],
            ),
            _experience(
                "100127240",
                "homepage-hero",
                "Homepage hero",
                "draft",
                ["100037227"],
                [
                    _variation("1001186500", "original", "Original", 50.0),
                    _variation("1001186501", "video", "Video hero", 50.0, status="stopped"),
                ],
            ),
        ],
        "archived_experiences": ["100127100"],
        "features": [],
        "is_debug": False,
    }


@dataclass
class ConfigRequest:
    #: The raw request target, query string included.
    path: str
    headers: dict[str, str]
    answer: int = 0

    @property
    def environment(self) -> str | None:
        """The ``?environment=`` asked for, if any."""
        values = parse_qs(urlsplit(self.path).query).get("environment")
        return values[0] if values else None


@dataclass
class ConfigServing:
    """The config routes of the stand-in. ``data`` None serves :func:`sample_config`.

    With ``?environment=X`` it leaves out the experiences whose ``environment`` is another
    one, as Convert's CDN appears to (its staging snapshot in Convert's SDK repositories
    holds only staging experiences; a capture without the parameter mixes both). Set
    ``filter_environments = False`` to serve a mixed answer whatever is asked.
    """

    account_id: str | None = None
    project_id: str | None = None
    sdk_key: str | None = None
    sdk_secret: str | None = None
    data: Any = None
    filter_environments: bool = True
    requests: list[ConfigRequest] = field(default_factory=list)
    # (status, raw body, delay, times left or None for always)
    _faults: list[list[Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def serve(self, data: Any) -> None:
        """Serve ``data`` (any JSON value, e.g. an edited :func:`sample_config`) from now on."""
        self.data = copy.deepcopy(data)

    def fail(self, status: int = 503, times: int | None = 1, body: str | None = None) -> None:
        """Answer ``status`` with Convert's ``{code, message}`` body (or ``body`` as is)."""
        text = body if body is not None else json.dumps({"code": status, "message": "Failed"})
        with self._lock:
            self._faults.append([status, text, 0.0, times])

    def garble(self, text: str = "<html>Bad gateway</html>", times: int | None = 1) -> None:
        """Answer 200 with a body that is not JSON."""
        self.fail(200, times, body=text)

    def slow(self, seconds: float, times: int | None = 1) -> None:
        with self._lock:
            self._faults.append([200, None, seconds, times])

    def heal(self) -> None:
        with self._lock:
            self._faults.clear()

    def answer(self, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        """The status and JSON body for a GET of ``path`` (headers lower-cased)."""
        request = ConfigRequest(path=path, headers=headers)
        with self._lock:
            self.requests.append(request)
        status, text = self._answer(path, headers)
        request.answer = status
        return status, text.encode()

    def _answer(self, path: str, headers: dict[str, str]) -> tuple[int, str]:
        url = urlsplit(path)
        if not url.path.startswith(CONFIG_PREFIX):
            return 404, json.dumps({"code": 404, "message": f"no route {path}"})
        target = parse_target(url.path.removeprefix(CONFIG_PREFIX), self.sdk_key)
        if target.status:
            return target.status, json.dumps({"code": target.status, "message": target.message})
        fault = self._next_fault()
        if fault is not None:
            status, text, delay = fault
            time.sleep(delay)
            if text is not None:
                return status, text
        problem = self._check(target, headers)
        if problem:
            return problem[0], json.dumps({"code": problem[0], "message": problem[1]})
        data = self.data
        if data is None:
            data = sample_config(
                target.account or self.account_id or "10012345",
                target.project or self.project_id or "10056789",
            )
        environment = parse_qs(url.query).get("environment")
        if environment and self.filter_environments:
            data = _only_environment(data, environment[0])
        return 200, json.dumps(data)

    def _check(self, target: Target, headers: dict[str, str]) -> tuple[int, str] | None:
        if target.sdk_key:
            if self.sdk_secret and headers.get("authorization") != f"Bearer {self.sdk_secret}":
                return 401, "invalid or missing bearer token"
            return None
        if self.account_id and target.account != self.account_id:
            return 404, "unknown account"
        if self.project_id and target.project != self.project_id:
            return 404, "unknown project"
        return None

    def _next_fault(self) -> tuple[int, str | None, float] | None:
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            if fault[3] is not None:
                fault[3] -= 1
                if fault[3] <= 0:
                    self._faults.pop(0)
            return fault[0], fault[1], fault[2]


def _only_environment(data: Any, environment: str) -> Any:
    """``data`` without the experiences whose ``environment`` is set and another one."""
    if not isinstance(data, dict) or not isinstance(data.get("experiences"), list):
        return data
    kept = [
        experience
        for experience in data["experiences"]
        if not isinstance(experience, dict)
        or experience.get("environment") in (None, "", environment)
    ]
    return {**data, "experiences": kept}
