"""Everything the client needs to reach Convert, validated once."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

USER_AGENT_PREFIX = "ConvertAgent/"


@dataclass(frozen=True)
class ClientConfig:
    tracking_url: str
    account_id: str | None = None
    project_id: str | None = None
    sdk_key: str | None = None
    sdk_secret: str | None = None
    enrich_data: bool = True
    source: str | None = "js-sdk"
    user_agent: str = "ConvertAgent/1.0 (django-convert)"
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if not self.tracking_url.startswith(("http://", "https://")):
            raise ValueError(f"tracking_url must be an http(s) URL, not {self.tracking_url!r}.")
        if not self.sdk_key and not (self.account_id and self.project_id):
            raise ValueError("Give an sdk_key, or both account_id and project_id.")
        # Convert answers 200 but silently drops events from any other user agent.
        if not self.user_agent.startswith(USER_AGENT_PREFIX):
            raise ValueError(
                f"user_agent must start with {USER_AGENT_PREFIX!r} or Convert drops the events; "
                f"got {self.user_agent!r}."
            )
        if not self.timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, not {self.timeout!r}.")

    @property
    def endpoint(self) -> str:
        """``{tracking_url}/{sdk_key}`` when there is a key, else ``/{account}/{project}``."""
        base = self.tracking_url.rstrip("/")
        if self.sdk_key:
            return f"{base}/{quote(str(self.sdk_key), safe='')}"
        return (
            f"{base}/{quote(str(self.account_id), safe='')}/{quote(str(self.project_id), safe='')}"
        )

    def headers(self) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": self.user_agent,
        }
        if self.sdk_secret:
            headers["Authorization"] = f"Bearer {self.sdk_secret}"
        return headers
