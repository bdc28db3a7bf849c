"""Fetching and parsing a project's configuration, against the stand-in's real HTTP server."""

from __future__ import annotations

import copy
import re
from decimal import Decimal

import pytest

from django_convert.client import ConfigClient, ConfigSource, parse_project_config
from django_convert.exceptions import (
    ConvertConfigError,
    ConvertRejectedError,
    ConvertTransientError,
)
from django_convert.testing.project_config import sample_config
from django_convert.testing.tracking_server import ConvertStandIn


@pytest.fixture
def server():
    with ConvertStandIn(account_id="10012345", project_id="10056789") as running:
        yield running


def client(server: ConvertStandIn, **changes) -> ConfigClient:
    values = {
        "config_url": server.config_url,
        "account_id": "10012345",
        "project_id": "10056789",
        "timeout": 1.0,
    }
    return ConfigClient(ConfigSource(**{**values, **changes}))


def test_fetch_by_account_and_project(server) -> None:
    config = client(server).fetch()
    assert (config.account_id, config.project_id) == ("10012345", "10056789")
    checkout = next(e for e in config.experiences if e.id == "100127238")
    assert checkout.name == "Checkout button colour"
    assert checkout.status == "active"
    assert checkout.goal_ids == ("100037225", "100037226")
    assert [(v.id, v.name, v.traffic_allocation) for v in checkout.variations] == [
        ("1001186427", "A: blue button", Decimal(50)),
        ("1001186428", "B: green button", Decimal(50)),
    ]
    assert config.warnings == ()
    assert {g.id: g.type for g in config.goals}["100037225"] == "revenue"
    assert config.archived_experience_ids == ("100127100",)
    [request] = server.config.requests
    assert request.path == "/api/v1/config/10012345/10056789"
    assert request.headers["user-agent"].startswith("ConvertAgent/")
    assert "authorization" not in request.headers


def test_fetch_by_sdk_key_sends_the_secret_and_keeps_the_keys_slash(server) -> None:
    key = "10035569/10034190"  # Convert's demo key: its slash goes into the path as is
    server.config.sdk_key, server.config.sdk_secret = key, "s3cret"
    config = client(server, sdk_key=key, sdk_secret="s3cret").fetch()
    assert config.project_id == "10056789"
    assert server.config.requests[-1].path == f"/api/v1/config/{key}"
    assert server.config.requests[-1].headers["authorization"] == "Bearer s3cret"
    with pytest.raises(ConvertRejectedError) as error:
        client(server, sdk_key=key, sdk_secret="wrong").fetch()
    assert error.value.status_code == 401


def test_the_stand_in_refuses_a_percent_encoded_slash(server) -> None:
    server.config.sdk_key = "10035569/10034190"
    status, body = server.config.answer("/api/v1/config/10035569%2F10034190", {})
    assert status == 404
    assert b"percent-encoded" in body


def test_environment_is_asked_for_and_other_environments_are_left_out(server) -> None:
    data = sample_config()
    data["experiences"][1]["environment"] = "staging"
    server.config.serve(data)
    server.config.filter_environments = False  # a mixed answer, as the CDN gives unasked
    config = client(server, environment="production").fetch()
    assert server.config.requests[-1].path.endswith("?environment=production")
    assert server.config.requests[-1].environment == "production"
    assert [e.id for e in config.experiences] == ["100127238", "100127240"]
    assert config.other_environments == {"staging": 1}
    assert config.environment == "production"


def test_one_session_for_many_fetches(server) -> None:
    fetcher = client(server)
    for _ in range(3):
        fetcher.fetch()
    assert server.connections == 1


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (lambda s: s.config.fail(503), ConvertTransientError),
        (lambda s: s.config.fail(429), ConvertTransientError),
        (lambda s: s.config.fail(403), ConvertRejectedError),
        (lambda s: s.config.slow(1.5), ConvertTransientError),
        (lambda s: s.config.garble(), ConvertConfigError),
        (lambda s: s.config.serve({"code": 200, "message": "OK"}), ConvertConfigError),
        (lambda s: s.config.serve([sample_config()]), ConvertConfigError),
        (lambda s: s.stop(), ConvertTransientError),
    ],
    ids=["5xx", "429", "403", "timeout", "not json", "not a config", "not an object", "down"],
)
def test_failures_map_to_the_error_hierarchy(server, fault, error) -> None:
    fault(server)
    with pytest.raises(error):
        client(server).fetch()


def test_another_projects_config_is_refused(server) -> None:
    server.config.serve(sample_config("10012345", "99999999"))
    with pytest.raises(ConvertConfigError, match="project 99999999, not 10012345 / 10056789"):
        client(server).fetch()


def shape(**edit):
    data = sample_config()
    for path, value in edit.items():
        target = data
        *parents, last = path.split("__")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value
    return data


@pytest.mark.parametrize(
    ("data", "warning", "kept"),
    [
        (shape(project="x"), "project: skipped", lambda c: len(c.experiences) == 3),
        (shape(goals={"id": "1"}), "goals: skipped, an array", lambda c: c.goals == ()),
        (
            shape(goals__0__id=None),
            r"goals\[0\]: skipped, it has no id",
            lambda c: len(c.goals) == 2,
        ),
        (
            shape(experiences__1__variations__0__id=""),
            r"experiences\[1\] \(100127239\).variations\[0\]: skipped, its id",
            lambda c: len(c.experiences[1].variations) == 2,
        ),
        (
            shape(experiences__0__variations__0__traffic_allocation="50%"),
            r"\(1001186427\).traffic_allocation: ignored, a percentage",
            lambda c: c.experiences[0].variations[0].traffic_allocation is None,
        ),
        (
            shape(experiences__0__variations__0__traffic_allocation=5000),
            "a percentage from 0 to 100 was expected, got int 5000",
            lambda c: c.experiences[0].variations[0].traffic_allocation is None,
        ),
        (
            shape(experiences__0__name=["x"]),
            r"experiences\[0\] \(100127238\).name: left empty",
            lambda c: c.experiences[0].name == "" and c.experiences[0].id == "100127238",
        ),
        (
            shape(experiences__0__goals="100037225"),
            r"\(100127238\).goals: skipped, an array",
            lambda c: c.experiences[0].goal_ids == (),
        ),
        (
            shape(goals__1__id="100037225"),
            r"goals\[1\]: skipped, id 100037225 appears twice",
            lambda c: [g.name for g in c.goals] == ["Purchase", "Newsletter signup"],
        ),
        (
            shape(experiences__1__variations__0__id="1001186427"),
            "is a variation of experience 100127238 too",
            lambda c: [v.id for v in c.experiences[1].variations] == ["1001186401", "1001186402"],
        ),
        (
            shape(archived_experiences__0="x" * 40),
            r"archived_experiences\[0\]: skipped",
            lambda c: c.archived_experience_ids == (),
        ),
        (shape(experiences__2=[]), r"experiences\[2\]: skipped, an object", lambda c: True),
    ],
)
def test_an_item_that_cannot_be_used_is_skipped_and_recorded(data, warning, kept) -> None:
    config = parse_project_config(data)
    assert len(config.warnings) == 1, config.warnings
    assert re.search(warning, config.warnings[0]), config.warnings[0]
    assert kept(config)
    assert len(config.experiences) >= 2  # the rest of the config is kept


def test_warnings_are_capped_and_counted() -> None:
    data = sample_config()
    data["goals"] = [{"key": f"no-id-{n}"} for n in range(80)]
    warnings = parse_project_config(data).warnings
    assert len(warnings) == 51
    assert warnings[-1] == "... and 30 more."


@pytest.mark.parametrize(
    "data",
    [[], "config", None, {"code": 200, "message": "OK"}, {"error": "no such project"}],
)
def test_what_is_not_a_project_config_at_all_is_refused(data) -> None:
    with pytest.raises(ConvertConfigError, match="config"):
        parse_project_config(data)


@pytest.mark.parametrize(
    ("given", "read"),
    [
        (50.0, Decimal(50)),
        (12.5, Decimal("12.5")),
        (33.3333, Decimal("33.3333")),
        (100, Decimal(100)),
        (0, Decimal(0)),
        ("87.5", Decimal("87.5")),
        (None, None),
        (float("nan"), None),
        (-1, None),
        (100.01, None),
        (True, None),
    ],
)
def test_traffic_allocation_is_a_percentage(given, read) -> None:
    data = shape(experiences__0__variations__0__traffic_allocation=given)
    assert parse_project_config(data).experiences[0].variations[0].traffic_allocation == read


def test_optional_fields_may_be_missing_or_null_and_ids_may_be_numbers() -> None:
    data = {
        "account_id": 10012345,
        "project": {"id": 10056789},
        "goals": None,
        "experiences": [{"id": 7, "variations": [{"id": 8, "traffic_allocation": 33.34}]}],
    }
    config = parse_project_config(data)
    assert config.project_id == "10056789"
    assert config.experiences[0].variations[0].id == "8"
    assert config.experiences[0].variations[0].traffic_allocation == Decimal("33.34")
    assert config.goals == ()
    assert config.warnings == ()


def test_a_config_that_names_no_project_is_used_with_a_warning(server) -> None:
    data = sample_config()
    del data["account_id"]
    server.config.serve(data)
    config = client(server).fetch()
    assert len(config.experiences) == 3
    assert config.warnings == (
        "account_id: missing, so the config cannot be checked to be project 10056789's.",
    )


def test_unknown_fields_are_ignored() -> None:
    data = copy.deepcopy(sample_config())
    data["experiences"][0]["something_new"] = {"a": 1}
    data["brand_new_section"] = [1, 2]
    assert parse_project_config(data) == parse_project_config(sample_config())


def test_source_validation() -> None:
    with pytest.raises(ValueError, match="http"):
        ConfigSource(config_url="cdn-4.convertexperiments.com", sdk_key="k")
    with pytest.raises(ValueError, match="ConvertAgent/"):
        ConfigSource(config_url="https://x", sdk_key="k", user_agent="python-requests/2")
    with pytest.raises(ValueError, match="sdk_key"):
        ConfigSource(config_url="https://x", account_id="1")
    source = ConfigSource(config_url="https://cdn-4.convertexperiments.com/", sdk_key="a/b")
    assert source.endpoint == "https://cdn-4.convertexperiments.com/api/v1/config/a/b"
    staging = ConfigSource(config_url="https://x", sdk_key="a/b", environment="pre prod")
    assert staging.endpoint == "https://x/api/v1/config/a/b?environment=pre+prod"


def test_refusals_say_which_setting_to_check(server) -> None:
    server.config.fail(403, body='{"code": 403, "message": "Forbidden"}')
    with pytest.raises(ConvertRejectedError, match=r"Forbidden.*set SDK_KEY"):
        client(server).fetch()
    with pytest.raises(ConvertRejectedError, match="check ACCOUNT_ID and PROJECT_ID"):
        client(server, project_id="999").fetch()
    server.config.sdk_key, server.config.sdk_secret = "key-1", "s3cret"
    with pytest.raises(ConvertRejectedError, match="check SDK_SECRET"):
        client(server, sdk_key="key-1").fetch()
