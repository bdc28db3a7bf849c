"""Going live with the quick start's stand-ins still on: deploy checks (``check --deploy``,
django_convert.E040-E042, W040-W043) and the same findings for ``convert_doctor``.

The quick start points ``TRACKING_URL`` and ``CONFIG_URL`` at a stand-in on
``http://127.0.0.1`` ("remove these lines to go live"), tests load a stand-in script
(``SCRIPT_URL = STANDIN_SCRIPT_URL``, a ``static:`` URL), and a production settings file
that keeps them sends nothing to Convert, runs no experiment and shows the stand-in's
names, while everything looks fine. Stand-ins count as a problem when ``DEBUG`` is False
(a production settings file); plain http and a secret over it always do. Read-only: the
settings and the last synced config row, never the network.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.db import DatabaseError, connections, router

from django_convert.conf import SETTINGS_NAME, STATIC_PREFIX, get_setting
from django_convert.models import ConfigSync

#: What the demo's seeded config (example_project) records as its source.
DEMO_SYNC_URL = "(demo)"
SILENCE = 'If this is intended, add "{id}" to SILENCED_SYSTEM_CHECKS.'


def is_local_url(url: object) -> bool:
    """True for an http(s) URL on this machine: 127.0.0.0/8, ::1, 0.0.0.0, localhost."""
    if not isinstance(url, str):
        return False
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    except ValueError:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def is_plain_http(url: object) -> bool:
    return isinstance(url, str) and url.lower().startswith("http://")


def standin_script(url: object) -> str:
    """Why ``SCRIPT_URL`` is not Convert's tracking script, or "".

    A ``static:`` URL (``STANDIN_SCRIPT_URL`` is one) or a path under ``STATIC_URL`` is a
    file of this site: Convert serves each project's script from its CDN, rebuilt whenever
    an experience changes, so a copy is a stand-in."""
    if not isinstance(url, str):
        return ""
    if url.startswith(STATIC_PREFIX):
        return f"{url!r} is a static file of this site (a stand-in such as STANDIN_SCRIPT_URL)"
    static_url = str(getattr(settings, "STATIC_URL", None) or "")
    if static_url.startswith("/") and url.startswith(static_url) and static_url != "/":
        return f"{url!r} is served from this site's static files ({static_url})"
    if is_local_url(url):
        return f"{url!r} is on this machine"
    return ""


def standin_sync(sync: ConfigSync | None) -> str:
    """Why a synced config came from a stand-in rather than Convert, or ""."""
    if sync is None:
        return ""
    if sync.url == DEMO_SYNC_URL or sync.trigger == "demo":
        return "it is the demo's seeded sample config"
    if is_local_url(sync.url):
        return f"it was fetched from {sync.url}, a stand-in on this machine"
    return ""


@dataclass(frozen=True)
class DeployFinding:
    """One problem: the check message and which setting it concerns."""

    message: CheckMessage
    setting: str


def deploy_findings(debug: bool | None = None) -> list[DeployFinding]:
    """Every go-live problem of the current settings and synced config. ``debug`` defaults
    to ``settings.DEBUG``; with it True, stand-ins are expected and not reported."""
    debug = settings.DEBUG if debug is None else debug
    findings: list[DeployFinding] = []
    if not get_setting("ENABLED"):
        return findings  # nothing is rendered, recorded or sent
    tracking, config = get_setting("TRACKING_URL"), get_setting("CONFIG_URL")
    script = get_setting("SCRIPT_URL")
    if not debug:
        findings.extend(_standins(tracking, config, script))
    findings.extend(_plain_http(tracking, config, script, debug))
    if not debug:
        finding = _synced_from_standin()
        if finding:
            findings.append(finding)
        findings.extend(_forwarding_standins())
    return findings


#: Credentials copied from the docs' examples or a test: "G-XXXXXXXXXX", "test-secret",
#: "...", "<your write key>". GA4 and Segment answer 2xx to wrong credentials and drop the
#: events, so nothing else would ever say so.
PLACEHOLDER = re.compile(
    r"(?i)^(\.{3}|<.*>|g-x{4,}|x{4,}|test[-_ ].*|your[-_ ].*|changeme|placeholder|dummy.*)$"
)


def _forwarding_standins() -> list[DeployFinding]:
    """FORWARD destinations left on a stand-in (E043) or on example credentials (W044)."""
    forward = get_setting("FORWARD")
    if not isinstance(forward, dict):
        return []  # E300 says it
    found: list[DeployFinding] = []
    for name, options in forward.items():
        if not isinstance(options, dict):
            continue
        where = f"{SETTINGS_NAME}['FORWARD'][{name!r}]"
        url = options.get("URL")
        if is_local_url(url):
            found.append(
                DeployFinding(
                    Error(
                        f"{where}['URL'] is {url!r}, a stand-in on this machine, and DEBUG "
                        f"is False: every event for {name} goes there, never to {name}.",
                        hint="Remove URL from the production settings (the default is the "
                        "vendor's endpoint).",
                        id="django_convert.E043",
                    ),
                    "FORWARD",
                )
            )
        for key, value in options.items():
            if isinstance(value, str) and PLACEHOLDER.match(value.strip()):
                found.append(
                    DeployFinding(
                        Warning(
                            f"{where}[{key!r}] is {value!r}, an example or test value, and "
                            f"DEBUG is False: {name} drops events with wrong credentials "
                            "without an error.",
                            hint="Set the real credential (from the environment); see "
                            f"docs/forwarding/{name}.rst, Setup.",
                            id="django_convert.W044",
                        ),
                        "FORWARD",
                    )
                )
    return found


def _standins(tracking: object, config: object, script: object) -> list[DeployFinding]:
    found: list[DeployFinding] = []
    if is_local_url(tracking):
        found.append(
            DeployFinding(
                Error(
                    f"{SETTINGS_NAME}['TRACKING_URL'] is {tracking!r}, a stand-in on this "
                    "machine, and DEBUG is False: conversions are delivered there, never to "
                    "Convert.",
                    hint="Remove TRACKING_URL from the production settings (the default is "
                    "Convert's https://metrics.convertexperiments.com/v1/track).",
                    id="django_convert.E040",
                ),
                "TRACKING_URL",
            )
        )
    if is_local_url(config):
        found.append(
            DeployFinding(
                Warning(
                    f"{SETTINGS_NAME}['CONFIG_URL'] is {config!r}, a stand-in on this machine, "
                    "and DEBUG is False: experience, variation and goal names, and the goal "
                    "checks, come from the stand-in's sample config, not your project.",
                    hint="Remove CONFIG_URL from the production settings (the default is "
                    "Convert's https://cdn-4.convertexperiments.com), then run convert_sync.",
                    id="django_convert.W040",
                ),
                "CONFIG_URL",
            )
        )
    why = standin_script(script)
    if why:
        found.append(
            DeployFinding(
                Error(
                    f"{SETTINGS_NAME}['SCRIPT_URL']: {why}, and DEBUG is False: every page "
                    "loads it instead of Convert's tracking script, so no experiment runs "
                    "and no visitor is bucketed.",
                    hint="Remove SCRIPT_URL from the production settings (the default loads "
                    "your project's script from Convert's CDN). "
                    + SILENCE.format(id="django_convert.E041"),
                    id="django_convert.E041",
                ),
                "SCRIPT_URL",
            )
        )
    return found


def _plain_http(
    tracking: object, config: object, script: object, debug: bool
) -> list[DeployFinding]:
    found: list[DeployFinding] = []
    secret = get_setting("SDK_SECRET")
    urls = {"TRACKING_URL": tracking, "CONFIG_URL": config, "SCRIPT_URL": script}
    for name, url in urls.items():
        if not is_plain_http(url):
            continue
        local = is_local_url(url)
        # The secret in clear: to another machine always, to a stand-in on this one only in
        # a production settings file (DEBUG False), where it means the secret is live.
        if secret and name != "SCRIPT_URL" and (not local or not debug):
            found.append(
                DeployFinding(
                    Error(
                        f"{SETTINGS_NAME}['{name}'] is {url!r}, plain http, and SDK_SECRET is "
                        "set: the secret goes out as an 'Authorization: Bearer' header in "
                        "clear text on every request.",
                        hint=f"Use https:// for {name} (Convert's URLs are https), and change "
                        "the secret in Convert if it has been sent this way.",
                        id="django_convert.E042",
                    ),
                    name,
                )
            )
            continue
        if local:
            continue  # a stand-in on this machine: E040, W040, E041 say it
        what = {
            "TRACKING_URL": "conversions (visitor ids, order ids, amounts) travel unencrypted "
            "and can be changed on the way",
            "CONFIG_URL": "the project config can be changed on the way",
            "SCRIPT_URL": "browsers on https pages refuse it (mixed content), and on http pages "
            "anyone on the way can change the script",
        }[name]
        found.append(
            DeployFinding(
                Warning(
                    f"{SETTINGS_NAME}['{name}'] is {url!r}, not https: {what}.",
                    hint=f"Use https:// (or, for SCRIPT_URL, //) for {name}.",
                    id="django_convert.W041",
                ),
                name,
            )
        )
    return found


def _synced_from_standin() -> DeployFinding | None:
    try:
        connection = connections[router.db_for_read(ConfigSync)]
        if ConfigSync._meta.db_table not in connection.introspection.table_names():
            return None
        good = ConfigSync.objects.filter(ok=True).first()
    except DatabaseError:  # no database to read (e.g. check run in a build step)
        return None
    why = standin_sync(good)
    if not why or good is None:
        return None
    return DeployFinding(
        Warning(
            f"The project config in use was synced at {good.started_at:%Y-%m-%d %H:%M}, but "
            f"{why}, and DEBUG is False: names, goals and reports show a sample project.",
            hint="Point CONFIG_URL at Convert (remove it from the production settings) and "
            "run `python manage.py convert_sync`.",
            id="django_convert.W043",
        ),
        "CONFIG_URL",
    )


def check_deploy() -> list[CheckMessage]:
    """The messages of :func:`deploy_findings`, for ``manage.py check --deploy``."""
    return [finding.message for finding in deploy_findings()]
