"""Everything the client needs to reach Convert, validated once."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

USER_AGENT_PREFIX = "ConvertAgent/"
#: Characters RFC 3986 allows as they are in a path (``pchar`` and ``/``): an SDK key goes
#: into the path unchanged, slash included (``/v1/track/10035569/10034190``), as every
#: Convert SDK puts it; only what a path cannot hold (a space, ``?``, ``#``, ``%``,
#: non-ASCII) is percent-encoded.
PATH_SAFE = "/:@!$&'()*+,;="


def key_path(sdk_key: str) -> str:
    """An SDK key as a URL path: as is, its slash included (see :data:`PATH_SAFE`)."""
    return quote(str(sdk_key), safe=PATH_SAFE)


@dataclass(frozen=True)
class ClientConfig:
    tracking_url: str
    account_id: str | None = None
    project_id: str | None = None
    sdk_key: str | None = None
    sdk_secret: str | None = None
    enrich_data: bool = True
    # Not in Convert's request type, and not in the source guide's body: sent only when set.
    source: str | None = None
    user_agent: str = "ConvertAgent/1.0"
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
        """``{tracking_url}/{sdk_key}`` (the key as is, slash included) when there is a key,
        else ``{tracking_url}/{account}/{project}``."""
        base = self.tracking_url.rstrip("/")
        if self.sdk_key:
            return f"{base}/{key_path(self.sdk_key)}"
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
