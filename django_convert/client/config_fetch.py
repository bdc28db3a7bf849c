"""Fetch a Convert project's configuration over HTTP (no models, no settings).

``GET {config_url}/api/v1/config/{account_id}/{project_id}`` needs no key unless the
project turned the default config off; ``GET {config_url}/api/v1/config/{sdk_key}`` takes
an optional ``Authorization: Bearer <secret>`` (CONVERT_FACTS.md; the route is the one
``convert-python-sdk`` 2.1.0's transport builds).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote

import requests

from django_convert.client.config import USER_AGENT_PREFIX
from django_convert.client.deadline import new_session
from django_convert.client.project_config import ProjectConfig, parse_project_config
from django_convert.client.transport import (
    TRANSIENT_STATUSES,
    converts_message,
    exchange,
)
from django_convert.exceptions import (
    ConvertConfigError,
    ConvertRejectedError,
    ConvertTransientError,
)

MAX_CONFIG_BYTES = 20 * 1024 * 1024  # a config is tens of KB; refuse anything absurd


@dataclass(frozen=True)
class ConfigSource:
    """Where a project's configuration is served, validated once."""

    config_url: str
    account_id: str | None = None
    project_id: str | None = None
    sdk_key: str | None = None
    sdk_secret: str | None = None
    user_agent: str = "ConvertAgent/1.0 (django-convert)"
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if not self.config_url.startswith(("http://", "https://")):
            raise ValueError(f"config_url must be an http(s) URL, not {self.config_url!r}.")
        if not self.sdk_key and not (self.account_id and self.project_id):
            raise ValueError("Give an sdk_key, or both account_id and project_id.")
        if not self.user_agent.startswith(USER_AGENT_PREFIX):
            raise ValueError(f"user_agent must start with {USER_AGENT_PREFIX!r}.")
        if not self.timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, not {self.timeout!r}.")

    @property
    def endpoint(self) -> str:
        base = f"{self.config_url.rstrip('/')}/api/v1/config"
        if self.sdk_key:
            return f"{base}/{quote(str(self.sdk_key), safe='')}"
        account = quote(str(self.account_id), safe="")
        return f"{base}/{account}/{quote(str(self.project_id), safe='')}"

    def headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": self.user_agent}
        if self.sdk_key and self.sdk_secret:
            headers["Authorization"] = f"Bearer {self.sdk_secret}"
        return headers


class ConfigClient:
    """One ``requests.Session`` per client, reused for every fetch."""

    def __init__(self, source: ConfigSource, session: requests.Session | None = None) -> None:
        self.source = source
        self.session = session or new_session()
        self.session.headers.update(source.headers())

    def close(self) -> None:
        self.session.close()

    def fetch(self) -> ProjectConfig:
        """GET and parse the configuration.

        Raises ConvertTransientError (no complete answer within ``timeout``, the total
        deadline for the whole exchange; a connection error; 5xx, 408/425/429),
        ConvertRejectedError (any other non-2xx: a wrong key or project, a secret that is
        missing or wrong), or ConvertConfigError (not JSON, not the published shape, or
        another project's configuration).
        """
        answer = exchange(
            self.session,
            "GET",
            self.source.endpoint,
            timeout=self.source.timeout,
            max_body=MAX_CONFIG_BYTES,
            follow_redirects=True,
        )
        status = answer.status
        if not 200 <= status < 300:
            text = answer.text
            said = converts_message(text)
            error = (
                ConvertTransientError
                if status >= 500 or status in TRANSIENT_STATUSES
                else ConvertRejectedError
            )
            raise error(
                f"Convert did not serve the project config{said}{self._hint(status)}",
                status_code=status,
                response_body=text,
            )
        if len(answer.body) > MAX_CONFIG_BYTES:
            raise ConvertConfigError(f"The config is larger than {MAX_CONFIG_BYTES} bytes.")
        try:
            data = json.loads(answer.body)
        except ValueError as exc:
            raise ConvertConfigError(
                f"The config is not JSON ({exc}).",
                status_code=status,
                response_body=answer.text,
            ) from exc
        config = parse_project_config(data)
        self._check_project(config)
        return config

    def _hint(self, status: int) -> str:
        if status in (401, 403):
            if self.source.sdk_key:
                return " (check SDK_SECRET: the key's secret, sent as a Bearer token)"
            return (
                " (the project may have turned its default config off: set SDK_KEY, and "
                "SDK_SECRET if the key has one)"
            )
        if status == 404:
            return " (check ACCOUNT_ID and PROJECT_ID, or SDK_KEY)"
        return ""

    def _check_project(self, config: ProjectConfig) -> None:
        source = self.source
        if source.sdk_key:
            return  # the key names the project; there is nothing to compare with
        if (config.account_id, config.project_id) != (source.account_id, source.project_id):
            raise ConvertConfigError(
                f"Convert served the config of account {config.account_id} / project "
                f"{config.project_id}, not {source.account_id} / {source.project_id}."
            )
