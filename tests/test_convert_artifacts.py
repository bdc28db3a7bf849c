"""Golden tests against Convert's own artifacts (tests/convert_artifacts/README.md): real
configs from its SDK repositories through the parser, the sync, the admin, the report's
traffic split and the doctor; our tracking requests compared field by field with the ones
Convert's JS and Python SDKs were captured sending; our stand-ins serving and accepting what
those SDKs send, and refusing what Convert's types refuse."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
import requests
from django.core.management import call_command
from django.urls import reverse

from django_convert import track_conversion
from django_convert.client import parse_project_config
from django_convert.delivery.client import reset_clients
from django_convert.delivery.deliver import deliver_due
from django_convert.models import (
    Bucketing,
    ConfigSync,
    Conversion,
    Experience,
    Exposure,
    Variation,
    Visitor,
)
from django_convert.project.checks import check_project_config
from django_convert.project.sync import reset_config_clients, sync_project_config
from django_convert.reports.doctor import diagnose_conversion
from django_convert.reports.doctor_project import diagnose_project
from django_convert.reports.experiment import build_report
from django_convert.reports.srm import configured_shares
from django_convert.testing.tracking_server import ConvertStandIn
from tests.convert_artifacts import (
    ACCOUNT_ID,
    CONFIG_FILES,
    COUNT_GOAL,
    EXPERIENCE_ID,
    PROJECT_ID,
    REVENUE_GOAL,
    SDK_KEY,
    SECRET,
    VARIATION_ID,
    VISITOR_ID,
    capture,
    captures,
    load_config,
)
from tests.convert_artifacts.typescript import TARGET, render
from tests.fixtures_ingest import IngestClient

HUNDRED_PERCENT = Decimal(100)
START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 11, 15, tzinfo=UTC)
EMPTY_VARIATION = "experiences[2] (100218247).variations[0]: skipped, it has no id (dict {})."
#: (experiences, variations, goals, warnings) each kept config parses into.
PARSED = {
    "cdn": (4, 8, 3, ()),
    "cdn-staging": (2, 4, 3, ()),
    "shared-test": (3, 4, 4, (EMPTY_VARIATION,)),
    "shared-test-flat": (3, 4, 4, (EMPTY_VARIATION,)),
}


# Parsing: no database ----------------------------------------------------------------------


@pytest.mark.parametrize("name", CONFIG_FILES)
def test_every_kept_config_parses_and_only_the_empty_variation_is_skipped(name) -> None:
    config = parse_project_config(load_config(name))
    experiences, variations, goals, warnings = PARSED[name]
    assert (len(config.experiences), config.variation_count, len(config.goals)) == (
        experiences,
        variations,
        goals,
    )
    assert config.warnings == warnings
    # Percent, as Convert serves it: every variation of these configs is 50 %.
    allocations = {v.traffic_allocation for e in config.experiences for v in e.variations}
    assert allocations == {Decimal(50)}


def test_the_shared_config_reads_the_same_in_both_shapes() -> None:
    assert parse_project_config(load_config("shared-test")) == parse_project_config(
        load_config("shared-test-flat")
    )


@pytest.mark.parametrize(
    ("environment", "kept", "others"),
    [
        (None, {"100334665", "100349071", "100334667", "100346442"}, {}),
        ("staging", {"100334665", "100349071"}, {"production": 2}),
        ("production", {"100334667", "100346442"}, {"staging": 2}),
        ("live", set(), {"staging": 2, "production": 2}),
    ],
)
def test_the_cdn_answer_mixes_environments_and_environment_picks_one(
    environment, kept, others
) -> None:
    config = parse_project_config(load_config("cdn"), environment=environment)
    assert {e.id for e in config.experiences} == kept
    assert config.other_environments == others
    # The staging snapshot is what the CDN serves for ?environment=staging.
    if environment == "staging":
        snapshot = parse_project_config(load_config("cdn-staging"), environment="staging")
        assert {e.id for e in snapshot.experiences} == kept


def test_the_shared_configs_deprecated_environments_list_is_honoured() -> None:
    live = parse_project_config(load_config("shared-test"), environment="live")
    assert len(live.experiences) == 3
    production = parse_project_config(load_config("shared-test"), environment="production")
    assert production.experiences == ()
    assert production.other_environments == {"live, staging": 3}


# Sync, admin, report, doctor ---------------------------------------------------------------


@pytest.fixture
def golden_server(config_server, convert_settings) -> ConvertStandIn:
    """The stand-in, addressed by the captures' SDK key (the configs are another account's
    than the test settings')."""
    config_server.sdk_key = config_server.config.sdk_key = SDK_KEY
    config_server.account_id = config_server.project_id = None
    config_server.config.account_id = config_server.config.project_id = None
    convert_settings(
        CONFIG_URL=config_server.config_url,
        TRACKING_URL=config_server.url,
        TIMEOUT=2.0,
        SDK_KEY=SDK_KEY,
        ACCOUNT_ID=ACCOUNT_ID,
        PROJECT_ID=PROJECT_ID,
    )
    reset_config_clients()
    reset_clients()
    return config_server


def sync(server: ConvertStandIn, data: Any) -> ConfigSync:
    server.config.serve(data)
    attempt = sync_project_config(trigger="test")
    assert attempt.ok, attempt.error
    return attempt


def seed(sizes: dict[str, int], experience_id: str) -> None:
    """Bucketed visitors per variation, inside the report's range."""
    visitors = Visitor.objects.bulk_create(
        [
            Visitor(visitor_id=f"v-{variation}-{n}", first_seen=START, last_seen=START)
            for variation, size in sizes.items()
            for n in range(size)
        ]
    )
    # The ingest writes both the bucketing and the exposure history the report counts on.
    for model in (Bucketing, Exposure):
        rows = iter(visitors)
        model.objects.bulk_create(
            [
                model(
                    visitor=next(rows),
                    experience_id=experience_id,
                    variation_id=variation,
                    first_seen=START,
                    last_seen=START,
                )
                for variation, size in sizes.items()
                for _ in range(size)
            ]
        )


@pytest.mark.django_db
@pytest.mark.parametrize("name", CONFIG_FILES)
def test_each_kept_config_syncs_and_reads_right_everywhere(
    golden_server, admin_client, convert_settings, name
):
    attempt = sync(golden_server, load_config(name))
    experiences, variations, goals, warnings = PARSED[name]
    assert (attempt.experiences, attempt.variations, attempt.goals) == (
        experiences,
        variations,
        goals,
    )
    assert attempt.warnings == list(warnings)
    assert attempt.url.endswith(f"/api/v1/config/{SDK_KEY}")
    assert golden_server.config.requests[-1].path == f"/api/v1/config/{SDK_KEY}"
    assert set(Variation.objects.values_list("traffic_allocation", flat=True)) == {Decimal(50)}

    # The admin: 50 %, and the skipped item where there is one.
    page = admin_client.get(reverse("admin:django_convert_experience_changelist")).content.decode()
    assert "(50 %)" in page
    assert "0.5 %" not in page
    sync_page = admin_client.get(
        reverse("admin:django_convert_configsync_change", args=[attempt.pk])
    ).content.decode()
    for warning in warnings:
        assert warning.replace("'", "&#x27;") in page
        assert warning.replace("'", "&#x27;") in sync_page

    # The report's split and its sample-ratio check: an even sample raises no alarm.
    experience = Experience.objects.filter(in_config=True).order_by("id").first()
    assert experience is not None
    configured = {v.id: v for v in experience.variations.all()}
    assert set(configured_shares(configured).values()) == {Decimal(50)}
    seed(dict.fromkeys(configured, 30), experience.id)
    report = build_report(experience.id, "100322783", START, END)
    assert report.sample_ratio.p_value == pytest.approx(1.0)
    assert not report.sample_ratio.mismatch
    assert {v.traffic_share for v in report.variations} == {Decimal(50)}

    # The doctor: the config is in use (a skipped item is a warning, never a failure). As
    # for a project live on Convert's URLs: the stand-in on this machine would be a go-live
    # failure with DEBUG off (tests/test_checks_deploy.py); the doctor never fetches.
    ConfigSync.objects.filter(pk=attempt.pk).update(
        url=f"https://cdn-4.convertexperiments.com/api/v1/config/{SDK_KEY}"
    )
    convert_settings(
        CONFIG_URL="https://cdn-4.convertexperiments.com",
        TRACKING_URL="https://metrics.convertexperiments.com/v1/track",
    )
    diagnosis = diagnose_project()
    assert diagnosis.ok, diagnosis.failed()
    statuses = {item.key: item.status for item in diagnosis.items}
    assert statuses["config"] == ("warn" if warnings else "pass")
    assert statuses["allocation"] == "pass"
    call_command("convert_doctor", stdout=StringIO())  # exits 0
    codes = {message.id for message in check_project_config()}
    assert ("django_convert.W205" in codes) == bool(warnings)


@pytest.mark.django_db
def test_a_12_5_87_5_split_with_a_proportional_sample_raises_no_alarm(golden_server, admin_client):
    data = load_config("cdn")
    experience = next(e for e in data["experiences"] if e["id"] == EXPERIENCE_ID)
    experience["variations"][0]["traffic_allocation"] = 12.5
    experience["variations"][1]["traffic_allocation"] = 87.5
    sync(golden_server, data)
    other = experience["variations"][1]["id"]
    assert dict(
        Variation.objects.filter(experience_id=EXPERIENCE_ID).values_list(
            "id", "traffic_allocation"
        )
    ) == {
        VARIATION_ID: Decimal("12.5"),
        other: Decimal("87.5"),
    }
    seed({VARIATION_ID: 125, other: 875}, EXPERIENCE_ID)
    report = build_report(EXPERIENCE_ID, COUNT_GOAL, START, END)
    assert report.sample_ratio.p_value == pytest.approx(1.0)
    assert not report.sample_ratio.mismatch
    # Stored as 12/88 (the old parser's rounding), the same sample was an alarm.
    from scipy import stats

    assert stats.chisquare([125, 875], [120, 880]).pvalue > 0.5
    page = admin_client.get(
        reverse("admin:django_convert_bucketing_report", args=[EXPERIENCE_ID]),
        {"goal": COUNT_GOAL, "start": "2026-11-01", "end": "2026-11-14"},
    ).content.decode()
    assert "12.5 %" in page
    assert "87.5 %" in page


@pytest.mark.django_db
def test_a_config_without_allocations_reads_as_equal_shares(golden_server, admin_client):
    data = load_config("cdn")
    experience = next(e for e in data["experiences"] if e["id"] == EXPERIENCE_ID)
    experience["variations"].append({**experience["variations"][1], "id": "1003180879"})
    for variation in experience["variations"]:
        del variation["traffic_allocation"]
    sync(golden_server, data)
    assert set(
        Variation.objects.filter(experience_id=EXPERIENCE_ID).values_list(
            "traffic_allocation", flat=True
        )
    ) == {None}
    ids = [v["id"] for v in experience["variations"]]
    seed(dict.fromkeys(ids, 40), EXPERIENCE_ID)
    report = build_report(EXPERIENCE_ID, COUNT_GOAL, START, END)
    assert report.sample_ratio.p_value == pytest.approx(1.0)
    assert {v.traffic_share for v in report.variations} == {HUNDRED_PERCENT / 3}
    assert all(v.traffic_allocation is None for v in report.variations)
    page = admin_client.get(reverse("admin:django_convert_experience_changelist")).content.decode()
    assert "33.33 % (equal share: no allocation in the config)" in page
    allocation = next(item for item in diagnose_project().items if item.key == "allocation")
    assert allocation.status == "warn"
    assert "Equal shares assumed" in allocation.detail


@pytest.mark.django_db
def test_environment_is_asked_for_and_honoured_when_the_answer_mixes_them(
    golden_server, convert_settings
) -> None:
    golden_server.config.filter_environments = False  # as the CDN answers without a filter
    attempt = sync(golden_server, load_config("cdn"))
    assert [message.id for message in check_project_config()] == ["django_convert.W206"]

    convert_settings(ENVIRONMENT="staging")
    reset_config_clients()
    attempt = sync(golden_server, load_config("cdn"))
    assert golden_server.config.requests[-1].path == f"/api/v1/config/{SDK_KEY}?environment=staging"
    assert (attempt.experiences, attempt.environment, attempt.other_environments) == (
        2,
        "staging",
        {"production": 2},
    )
    assert set(Experience.objects.filter(in_config=True).values_list("environment", flat=True)) == {
        "staging"
    }
    assert check_project_config() == []

    # A name the project does not use leaves nothing: W207 says so.
    convert_settings(ENVIRONMENT="production")
    reset_config_clients()
    sync(golden_server, load_config("shared-test"))
    codes = [message.id for message in check_project_config()]
    assert codes == ["django_convert.W205", "django_convert.W207"]  # and its empty variation


# Our requests against the captured ones ----------------------------------------------------


@pytest.fixture
def golden_visitor(db, golden_server) -> Visitor:
    """The captures' visitor, reported by the listener with no segments (Convert reported
    none, as in the captures) and bucketed as the SDKs bucketed it."""
    payload = {
        "visitorId": VISITOR_ID,
        "experiences": [{"experienceId": EXPERIENCE_ID, "variationId": VARIATION_ID}],
    }
    response = IngestClient(visitor_id=VISITOR_ID).ingest(payload)
    assert response.status_code == 204, response.content
    visitor = Visitor.objects.get(visitor_id=VISITOR_ID)
    assert visitor.segments() == {}  # nothing made up
    return visitor


def sent(server: ConvertStandIn, **conversion: Any) -> dict[str, Any]:
    """Record one conversion for the golden visitor, deliver it, return the request."""
    before = len(server.received)
    track_conversion(visitor_id=VISITOR_ID, **conversion)
    report = deliver_due()
    assert report.sent == 1, report
    [received] = server.received[before:]
    assert received.accepted, received.errors
    return {"path": received.path, "headers": received.headers, "body": json.loads(received.raw)}


def assert_same_envelope(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    assert ours["path"] == theirs["path"] == f"/v1/track/{SDK_KEY}"
    assert ours["headers"]["content-type"] == theirs["headers"]["Content-Type"]
    assert ours["headers"]["user-agent"] == theirs["headers"]["User-Agent"] == "ConvertAgent/1.0"
    body, captured = ours["body"], theirs["body"]
    for name in ("accountId", "projectId", "enrichData"):
        assert body[name] == captured[name], name
    # Convert's request type has no "source", nor has the guide's body: we send none.
    assert "source" not in body
    assert captured["source"] in ("js4.4.3", "js-sdk")
    assert set(body) == set(captured) - {"source"}
    [visitor] = body["visitors"]
    [captured_visitor] = captured["visitors"]
    assert visitor["visitorId"] == captured_visitor["visitorId"] == VISITOR_ID
    assert "segments" not in visitor
    assert "segments" not in captured_visitor


def events(request: dict[str, Any]) -> list[dict[str, Any]]:
    return request["body"]["visitors"][0]["events"]


REVENUE = {"goal_id": REVENUE_GOAL, "amount": Decimal("10.3"), "products_count": 2}
REPEAT = {"goal_id": REVENUE_GOAL, "amount": 5, "products_count": 1}


def test_a_count_goals_conversion_is_the_sdks_field_by_field(golden_visitor, golden_server):
    ours = sent(golden_server, goal_id=COUNT_GOAL)
    for run in ("js_default", "py_default"):
        theirs = capture(run, "conversion-no-revenue")
        assert theirs is not None
        assert_same_envelope(ours, theirs)
        # No goalData, and no transaction id made up for it.
        assert (
            events(ours)
            == events(theirs)
            == [
                {
                    "eventType": "conversion",
                    "data": {"goalId": COUNT_GOAL, "bucketingData": {EXPERIENCE_ID: VARIATION_ID}},
                }
            ]
        )


def test_a_revenue_conversion_is_the_guides_one_event(golden_visitor, golden_server):
    ours = sent(golden_server, transaction_id="txn-1001", **REVENUE)
    python = capture("py_default", "conversion-with-revenue")
    javascript = capture("js_default", "conversion-with-revenue")
    assert python is not None
    assert javascript is not None
    assert_same_envelope(ours, python)
    assert_same_envelope(ours, javascript)
    # The Python SDK sends what the source guide shows: one event with goalData.
    assert events(ours) == events(python)
    [event] = events(ours)
    assert event["data"]["goalData"] == [
        {"key": "amount", "value": 10.3},
        {"key": "productsCount", "value": 2},
        {"key": "transactionId", "value": "txn-1001"},
    ]
    # The JS SDK sends a plain conversion, then that same event (docs/conversions.rst).
    plain, with_data = events(javascript)
    assert with_data == event
    assert plain == {
        "eventType": "conversion",
        "data": {"goalId": REVENUE_GOAL, **{"bucketingData": event["data"]["bucketingData"]}},
    }


def test_a_later_order_is_the_sdks_forced_repeat_and_the_flag_is_not_on_the_wire(
    golden_visitor, golden_server
):
    sent(golden_server, transaction_id="txn-1001", **REVENUE)
    ours = sent(golden_server, transaction_id="txn-1002", **REPEAT)
    for run in ("js_default", "py_default"):
        forced = capture(run, "revenue-force-multiple")
        assert forced is not None
        assert_same_envelope(ours, forced)
        assert events(ours) == events(forced)
        # forceMultipleTransactions / force_multiple leave no trace in the body: the same
        # shape as a first revenue event (the Python SDK's 04 and 06 differ in values only).
        assert "force" not in json.dumps(forced["body"]).lower()


def test_a_repeat_with_the_same_transaction_id_sends_nothing(golden_visitor, golden_server):
    sent(golden_server, goal_id=COUNT_GOAL, transaction_id="order-1")
    before = len(golden_server.received)
    track_conversion(visitor_id=VISITOR_ID, goal_id=COUNT_GOAL, transaction_id="order-1")
    assert deliver_due().claimed == 0
    assert len(golden_server.received) == before  # as the SDKs' 05-...NONE
    assert capture("js_default", "conversion-repeat-same-goal") is None
    assert capture("py_default", "conversion-repeat-same-goal") is None


def test_a_visitor_who_is_not_bucketed_gets_no_bucketing_data_key(golden_server, db):
    response = IngestClient(visitor_id=VISITOR_ID).ingest(
        {"visitorId": VISITOR_ID, "experiences": []}
    )
    assert response.status_code == 204
    ours = sent(golden_server, goal_id=COUNT_GOAL)
    theirs = capture("js_production", "conversion-no-revenue")
    assert theirs is not None
    assert_same_envelope(ours, theirs)
    assert (
        events(ours)
        == events(theirs)
        == [{"eventType": "conversion", "data": {"goalId": COUNT_GOAL}}]
    )


def test_the_secret_goes_on_the_tracking_request_and_the_config_fetch(
    golden_visitor, golden_server, convert_settings
):
    golden_server.sdk_secret = golden_server.config.sdk_secret = SECRET
    convert_settings(SDK_SECRET=SECRET)
    reset_clients()
    reset_config_clients()
    ours = sent(golden_server, goal_id=COUNT_GOAL)
    for run in ("js_secret", "py_secret"):
        theirs = capture(run, "bucketing")
        assert theirs is not None
        assert ours["headers"]["authorization"] == theirs["headers"]["Authorization"]
    sync(golden_server, load_config("cdn"))
    request = golden_server.config.requests[-1]
    assert request.headers["authorization"] == f"Bearer {SECRET}"
    assert request.headers["user-agent"] == "ConvertAgent/1.0"  # the JS SDK's, on GET too


@pytest.mark.parametrize(("run", "environment"), [("py_default", None), ("js_default", "staging")])
def test_the_config_request_is_the_sdks(golden_server, convert_settings, db, run, environment):
    convert_settings(ENVIRONMENT=environment)
    reset_config_clients()
    sync(golden_server, load_config("cdn"))
    theirs = capture(run, "config-request")
    assert theirs is not None
    path, _, query = golden_server.config.requests[-1].path.partition("?")
    assert (path, query) == (theirs["path"], theirs["query"])


def test_the_doctor_reads_a_local_key_as_no_transaction_id(golden_visitor, golden_server):
    sent(golden_server, goal_id=COUNT_GOAL)
    conversion = Conversion.objects.get()
    assert conversion.transaction_id_is_local
    item = next(i for i in diagnose_conversion(conversion).items if i.key == "transaction_id")
    assert item.status == "pass"
    assert "No transactionId is sent" in item.detail


# The stand-ins against the captured requests -------------------------------------------


def replay(server: ConvertStandIn, request: dict[str, Any]) -> requests.Response:
    headers = {
        name: value
        for name, value in request["headers"].items()
        if name.lower() not in ("host", "content-length", "connection")
    }
    url = f"http://127.0.0.1:{server.port}{request['path']}"
    if request["query"]:
        url = f"{url}?{request['query']}"
    body = None if request["body"] is None else json.dumps(request["body"]).encode()
    return requests.request(request["method"], url, headers=headers, data=body, timeout=5)


@pytest.mark.parametrize("by", ["sdk key", "account and project"])
def test_the_stand_ins_accept_every_captured_request(by) -> None:
    keyed = by == "sdk key"
    ids = (
        {"account_id": None, "project_id": None}
        if keyed
        else {
            "account_id": ACCOUNT_ID,
            "project_id": PROJECT_ID,
        }
    )
    key = SDK_KEY if keyed else None
    with (
        ConvertStandIn(sdk_key=key, **ids) as server,
        ConvertStandIn(sdk_key=key, sdk_secret=SECRET, **ids) as with_secret,
    ):
        for run, step, request in captures():
            target = with_secret if run.endswith("_secret") else server
            target.config.serve(load_config("cdn"))
            response = replay(target, request)
            assert response.status_code == 200, (run, step, response.text)
            if request["method"] == "POST":
                received = target.received[-1]
                assert received.accepted, (run, step, received.errors)
            else:
                assert response.json()["account_id"] == ACCOUNT_ID
        assert len(server.received) + len(with_secret.received) == sum(
            1 for _run, _step, request in captures() if request["method"] == "POST"
        )


def mutated(edit) -> dict[str, Any]:
    request = copy.deepcopy(capture("py_default", "conversion-with-revenue"))
    assert request is not None
    edit(request["body"]["visitors"][0])
    return request


def set_segments(visitor, **segments):
    visitor["segments"] = segments


def set_data(visitor, **data):
    visitor["events"][0]["data"].update(data)


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda v: set_segments(v, browser="EDG"), "segments.browser"),
        (lambda v: set_segments(v, visitorType=0), "segments.visitorType"),
        (lambda v: set_segments(v, devices="DESK"), "segments.devices"),
        (lambda v: set_data(v, goalId=100322784), "data.goalId"),
        (lambda v: v["events"][0]["data"].pop("goalId"), "data.goalId"),
        (lambda v: set_data(v, goalData=[{"key": "revenue", "value": 1}]), "goalData[0].key"),
        (lambda v: set_data(v, bucketingData={EXPERIENCE_ID: 1}), "data.bucketingData"),
        (
            lambda v: v["events"].append(
                {"eventType": "bucketing", "data": {"experienceId": EXPERIENCE_ID}}
            ),
            "data.variationId",
        ),
        (lambda v: v["events"][0].update(eventType="pageview"), "eventType"),
    ],
)
def test_the_stand_in_refuses_what_converts_types_refuse(edit, field) -> None:
    with ConvertStandIn(sdk_key=SDK_KEY) as server:
        response = replay(server, mutated(edit))
        assert response.status_code == 400
        assert f"{field}: " in response.json()["fields"], response.json()


def test_the_stand_ins_refuse_a_percent_encoded_slash() -> None:
    request = mutated(lambda visitor: None)
    request["path"] = request["path"].replace("10035569/", "10035569%2F")
    with ConvertStandIn(sdk_key=SDK_KEY) as server:
        response = replay(server, request)
        assert response.status_code == 404
        assert "percent-encoded" in response.json()["message"]


# The TypeScript that `make js` type-checks -------------------------------------------------


@pytest.mark.django_db
def test_the_typescript_of_our_bodies_is_current() -> None:
    assert TARGET.read_text() == render(), (
        "Run DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python -m "
        "tests.convert_artifacts.typescript, then make js."
    )


@pytest.mark.django_db
def test_the_typescript_holds_the_bodies_delivery_sends(golden_visitor, golden_server):
    from tests.convert_artifacts.typescript import wire_bodies

    ours = sent(golden_server, transaction_id="txn-1001", **REVENUE)
    assert json.loads(wire_bodies()["conversionWithRevenue"]) == ours["body"]


@pytest.mark.django_db
def test_convert_sync_names_the_skipped_items_and_the_log_warns_once(golden_server, caplog):
    golden_server.config.serve(load_config("shared-test"))
    out = StringIO()
    with caplog.at_level("INFO", logger="django_convert"):
        call_command("convert_sync", stdout=out)
        call_command("convert_sync", stdout=StringIO())
    assert "Synced 3 experiences, 4 variations and 4 goals" in out.getvalue()
    assert "1 item(s) of the config could not be used and were skipped" in out.getvalue()
    assert EMPTY_VARIATION in out.getvalue()
    skipped = [r for r in caplog.records if "could not be used" in r.getMessage()]
    assert [r.levelname for r in skipped] == ["WARNING", "INFO"]
    assert "as in the previous sync" in skipped[1].getMessage()


@pytest.mark.django_db
def test_sync_now_in_the_admin_says_what_was_skipped(golden_server, admin_client):
    golden_server.config.serve(load_config("shared-test"))
    response = admin_client.post(reverse("admin:django_convert_experience_sync"), follow=True)
    page = response.content.decode()
    assert "Synced 3 experiences, 4 variations and 4 goals from Convert." in page
    assert "1 item(s) of the config could not be used and were skipped" in page
    assert "The last sync skipped 1 item of the config that could not be used" in page
