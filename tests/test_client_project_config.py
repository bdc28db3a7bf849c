"""Fetching and parsing a project's configuration, against the stand-in's real HTTP server."""

from __future__ import annotations

import copy

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
        ("1001186427", "A: blue button", 5000),
        ("1001186428", "B: green button", 5000),
    ]
    assert {g.id: g.type for g in config.goals}["100037225"] == "revenue"
    assert config.archived_experience_ids == ("100127100",)
    [request] = server.config.requests
    assert request.path == "/api/v1/config/10012345/10056789"
    assert request.headers["user-agent"].startswith("ConvertAgent/")
    assert "authorization" not in request.headers


def test_fetch_by_sdk_key_sends_the_secret(server) -> None:
    server.config.sdk_key, server.config.sdk_secret = "key-1", "s3cret"
    config = client(server, sdk_key="key-1", sdk_secret="s3cret").fetch()
    assert config.project_id == "10056789"
    assert server.config.requests[-1].path == "/api/v1/config/key-1"
    assert server.config.requests[-1].headers["authorization"] == "Bearer s3cret"
    with pytest.raises(ConvertRejectedError) as error:
        client(server, sdk_key="key-1", sdk_secret="wrong").fetch()
    assert error.value.status_code == 401


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
        (lambda s: s.config.serve({"account_id": "10012345"}), ConvertConfigError),
        (lambda s: s.stop(), ConvertTransientError),
    ],
    ids=["5xx", "429", "403", "timeout", "not json", "no project", "down"],
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
    ("data", "message"),
    [
        ([], "the config: must be an object"),
        (shape(project=None), "project: must be an object"),
        (shape(goals={"id": "1"}), "goals: must be an array"),
        (shape(goals__0__id=None), r"goals\[0\].id: required"),
        (shape(experiences__1__variations__0__id=""), r"experiences\[1\].variations\[0\].id"),
        (
            shape(experiences__0__variations__0__traffic_allocation="50%"),
            "traffic_allocation: must be a number",
        ),
        (
            shape(experiences__0__variations__0__traffic_allocation=10001),
            "must be from 0 to 10000",
        ),
        (shape(experiences__0__name=["x"]), r"experiences\[0\].name: must be a string"),
        (shape(experiences__0__goals="100037225"), r"experiences\[0\].goals: must be an array"),
        (shape(goals__1__id="100037225"), "goals: id '100037225' appears twice"),
        (shape(archived_experiences__0="x" * 40), "longer than 32"),
    ],
)
def test_bad_shapes_name_the_field(data, message) -> None:
    with pytest.raises(ConvertConfigError, match=message):
        parse_project_config(data)


def test_optional_fields_may_be_missing_or_null_and_ids_may_be_numbers() -> None:
    data = {
        "account_id": 10012345,
        "project": {"id": 10056789},
        "goals": None,
        "experiences": [{"id": 7, "variations": [{"id": 8, "traffic_allocation": 3333.4}]}],
    }
    config = parse_project_config(data)
    assert config.project_id == "10056789"
    assert config.experiences[0].variations[0].id == "8"
    assert config.experiences[0].variations[0].traffic_allocation == 3333
    assert config.goals == ()


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
    assert source.endpoint == "https://cdn-4.convertexperiments.com/api/v1/config/a%2Fb"


def test_refusals_say_which_setting_to_check(server) -> None:
    server.config.fail(403, body='{"code": 403, "message": "Forbidden"}')
    with pytest.raises(ConvertRejectedError, match=r"Forbidden.*set SDK_KEY"):
        client(server).fetch()
    with pytest.raises(ConvertRejectedError, match="check ACCOUNT_ID and PROJECT_ID"):
        client(server, project_id="999").fetch()
    server.config.sdk_key, server.config.sdk_secret = "key-1", "s3cret"
    with pytest.raises(ConvertRejectedError, match="check SDK_SECRET"):
        client(server, sdk_key="key-1").fetch()
