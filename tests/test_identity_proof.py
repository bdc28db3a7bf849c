"""Ids that must be earned (identity.proof): the borrowed-id attack, self-chosen ids, first
claims, ids stored before keys existed, login stitching with a foreign id, forgetting after
withdrawal, and what each refusal says (a reason code, logged once, no per-request WARNING)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client

from django_convert.identity.proof import visitor_key
from django_convert.identity.resolvers import new_visitor_id
from django_convert.ingest import outcomes
from django_convert.models import Bucketing, DroppedPost, Exposure, Visitor
from tests.fixtures_ingest import IngestClient, example_payload, stored

pytestmark = pytest.mark.django_db
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0"


@pytest.fixture(autouse=True)
def fresh(clear_throttle: None) -> None:
    outcomes.reset()


def post(client: IngestClient, payload: Any = None, **extra: Any) -> Any:
    """As the listener posts: JSON, its header, the page's Origin."""
    extra.setdefault("HTTP_X_CONVERT_LISTENER", "1")
    extra.setdefault("HTTP_ORIGIN", "http://testserver")
    extra.setdefault("HTTP_USER_AGENT", BROWSER)
    return client.ingest(payload or example_payload(client.visitor_id), csrf=False, **extra)


def forget(client: Client, visitor_id: str) -> Any:
    return client.delete(
        "/convert/context/",
        data=f'{{"visitorId": "{visitor_id}"}}',
        content_type="application/json",
        HTTP_X_CONVERT_LISTENER="1",
        HTTP_ORIGIN="http://testserver",
        HTTP_USER_AGENT=BROWSER,
    )


def browser(visitor_id: str, key: bool = False) -> IngestClient:
    """A browser holding ``visitor_id`` in its cookie, with the id's key or not."""
    return IngestClient(visitor_id, key=key)


def victims_row() -> tuple[str, dict[str, str]]:
    victim = browser(new_visitor_id())
    assert post(victim).status_code == 204  # its first post claims the id
    row = Visitor.objects.get(visitor_id=victim.visitor_id)
    assert row.key_issued
    return victim.visitor_id, row.bucketing_data()


def test_a_new_id_is_claimed_by_its_first_post_which_gives_the_browser_its_key() -> None:
    client = browser(new_visitor_id())
    response = post(client)
    assert response.status_code == 204
    key = response.cookies["convert_vid_key"]
    assert (key.value, key["httponly"]) == (visitor_key(client.visitor_id), True)
    assert Visitor.objects.get(visitor_id=client.visitor_id).key_issued
    # From now on the browser proves the id with its key.
    client.cookies["convert_vid_key"] = key.value
    assert post(client, example_payload(client.visitor_id) | {"experiences": []}).status_code == 204


def test_the_borrowed_id_attack_is_refused_and_changes_nothing(caplog) -> None:
    """Someone who read another visitor's id (every script on the site can; Convert gets it)
    sets it in their own cookie and posts: without the id's key nothing is stored."""
    victim_id, bucketing = victims_row()
    before = stored()
    attacker = browser(victim_id)
    forged = example_payload(victim_id)
    forged["experiences"] = [{"experienceId": "999", "variationId": "666"}]
    forged["segments"]["country"] = "FR"
    caplog.set_level(logging.INFO)
    for _ in range(3):
        response = post(attacker, forged)
        assert response.status_code == 403
        assert response["X-Convert-Reason"] == "unproven_id"
        assert response.json()["code"] == "unproven_id"
        assert "convert_vid_key" not in response.cookies
    assert stored() == before
    assert Visitor.objects.get(visitor_id=victim_id).bucketing_data() == bucketing
    # Said once (and counted), not a WARNING per request from Django's request logger.
    said = [r for r in caplog.records if getattr(r, "convert_reason", "") == "unproven_id"]
    assert len(said) == 1
    assert not [r for r in caplog.records if r.name == "django.request"]
    assert outcomes.counts()["unproven_id"] == 3


def test_a_forged_key_is_refused() -> None:
    victim_id, _ = victims_row()
    attacker = browser(victim_id)
    attacker.cookies["convert_vid_key"] = visitor_key(victim_id, secret="guessed")
    assert post(attacker).status_code == 403


@pytest.mark.parametrize("chosen", ["1", "admin", "visitor-abc123", "u" + "0" * 32, "A" * 32])
def test_self_chosen_ids_are_refused(chosen) -> None:
    """Only ids of the snippet's form (32 lowercase hex: 128 random bits) can be claimed."""
    response = post(browser(chosen))
    assert response.status_code == 403
    assert response["X-Convert-Reason"] == "unproven_id"
    assert stored() == ([], [])


def test_an_id_stored_before_keys_existed_is_claimed_once() -> None:
    """Rows from before this version have no key (key_issued False): the browser that holds
    the id claims it with its next post; after that, the id needs its key."""
    visitor_id = new_visitor_id()
    Visitor.objects.create(visitor_id=visitor_id, country="DE")
    assert post(browser(visitor_id)).status_code == 204
    assert Visitor.objects.get(visitor_id=visitor_id).key_issued
    assert post(browser(visitor_id)).status_code == 403


def test_a_users_row_cannot_be_claimed_anonymously(user) -> None:
    visitor_id = new_visitor_id()
    Visitor.objects.create(visitor_id=visitor_id, user=user)
    assert post(browser(visitor_id)).status_code == 403


def test_a_logged_in_user_posts_their_own_id_without_a_key(user) -> None:
    client = browser(new_visitor_id())
    client.force_login(user)
    response = post(client)  # the default resolver links the cookie's new id to the user
    assert response.status_code == 204
    assert Visitor.objects.get(user=user).visitor_id == client.visitor_id
    assert response.cookies["convert_vid_key"].value == visitor_key(client.visitor_id)


def test_no_cookie_and_another_id_are_refused_with_their_reason() -> None:
    no_cookie = Client()
    response = no_cookie.post(
        "/convert/context/",
        data=example_payload(new_visitor_id()),
        content_type="application/json",
        HTTP_X_CONVERT_LISTENER="1",
        HTTP_ORIGIN="http://testserver",
        HTTP_USER_AGENT=BROWSER,
    )
    assert (response.status_code, response["X-Convert-Reason"]) == (403, "no_cookie")
    other = post(browser(new_visitor_id()), example_payload(new_visitor_id()))
    assert (other.status_code, other["X-Convert-Reason"]) == (403, "not_own_id")


def test_an_automated_browsers_post_is_ignored_before_anything_else(caplog) -> None:
    caplog.set_level(logging.INFO)
    for _ in range(2):
        response = post(browser(new_visitor_id()), HTTP_X_CONVERT_LISTENER="webdriver")
        assert (response.status_code, response["X-Convert-Reason"]) == (204, "webdriver")
    assert stored() == ([], [])
    assert len([r for r in caplog.records if getattr(r, "convert_reason", "") == "webdriver"]) == 1
    # The doctor can name it for this browser's conversions (reports/drops.py).
    assert DroppedPost.objects.filter(reason="webdriver").count() == 2  # two browsers


def test_login_with_a_borrowed_id_neither_merges_nor_adopts_the_victims_row(user) -> None:
    """Stitching with a foreign id: logging in to one's own account while holding a
    victim's anonymous id takes nothing of the victim's."""
    victim_id, bucketing = victims_row()
    attacker = browser(victim_id)
    response = attacker.post("/pages/login/", {"username": "ann", "password": "pw"})
    assert response.status_code == 200
    own_id = response.content.decode()
    assert own_id != victim_id
    victim = Visitor.objects.get(visitor_id=victim_id)
    assert (victim.user, victim.bucketing_data()) == (None, bucketing)
    assert Visitor.objects.get(user=user).visitor_id == own_id


def test_login_with_a_borrowed_id_does_not_merge_into_the_users_visitor(user) -> None:
    Visitor.objects.create(visitor_id="a" * 32, user=user)
    victim_id, bucketing = victims_row()
    attacker = browser(victim_id)
    assert attacker.post("/pages/login/", {"username": "ann", "password": "pw"}).content == (
        b"a" * 32
    )
    assert Visitor.objects.get(visitor_id=victim_id).bucketing_data() == bucketing
    assert not Bucketing.objects.filter(visitor__user=user).exists()


def test_login_with_the_browsers_own_key_merges(user) -> None:
    Visitor.objects.create(visitor_id="a" * 32, user=user)
    own = browser(new_visitor_id())
    assert post(own).status_code == 204
    own.cookies["convert_vid_key"] = visitor_key(own.visitor_id)
    own.post("/pages/login/", {"username": "ann", "password": "pw"})
    assert not Visitor.objects.filter(visitor_id=own.visitor_id).exists()
    assert Visitor.objects.get(user=user).bucketing_data() == {"100127238": "1001186427"}


def test_forget_deletes_the_proven_visitor_and_the_browsers_cookies() -> None:
    client = browser(new_visitor_id())
    post(client)
    client.cookies["convert_vid_key"] = visitor_key(client.visitor_id)
    del client.cookies["convert_vid"]  # consentWithdrawn() deleted it in the page already
    assert Exposure.objects.filter(visitor__visitor_id=client.visitor_id).exists()
    response = forget(client, client.visitor_id)
    assert (response.status_code, response["X-Convert-Reason"]) == (204, "forgotten")
    assert not Visitor.objects.filter(visitor_id=client.visitor_id).exists()
    assert not Exposure.objects.exists()  # its exposure history went with it
    for name in ("convert_vid", "convert_vid_key"):
        assert response.cookies[name]["max-age"] == 0


def test_forget_without_the_key_deletes_nothing_and_keeps_a_new_id() -> None:
    victim_id, bucketing = victims_row()
    stranger = browser(new_visitor_id())  # a browser that has consented again meanwhile
    response = forget(stranger, victim_id)
    assert (response.status_code, response["X-Convert-Reason"]) == (204, "unproven_id")
    assert Visitor.objects.get(visitor_id=victim_id).bucketing_data() == bucketing
    assert "convert_vid" not in response.cookies  # its own, newer id stays


def test_forget_keeps_a_users_visitor(user) -> None:
    visitor_id = new_visitor_id()
    Visitor.objects.create(visitor_id=visitor_id, user=user)
    client = browser(visitor_id, key=True)
    assert forget(client, visitor_id).status_code == 204
    assert Visitor.objects.filter(visitor_id=visitor_id, user=user).exists()


def test_forget_refuses_a_malformed_id() -> None:
    response = forget(browser(new_visitor_id()), "ann@example.com")
    assert response.status_code == 400


def test_a_resolver_that_returns_none_links_the_user_at_login(
    user, convert_settings, track_user_conversion: Any
) -> None:
    """VISITOR_ID_RESOLVER returning None ("use the cookie's id"): the browser's proven
    visitor is linked to the user at login, so conversions for the user are recorded."""
    convert_settings(VISITOR_ID_RESOLVER="tests.fixtures_identity.none_resolver")
    client = browser(new_visitor_id())
    assert post(client).status_code == 204
    client.cookies["convert_vid_key"] = visitor_key(client.visitor_id)
    assert client.post("/pages/login/", {"username": "ann", "password": "pw"}).content == (
        client.visitor_id.encode()
    )
    assert Visitor.objects.get(user=user).visitor_id == client.visitor_id
    conversion = track_user_conversion(user)
    assert conversion is not None
    assert conversion.visitor_id == client.visitor_id
    assert conversion.bucketing == {"100127238": "1001186427"}


def test_a_resolver_that_returns_none_links_a_browser_that_never_posted(
    user, convert_settings
) -> None:
    convert_settings(VISITOR_ID_RESOLVER="tests.fixtures_identity.none_resolver")
    client = browser(new_visitor_id())
    response = client.post("/pages/login/", {"username": "ann", "password": "pw"})
    assert Visitor.objects.get(user=user).visitor_id == client.visitor_id
    # The login proved the id through the session: the browser gets its key.
    assert response.cookies["convert_vid_key"].value == visitor_key(client.visitor_id)


def test_a_resolver_that_returns_none_never_links_a_borrowed_id(user, convert_settings):
    convert_settings(VISITOR_ID_RESOLVER="tests.fixtures_identity.none_resolver")
    victim_id, _ = victims_row()
    browser(victim_id).post("/pages/login/", {"username": "ann", "password": "pw"})
    assert Visitor.objects.get(visitor_id=victim_id).user is None
    assert not Visitor.objects.filter(user=user).exists()


def test_the_warning_for_a_user_without_visitor_names_the_resolver(
    user, convert_settings, track_user_conversion: Any, caplog
) -> None:
    convert_settings(VISITOR_ID_RESOLVER="tests.fixtures_identity.none_resolver")
    assert track_user_conversion(user) is None
    assert "tests.fixtures_identity.none_resolver" in caplog.text
    assert "never visited a page" not in caplog.text


@pytest.fixture
def track_user_conversion() -> Any:
    from django_convert import track_conversion

    def track(user: Any) -> Any:
        return track_conversion(user=user, goal_id="100037225", transaction_id="T-1")

    return track
