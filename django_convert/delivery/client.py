"""The tracking client configured from settings, one per configuration (pooled sessions)."""

from __future__ import annotations

import threading

from django.core.exceptions import ImproperlyConfigured

from django_convert.client import ClientConfig, ConvertClient
from django_convert.conf import SETTINGS_NAME, get_setting

LEASE_MARGIN = 2.0  # seconds of lease left over after a request that runs into TIMEOUT
_clients: dict[ClientConfig, ConvertClient] = {}
_lock = threading.Lock()


def client_config() -> ClientConfig:
    """A ClientConfig from DJANGO_CONVERT, or ImproperlyConfigured saying what to fix."""

    def text(name: str) -> str | None:
        value = get_setting(name)
        return None if value in (None, "") else str(value)

    try:
        return ClientConfig(
            tracking_url=str(get_setting("TRACKING_URL")),
            account_id=text("ACCOUNT_ID"),
            project_id=text("PROJECT_ID"),
            sdk_key=text("SDK_KEY"),
            sdk_secret=text("SDK_SECRET"),
            enrich_data=bool(get_setting("ENRICH_DATA")),
            source=text("SOURCE"),
            user_agent=str(get_setting("USER_AGENT")),
            timeout=float(get_setting("TIMEOUT")),
        )
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"{SETTINGS_NAME}: {exc}") from exc


def get_client() -> ConvertClient:
    """The client for the current settings; its session is reused across calls and threads."""
    config = client_config()
    lease = float(get_setting("LEASE_SECONDS"))
    if lease < 2 * config.timeout + LEASE_MARGIN:
        # A claimed batch may wait for the request before it (pipelining) and then run
        # into the timeout itself; a lease shorter than that could run out mid-send and
        # let another worker send the same conversions again.
        raise ImproperlyConfigured(
            f"{SETTINGS_NAME}['LEASE_SECONDS'] ({lease:g}) must be at least "
            f"2 * TIMEOUT + {LEASE_MARGIN:g} ({2 * config.timeout + LEASE_MARGIN:g})."
        )
    with _lock:
        client = _clients.get(config)
        if client is None:
            client = _clients[config] = ConvertClient(config)
        return client


def reset_clients(*, close: bool = True) -> None:
    """Forget every client; ``close=False`` after a fork (the sockets are the parent's)."""
    with _lock:
        clients = list(_clients.values())
        _clients.clear()
    if close:
        for client in clients:
            client.close()
