from __future__ import annotations

import re
import threading

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client

from django_convert.identity.proof import visitor_key
from django_convert.identity.resolvers import hmac_resolver, new_visitor_id
from django_convert.identity.stitching import merge_visitors
from django_convert.models import Bucketing, Visitor

pytestmark = pytest.mark.django_db


def browse(client: Client) -> str:
    """One page view; the request's visitor id. Like the page's snippet, a browser without
    an id cookie creates one (the server never does for anonymous visitors)."""
    if "convert_vid" not in client.cookies:
        client.cookies["convert_vid"] = new_visitor_id()
    # The id's key, as the browser holds it after its first post (identity.proof).
    client.cookies["convert_vid_key"] = visitor_key(client.cookies["convert_vid"].value)
    response = client.get("/pages/visitor-id/")
    assert response.status_code == 200
    return response.content.decode()


def log_in(client: Client, username: str = "ann") -> str:
    response = client.post("/pages/login/", {"username": username, "password": "pw"})
    assert response.status_code == 200
    return response.content.decode()


def anonymous_visitor(visitor_id: str, **bucketing: str) -> Visitor:
    visitor = Visitor.objects.create(visitor_id=visitor_id, browser="FF", country="DE")
    for experience_id, variation_id in bucketing.items():
        Bucketing.objects.create(
            visitor=visitor, experience_id=experience_id, variation_id=variation_id
        )
    return visitor


def test_first_login_adopts_the_anonymous_id(client, user) -> None:
    anonymous_id = browse(client)
    anonymous_visitor(anonymous_id, e1="v1")
    assert log_in(client) == anonymous_id
    assert client.cookies["convert_vid"].value == anonymous_id
    assert Visitor.objects.get(user=user).visitor_id == anonymous_id
    assert browse(client) == anonymous_id


def test_login_on_a_second_device_switches_to_the_users_id_and_merges(user) -> None:
    laptop, phone = Client(), Client()
    user_id = browse(laptop)
    log_in(laptop)
    Bucketing.objects.create(
        visitor=Visitor.objects.get(user=user), experience_id="e1", variation_id="user-v1"
    )

    phone_id = browse(phone)
    assert phone_id != user_id
    anonymous_visitor(phone_id, e1="phone-v1", e2="phone-v2")

    assert log_in(phone) == user_id
    assert phone.cookies["convert_vid"].value == user_id
    assert browse(phone) == user_id
    # One visitor left: the user's. Their own variation wins for e1; e2 moved over.
    visitor = Visitor.objects.get()
    assert visitor.visitor_id == user_id
    assert visitor.bucketing_data() == {"e1": "user-v1", "e2": "phone-v2"}
    # Segments the user's visitor did not know come from the anonymous one.
    assert (visitor.browser, visitor.country) == ("FF", "DE")


def test_login_without_anonymous_data_just_switches(user) -> None:
    Visitor.objects.create(visitor_id="users-id", user=user)
    client = Client()
    browse(client)
    assert log_in(client) == "users-id"
    assert Visitor.objects.count() == 1


def test_anonymous_row_of_another_user_is_never_merged(user) -> None:
    """A shared device: Bob logged out, Ann logs in. Bob's visitor stays Bob's."""
    bob = get_user_model().objects.create_user("bob", password="pw")
    client = Client()
    browse(client)
    bobs_id = log_in(client, "bob")
    Bucketing.objects.create(
        visitor=Visitor.objects.get(user=bob), experience_id="e1", variation_id="v1"
    )
    client.post("/admin/logout/")
    assert browse(client) == bobs_id  # the device keeps its id after logout

    anns_id = log_in(client, "ann")
    assert anns_id != bobs_id
    assert Visitor.objects.get(user=bob).bucketing_data() == {"e1": "v1"}
    assert Visitor.objects.get(user=user).visitor_id == anns_id


def test_test_client_login_links_on_the_next_request(client, user) -> None:
    anonymous_id = browse(client)
    client.force_login(user)
    assert browse(client) == anonymous_id
    assert Visitor.objects.get(user=user).visitor_id == anonymous_id


def test_hmac_resolver_ids_are_stitched_too(client, user, convert_settings) -> None:
    convert_settings(VISITOR_ID_RESOLVER="django_convert.identity.resolvers.hmac_resolver")
    anonymous_id = browse(client)
    anonymous_visitor(anonymous_id, e9="v9")

    user_id = log_in(client)
    assert user_id != anonymous_id
    assert user_id == hmac_resolver(type("R", (), {"user": user})())
    assert client.cookies["convert_vid"].value == user_id
    [visitor] = Visitor.objects.all()
    assert (visitor.visitor_id, visitor.user) == (user_id, user)
    assert visitor.bucketing_data() == {"e9": "v9"}
    assert browse(client) == user_id


def test_hmac_resolver_is_opaque_stable_and_per_user(user) -> None:
    bob = get_user_model().objects.create_user("bob")

    def resolve(someone):
        return hmac_resolver(type("R", (), {"user": someone})())

    assert resolve(user) == resolve(user)
    assert resolve(user) != resolve(bob)
    assert re.fullmatch(r"u[0-9a-f]{32}", resolve(user))
    assert hmac_resolver(type("R", (), {"user": AnonymousUser()})()) is None


def test_merge_is_a_no_op_for_unknown_or_owned_visitors(user) -> None:
    Visitor.objects.create(visitor_id="owned", user=user)
    assert merge_visitors("missing", "target") == 0
    assert merge_visitors("owned", "target") == 0
    assert Visitor.objects.filter(visitor_id="owned").exists()
    assert not Visitor.objects.filter(visitor_id="target").exists()


def test_merge_creates_the_target_when_needed() -> None:
    anonymous_visitor("anon", e1="v1")
    assert merge_visitors("anon", "target") == 1
    assert Visitor.objects.get().visitor_id == "target"
    assert Visitor.objects.get().bucketing_data() == {"e1": "v1"}


def test_merge_retries_when_an_ingest_stores_the_same_experience_meanwhile(
    monkeypatch,
) -> None:
    from django_convert.identity import stitching

    anonymous_visitor("anon", e1="anon-v1", e2="anon-v2")
    target = anonymous_visitor("target", e1="user-v1")
    real = stitching.taken_experiences
    calls = []

    def stale_first(visitor):
        calls.append(visitor)
        return [] if len(calls) == 1 else real(visitor)  # e1 arrived after the first read

    monkeypatch.setattr(stitching, "taken_experiences", stale_first)
    assert merge_visitors("anon", "target") == 1
    assert len(calls) == 2
    assert target.bucketing_data() == {"e1": "user-v1", "e2": "anon-v2"}
    assert not Visitor.objects.filter(visitor_id="anon").exists()


@pytest.mark.concurrent_db
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_logins_on_two_devices_end_with_one_id() -> None:
    """Two real transactions race on the user's first link."""
    get_user_model().objects.create_user("ann", password="pw")
    laptop, phone = Client(), Client()
    ids = [browse(laptop), browse(phone)]
    barrier = threading.Barrier(2)
    results: dict[int, str] = {}
    errors: list[BaseException] = []

    def login_from(index: int, client: Client) -> None:
        try:
            barrier.wait()
            results[index] = log_in(client)
        except BaseException as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=login_from, args=pair) for pair in enumerate([laptop, phone])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert results[0] == results[1]
    assert results[0] in ids
    assert list(Visitor.objects.values_list("visitor_id", flat=True)) == [results[0]]


def test_login_without_consent_links_and_stores_nothing(user, convert_settings) -> None:
    convert_settings(CONSENT={"REQUIRED": True})
    client = Client()
    client.cookies["convert_vid"] = "anon-no-consent"  # e.g. left from before withdrawal
    assert log_in(client) == "None"
    assert "convert_vid" not in client.cookies or client.cookies["convert_vid"].value == (
        "anon-no-consent"
    )
    assert Visitor.objects.count() == 0
    # Consent given in the page: the next request links the user to the browser's id.
    client.cookies["convert_consent"] = "1"
    assert browse(client) == "anon-no-consent"
    assert Visitor.objects.get(user=user).visitor_id == "anon-no-consent"
