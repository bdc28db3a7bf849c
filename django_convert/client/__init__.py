"""Convert's Experiences Tracking API client.

Pure on purpose: it is handed a :class:`ClientConfig` and plain events, and knows nothing
of models or settings, so it can be tested with a local HTTP server alone.
"""

from __future__ import annotations

from django_convert.client.body import ConversionEvent, build_body, encode_json, split_body
from django_convert.client.config import USER_AGENT_PREFIX, ClientConfig
from django_convert.client.config_fetch import ConfigClient, ConfigSource
from django_convert.client.project_config import (
    ExperienceConfig,
    GoalConfig,
    ProjectConfig,
    VariationConfig,
    parse_project_config,
    traffic_shares,
)
from django_convert.client.transport import ConvertClient, TrackResult, parse_retry_after

__all__ = [
    "USER_AGENT_PREFIX",
    "ClientConfig",
    "ConfigClient",
    "ConfigSource",
    "ConversionEvent",
    "ConvertClient",
    "ExperienceConfig",
    "GoalConfig",
    "ProjectConfig",
    "TrackResult",
    "VariationConfig",
    "build_body",
    "encode_json",
    "parse_project_config",
    "parse_retry_after",
    "split_body",
    "traffic_shares",
]
