"""System checks: ``python manage.py check`` reports misconfiguration with these ids.

django_convert.E001  no ACCOUNT_ID/PROJECT_ID and no SDK_KEY
django_convert.E002  an id that is not a digit string
django_convert.E003  rest_framework not in INSTALLED_APPS
django_convert.E004  ConvertVisitorMiddleware not in MIDDLEWARE
django_convert.E005  ConvertVisitorMiddleware placed before AuthenticationMiddleware
django_convert.E006  DELIVERY is not one of the known modes
django_convert.E007  the app's URLs are not included (reverse("django_convert:context") fails)
django_convert.E008  SDK_KEY cannot go into a URL path as it is (whitespace, ?, #, %, an empty part)
django_convert.E009  SOURCE or ENVIRONMENT is not a string, or USER_AGENT lacks ConvertAgent/
django_convert.E010  CURRENCY is not a three-letter ISO 4217 code
django_convert.W001  an unknown key in DJANGO_CONVERT (probably a typo)
django_convert.E020  VISITOR_ID_RESOLVER cannot be imported, or is not callable
django_convert.W020  VISITOR_ID_RESOLVER returned personal data in a self-test
django_convert.E021  CONSENT is not a dict, or has unknown keys
django_convert.E022  CONSENT["RESOLVER"] cannot be imported, or is not callable
django_convert.E023  INGEST_NUM_PROXIES is not a whole number of proxies
django_convert.E024  CONSENT["PLATFORM"] names no adapter, or CONSENT["CATEGORY"] is not a string
django_convert.E025  a __Host-/__Secure- cookie name with flags browsers refuse for it
django_convert.E026  INGEST_MAX_EXPERIENCES is not a whole number above 0
django_convert.W021  (--deploy) behind a proxy without SECURE_PROXY_SSL_HEADER
django_convert.W022  (--deploy) a __Host-/__Secure- cookie name on a site that also answers HTTP
django_convert.W023  VISITOR_ID_RESOLVER gives different people the same id: no stitching
django_convert.W024  CONSENT["PLATFORM"] is set but CONSENT["REQUIRED"] is False
django_convert.E030  DELIVERY="task" but Django's Tasks framework cannot be imported
django_convert.E031  DELIVERY="task" and TASK_QUEUE is not a queue of the default backend
django_convert.E032  DELIVERY="celery" but Celery is not installed
django_convert.W030  DELIVERY="background"/"immediate" where a thread cannot run (uWSGI)
django_convert.W031  DELIVERY="background"/"immediate" and an installed uWSGI older than 2.0.27
django_convert.E101  CONVERSIONS is not a list, or an entry is not a dict
django_convert.E102  an unknown key in a CONVERSIONS entry
django_convert.E103  a CONVERSIONS entry without model, goal_id or visitor
django_convert.E104  a conversion rule names a model that is not installed
django_convert.E105  a conversion rule's goal_id is not a digit string
django_convert.E106  a conversion rule's path does not resolve (or the visitor path leads elsewhere)
django_convert.E107  a conversion rule's "when" is not a dict or names a path that does not resolve
django_convert.E108  a conversion rule's custom_dimensions is not a {1..5: path} dict
django_convert.E109  a code rule's previous_fields names something that is not a concrete field
django_convert.W200  a rule's goal_id is not a goal of the synced project
django_convert.W201  a rule's goal is attached to no active experience
django_convert.I202  no project config synced yet
django_convert.W203  the last project config sync failed
django_convert.W204  the project config is older than twice CONFIG_SYNC_INTERVAL
django_convert.W205  the last good sync skipped config items it could not use
django_convert.W206  the synced config mixes environments and ENVIRONMENT is not set
django_convert.W207  ENVIRONMENT left out every experience of the project config

django_convert.E110  the outbox's database (router.db_for_write) does not migrate django_convert
django_convert.E111  Visitor or Bucketing is written to another database than the outbox
django_convert.E112  a rule's sweep_since is not a date or datetime field
django_convert.W110  a rule's model is in another database: recorded after its commit, apart
django_convert.E113  a conversion rule's occurred_at does not resolve, or is not a date
django_convert.W111  a swept rule's moment is a date only, or unknown (late attribution)

django_convert.E120  a rule's "when" value is not one of the field's choices
django_convert.E121  a rule's "when" value is of a type the field never holds
django_convert.E122  a rule's amount/products_count path leads to a field that is never a number
django_convert.W122  a rule's amount/products_count path leads to text
django_convert.E125  DELIVERY="celery" but no Celery app of the project is loaded with Django

Deploy checks (``check --deploy``; DEBUG=False for the stand-ins):
django_convert.E040  TRACKING_URL is a stand-in on this machine
django_convert.W040  CONFIG_URL is a stand-in on this machine
django_convert.E041  SCRIPT_URL is a stand-in (static: URL, static file, this machine)
django_convert.W041  TRACKING_URL, CONFIG_URL or SCRIPT_URL is plain http
django_convert.E042  SDK_SECRET is sent over plain http
django_convert.W043  the project config in use was synced from a stand-in
django_convert.E043  a FORWARD destination's URL is a stand-in on this machine
django_convert.W044  a FORWARD credential is an example or test value

django_convert.W050  MySQL/MariaDB not at READ COMMITTED (more locks, waits and deadlocks)
django_convert.W051  MySQL/MariaDB connection charset is not utf8mb4

django_convert.E060  REPORT is not a dict, has unknown keys, or a value out of range
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.urls import NoReverseMatch, reverse

from django_convert.client.config import USER_AGENT_PREFIX
from django_convert.conf import (
    DEFAULTS,
    SETTINGS_NAME,
    closest_names,
    get_setting,
    unknown_settings,
)

#: What an SDK key cannot hold to go into a URL path unchanged (Convert's SDKs put it there
#: as it is, its slash included): whitespace, a query or fragment start, an escape.
UNFIT_IN_PATH = re.compile(r"[\s?#%]")

MIDDLEWARE_PATH = "django_convert.middleware.ConvertVisitorMiddleware"
AUTH_MIDDLEWARE_PATH = "django.contrib.auth.middleware.AuthenticationMiddleware"
DEFAULT_RESOLVER = "django_convert.identity.resolvers.default_resolver"
DELIVERY_MODES = ("background", "immediate", "task", "celery", "manual")


def is_convert_id(value: Any) -> bool:
    """Convert account, project, experience, variation and goal ids are digit strings."""
    return isinstance(value, str | int) and str(value).isdigit() and len(str(value)) <= 32


@register(Tags.compatibility)
def check_ids(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    # ENABLED=False (CI, development) renders and records nothing, so it needs no ids.
    missing = [name for name in ("ACCOUNT_ID", "PROJECT_ID") if not get_setting(name)]
    if missing and get_setting("ENABLED") and not get_setting("SDK_KEY"):
        messages.append(
            Error(
                f"{SETTINGS_NAME}[{missing[0]!r}]"
                + "".join(f" and [{name!r}]" for name in missing[1:])
                + (" is" if len(missing) == 1 else " are")
                + " not set.",
                hint=(
                    f'Set {SETTINGS_NAME} = {{"ACCOUNT_ID": "...", "PROJECT_ID": "..."}} '
                    "with the ids from your Convert project's tracking code, "
                    'or set "SDK_KEY"; or "ENABLED": False where Convert is not used.'
                ),
                id="django_convert.E001",
            )
        )
    for name in ("ACCOUNT_ID", "PROJECT_ID"):
        value = get_setting(name)
        if value not in (None, "") and not is_convert_id(value):
            messages.append(
                Error(
                    f"{SETTINGS_NAME}[{name!r}] is {value!r}; Convert ids are digit strings.",
                    hint='Copy the id from Convert, e.g. "10012345".',
                    id="django_convert.E002",
                )
            )
    return messages


@register(Tags.compatibility)
def check_wire_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """E008: an SDK_KEY that cannot go into a path as it is; E009: SOURCE, ENVIRONMENT or
    USER_AGENT that Convert would not get as meant."""
    messages: list[CheckMessage] = []
    key = get_setting("SDK_KEY")
    if key not in (None, ""):
        text = str(key)
        if UNFIT_IN_PATH.search(text) or "" in text.split("/"):
            messages.append(
                Error(
                    f"{SETTINGS_NAME}['SDK_KEY'] is {text!r}: it goes into the tracking and "
                    "config URLs as it is (Convert's SDKs put its slash there unencoded), "
                    "so it cannot hold whitespace, '?', '#', '%' or an empty part between "
                    "slashes.",
                    hint="Copy the SDK key from Convert (Project settings), e.g. "
                    '"10035569/10034190".',
                    id="django_convert.E008",
                )
            )
    for name in ("SOURCE", "ENVIRONMENT"):
        value = get_setting(name)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            messages.append(
                Error(
                    f"{SETTINGS_NAME}[{name!r}] is {value!r}; it must be a non-empty string "
                    "or None.",
                    hint='SOURCE is the tracking body\'s optional "source"; ENVIRONMENT a '
                    'Convert environment name such as "production". None leaves them out.',
                    id="django_convert.E009",
                )
            )
    agent = get_setting("USER_AGENT")
    if not isinstance(agent, str) or not agent.startswith(USER_AGENT_PREFIX):
        messages.append(
            Error(
                f"{SETTINGS_NAME}['USER_AGENT'] is {agent!r}: Convert's tracking server "
                "treats other user agents as bots, answers 200 and drops the events, so "
                "delivery refuses to send with it.",
                hint='Leave USER_AGENT unset (the default is "ConvertAgent/1.0", what '
                "Convert's SDKs send), or start it with ConvertAgent/.",
                id="django_convert.E009",
            )
        )
    return messages


@register(Tags.compatibility)
def check_installed(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if "rest_framework" not in settings.INSTALLED_APPS:
        messages.append(
            Error(
                "django-convert's ingest endpoint needs Django REST framework.",
                hint='Add "rest_framework" to INSTALLED_APPS.',
                id="django_convert.E003",
            )
        )
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    if MIDDLEWARE_PATH not in middleware:
        messages.append(
            Error(
                "ConvertVisitorMiddleware is not installed, so requests get no visitor id.",
                hint=f'Add "{MIDDLEWARE_PATH}" to MIDDLEWARE after AuthenticationMiddleware.',
                id="django_convert.E004",
            )
        )
    elif AUTH_MIDDLEWARE_PATH in middleware and middleware.index(
        MIDDLEWARE_PATH
    ) < middleware.index(AUTH_MIDDLEWARE_PATH):
        messages.append(
            Error(
                "ConvertVisitorMiddleware runs before AuthenticationMiddleware, "
                "so it cannot see the logged-in user.",
                hint=f'Move "{MIDDLEWARE_PATH}" after "{AUTH_MIDDLEWARE_PATH}".',
                id="django_convert.E005",
            )
        )
    return messages


@register(Tags.compatibility)
def check_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    delivery = get_setting("DELIVERY")
    if delivery not in DELIVERY_MODES:
        messages.append(
            Error(
                f"{SETTINGS_NAME}['DELIVERY'] is {delivery!r}.",
                hint="Use one of: " + ", ".join(repr(mode) for mode in DELIVERY_MODES) + ".",
                id="django_convert.E006",
            )
        )
    currency = get_setting("CURRENCY")
    if currency is not None and not (
        isinstance(currency, str) and len(currency) == 3 and currency.isalpha()
    ):
        messages.append(
            Error(
                f"{SETTINGS_NAME}['CURRENCY'] is {currency!r}, not a three-letter ISO 4217 "
                "code: the report shows it beside every amount, and forwarded conversions "
                "send it as their currency.",
                hint='For example "EUR", "USD" or "GBP"; None shows amounts without a code.',
                id="django_convert.E010",
            )
        )
    for name in unknown_settings():
        suggestion = closest_names(name, DEFAULTS) if isinstance(name, str) else []
        messages.append(
            Warning(
                f"{SETTINGS_NAME}[{name!r}] is not a django-convert setting and is ignored."
                + (f" Did you mean {suggestion[0]!r}?" if suggestion else ""),
                hint="The settings are listed in the documentation's settings reference "
                "(docs/reference/settings.rst).",
                id="django_convert.W001",
            )
        )
    return messages


@register(Tags.urls)
def check_urls(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    if not getattr(settings, "ROOT_URLCONF", None):
        return []  # no URLconf at all: Django's own checks and runserver say so
    try:
        reverse("django_convert:context")
    except NoReverseMatch as error:
        return [
            Error(
                "django-convert's URLs are not included, so {% convert_head %} fails on every "
                f"page and the listener has nowhere to post ({error}).",
                hint='Add path("convert/", include("django_convert.urls")) to the urlpatterns '
                f"of {settings.ROOT_URLCONF}.",
                id="django_convert.E007",
            )
        ]
    return []


# Identity (E020-W029).
@register(Tags.compatibility)
def check_resolver_importable(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    from django_convert.identity.visitor import get_resolver

    try:
        get_resolver()
    except (ImportError, TypeError, ValueError) as error:
        path = get_setting("VISITOR_ID_RESOLVER")
        return [
            Error(
                f"{SETTINGS_NAME}['VISITOR_ID_RESOLVER'] is {path!r}, "
                f"which cannot be used: {error}",
                hint="Name a function that takes a request and returns a visitor id, "
                f'e.g. "{DEFAULT_RESOLVER}".',
                id="django_convert.E020",
            )
        ]
    return []


@register(Tags.security)
def check_resolver_pii(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    from django_convert.identity.selftest import resolver_leaks_pii

    try:
        leak = resolver_leaks_pii()
    except (ImportError, TypeError, ValueError):
        return []  # E020 reports it
    if leak is None:
        return []
    return [
        Warning(
            f"{SETTINGS_NAME}['VISITOR_ID_RESOLVER'] returned {leak} for a test user, "
            "which is personal data. Such ids are refused at run time (the visitor falls "
            "back to an anonymous id), so logged-in users are not recognised.",
            hint="Return an opaque id instead, e.g. an HMAC of the user's primary key, "
            "or use the default resolver.",
            id="django_convert.W020",
        )
    ]


@register(Tags.compatibility)
def check_report_setting(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """E060: the experiment report's REPORT setting (reports/settings.py)."""
    from django_convert.reports.settings import problems

    return [
        Error(
            problem,
            hint="See the REPORT setting in docs/reference/settings.rst.",
            id="django_convert.E060",
        )
        for problem in problems()
    ]


@register(Tags.compatibility)
def check_consent_and_proxies(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    from django_convert.identity.checks import (
        check_consent,
        check_cookie_prefixes,
        check_ingest_limit,
        check_num_proxies,
        check_platform,
    )

    return [
        *check_consent(),
        *check_platform(),
        *check_num_proxies(),
        *check_ingest_limit(),
        *check_cookie_prefixes(),
    ]


@register(Tags.security, deploy=True)
def check_deploy_cookie(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    from django_convert.identity.checks import check_deploy_cookie as check

    return check()


@register(Tags.compatibility)
def check_resolver_stitching(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    from django_convert.identity.selftest import resolver_cannot_stitch

    try:
        who = resolver_cannot_stitch()
    except (ImportError, TypeError, ValueError):
        return []  # E020 reports it
    if who is None:
        return []
    return [
        Warning(
            f"{SETTINGS_NAME}['VISITOR_ID_RESOLVER'] returned the same visitor id for {who} "
            "in a self-test, so login stitching cannot work with it: it would merge "
            "different people into one visitor, and Convert would count them as one.",
            hint="Return an id per person (e.g. an HMAC of the user's primary key), or None "
            "to use the browser's own id.",
            id="django_convert.W023",
        )
    ]


@register(Tags.models)
def check_conversion_rules(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    # The rule checks live beside the rules they check.
    from django_convert.conversions.checks import check_rules

    return check_rules()


@register(Tags.compatibility)
def check_delivery(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    # DELIVERY checks (E030-E039, W030-W039) live beside the dispatchers.
    from django_convert.delivery.checks import check_delivery as check

    return check()


@register(Tags.compatibility)
def check_forwarding(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    # FORWARD (E300-E306, W300-W302) lives beside the forwarding outbox.
    from django_convert.forwarding.checks import check_forwarding as check

    return check()


@register(Tags.compatibility)
def check_project_config(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    # Rules' goal ids against the last synced project config (W200-W204, I202).
    from django_convert.project.checks import check_project_config as check

    return check()


@register(Tags.compatibility)
def check_database_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    # W050-W059: the settings of the database holding django-convert's tables (read from
    # DATABASES, without connecting: not a Tags.database check, so `check` reports them).
    from django_convert.models.checks import check_databases

    return check_databases()


@register(Tags.models)
def check_conversion_moments(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    # E113, W111: when a conversion happened, for the bucketing the sweep records it with.
    from django_convert.conversions.moment_checks import check_moments

    return check_moments()


# Going live (E040-E043, W040-W044): only with `check --deploy`, and in convert_doctor.
SECURITY_IDS = frozenset({"django_convert.W041", "django_convert.E042"})


@register(Tags.security, "deployment", deploy=True)
def check_deploy_security(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    from django_convert.reports.deploy_checks import check_deploy

    return [message for message in check_deploy() if message.id in SECURITY_IDS]


@register("deployment", deploy=True)
def check_deploy_standins(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    from django_convert.reports.deploy_checks import check_deploy

    return [message for message in check_deploy() if message.id not in SECURITY_IDS]
