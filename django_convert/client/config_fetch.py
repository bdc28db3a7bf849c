"""Fetch a Convert project's configuration over HTTP (no models, no settings).

``GET {config_url}/api/v1/config/{account_id}/{project_id}`` needs no key unless the
project turned the default config off; ``GET {config_url}/api/v1/config/{sdk_key}`` (the
key as is, its slash included) takes an optional ``Authorization: Bearer <secret>``, and
both take ``?environment=<name>`` ("Filter experiences based on environment", the
``GetProjectConfigBySdkKeyData`` type). Captured from Convert's JS SDK 4.4.3 and Python
SDK 2.1.0 (``tests/convert_artifacts/bodies/*/01-config-request.json``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from urllib.parse import quote, urlencode

import requests

from django_convert.client.config import USER_AGENT_PREFIX, key_path
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
    #: Sent as ``?environment=``, and experiences of other environments are left out.
    environment: str | None = None
    user_agent: str = "ConvertAgent/1.0"
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
        """The URL fetched: ``.../api/v1/config/{sdk_key or account/project}[?environment=]``."""
        base = f"{self.config_url.rstrip('/')}/api/v1/config"
        if self.sdk_key:
            url = f"{base}/{key_path(self.sdk_key)}"
        else:
            account = quote(str(self.account_id), safe="")
            url = f"{base}/{account}/{quote(str(self.project_id), safe='')}"
        if self.environment:
            url = f"{url}?{urlencode({'environment': self.environment})}"
        return url

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
        missing or wrong), or ConvertConfigError (not JSON, not a project config at all, or
        another project's configuration). Items that cannot be used are skipped and listed
        in the result's ``warnings`` (see :func:`parse_project_config`).
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
        config = parse_project_config(data, environment=self.source.environment)
        return self._check_project(config)

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

    def _check_project(self, config: ProjectConfig) -> ProjectConfig:
        """Refuse another project's config; note one that names no project."""
        source = self.source
        if source.sdk_key:
            return config  # the key names the project; there is nothing to compare with
        served = {"account": config.account_id, "project": config.project_id}
        wanted = {"account": source.account_id, "project": source.project_id}
        for name, value in served.items():
            if value and value != wanted[name]:
                raise ConvertConfigError(
                    f"Convert served the config of account {config.account_id or '?'} / "
                    f"project {config.project_id or '?'}, not {source.account_id} / "
                    f"{source.project_id}."
                )
        labels = {"account": "account_id", "project": "project.id"}
        unnamed = [labels[name] for name, value in served.items() if not value]
        if not unnamed:
            return config
        note = (
            f"{' and '.join(unnamed)}: missing, so the config cannot be checked to be "
            f"project {source.project_id}'s."
        )
        return replace(config, warnings=(note, *config.warnings))
