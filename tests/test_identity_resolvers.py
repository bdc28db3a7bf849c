from __future__ import annotations

import logging
import re

import pytest
from django.contrib.auth import get_user_model

from django_convert.identity import resolvers
from django_convert.identity.proof import visitor_key
from django_convert.identity.resolvers import default_resolver, new_visitor_id, user_visitor_id
from django_convert.identity.visitor import resolve_visitor_id
from django_convert.models import Visitor
from tests.races import after_a_rollback

HEX_128 = re.compile(r"[0-9a-f]{32}")


def test_new_ids_are_128_random_bits() -> None:
    ids = {new_visitor_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(HEX_128.fullmatch(value) for value in ids)


def test_anonymous_visitor_keeps_the_cookie_id(make_request) -> None:
    assert default_resolver(make_request(cookie="abc123def")) == "abc123def"


def test_anonymous_visitor_without_cookie_has_no_id(make_request) -> None:
    """The page's snippet creates the id: the server never makes one for a cookie-less
    request, so crawlers and first hits cost nothing."""
    assert default_resolver(make_request()) is None
    assert resolve_visitor_id(make_request()) is None


@pytest.mark.parametrize("cookie", ["", "a b", "x" * 129, "<script>", "a'b", "a@" + "a" * 65536])
def test_malformed_cookie_is_no_id(make_request, cookie) -> None:
    assert default_resolver(make_request(cookie=cookie)) is None


@pytest.mark.parametrize("cookie", ["ann@example.com", "+15551234567"])
def test_pii_cookie_is_refused_with_a_warning_that_does_not_repeat_it(
    make_request, caplog, cookie
) -> None:
    with caplog.at_level(logging.WARNING, logger="django_convert"):
        visitor_id = default_resolver(make_request(cookie=cookie))
    assert visitor_id is None
    assert "personal data" in caplog.text
    assert cookie not in caplog.text


def test_cookie_name_is_configurable(make_request, convert_settings) -> None:
    convert_settings(COOKIE_NAME="vid")
    assert default_resolver(make_request(cookie="ignored", vid="theirs1")) == "theirs1"


def test_user_without_an_id_adopts_the_cookie_id(make_request, user) -> None:
    Visitor.objects.create(visitor_id="anon1", browser="CH")
    request = make_request(cookie="anon1", user=user, convert_vid_key=visitor_key("anon1"))
    assert default_resolver(request) == "anon1"
    visitor = Visitor.objects.get(user=user)
    assert visitor.visitor_id == "anon1"
    assert visitor.browser == "CH"  # the same row, now linked
    assert Visitor.objects.count() == 1


def test_user_never_adopts_a_borrowed_id(make_request, user) -> None:
    """Logging in with someone else's id in the cookie (no key for it) takes nothing of
    theirs: the user gets a fresh id and the other visitor's row stays as it was."""
    Visitor.objects.create(visitor_id="victim1", browser="CH")
    visitor_id = default_resolver(make_request(cookie="victim1", user=user))
    assert visitor_id != "victim1"
    assert HEX_128.fullmatch(visitor_id)
    assert Visitor.objects.get(visitor_id="victim1").user is None
    assert Visitor.objects.get(user=user).visitor_id == visitor_id


def test_user_adopts_a_new_id_no_row_holds(make_request, user) -> None:
    """A browser that never posted has no key, and no row: there is nothing to take."""
    fresh = "0123456789abcdef0123456789abcdef"
    assert default_resolver(make_request(cookie=fresh, user=user)) == fresh


def test_user_without_an_id_or_cookie_gets_a_new_one(make_request, user) -> None:
    visitor_id = default_resolver(make_request(user=user))
    assert HEX_128.fullmatch(visitor_id)
    assert Visitor.objects.get(user=user).visitor_id == visitor_id


def test_user_keeps_the_first_id_they_ever_had(make_request, user) -> None:
    Visitor.objects.create(visitor_id="first-id", user=user)
    assert default_resolver(make_request(cookie="other-device", user=user)) == "first-id"
    assert default_resolver(make_request(user=user)) == "first-id"


def test_user_never_adopts_an_id_that_belongs_to_someone_else(make_request, user) -> None:
    bob = get_user_model().objects.create_user("bob")
    Visitor.objects.create(visitor_id="bobs-id", user=bob)
    visitor_id = default_resolver(make_request(cookie="bobs-id", user=user))
    assert visitor_id != "bobs-id"
    assert Visitor.objects.get(user=user).visitor_id == visitor_id
    assert Visitor.objects.get(user=bob).visitor_id == "bobs-id"


def test_a_user_id_costs_one_query_once_linked(make_request, user, django_assert_num_queries):
    Visitor.objects.create(visitor_id="first-id", user=user)
    with django_assert_num_queries(1):
        assert default_resolver(make_request(user=user)) == "first-id"


def test_lost_race_for_the_first_link_reads_the_winner(user, monkeypatch) -> None:
    """Two devices log in for the first time at once: the loser ends with the winner's id."""
    Visitor.objects.create(visitor_id="device-a", user=user)  # the other request won
    real_lookup = resolvers.linked_visitor_id
    lookups = []

    def stale_then_real(u):
        lookups.append(u)
        return None if len(lookups) == 1 else real_lookup(u)

    monkeypatch.setattr(resolvers, "linked_visitor_id", stale_then_real)
    assert user_visitor_id(user, candidate="device-b") == "device-a"
    assert list(Visitor.objects.values_list("visitor_id", flat=True)) == ["device-a"]


def test_lost_race_for_the_candidate_id_retries(user, monkeypatch) -> None:
    """An ingest creates the candidate's row between the check and the insert."""
    real_create = Visitor.objects.create
    calls = []

    def create_after_someone_else(**kwargs):
        if not calls:
            calls.append(kwargs)
            real_create(visitor_id=kwargs["visitor_id"])  # the concurrent ingest
        return real_create(**kwargs)

    monkeypatch.setattr(Visitor.objects, "create", create_after_someone_else)
    assert user_visitor_id(user, candidate="cand-1") == "cand-1"
    assert Visitor.objects.get(visitor_id="cand-1").user == user


class TestConfiguredResolver:
    def test_is_read_at_call_time(self, make_request, convert_settings) -> None:
        request = make_request(cookie="cookie-id")
        assert resolve_visitor_id(request) == "cookie-id"
        convert_settings(VISITOR_ID_RESOLVER="tests.fixtures_identity.constant_resolver")
        assert resolve_visitor_id(request) == "custom-id-1"

    def test_none_means_the_anonymous_id(self, make_request, convert_settings) -> None:
        convert_settings(VISITOR_ID_RESOLVER="tests.fixtures_identity.none_resolver")
        assert resolve_visitor_id(make_request(cookie="cookie-id")) == "cookie-id"

    @pytest.mark.parametrize("resolver", ["email_resolver", "username_resolver", "script_resolver"])
    def test_unsafe_output_is_refused_logged_and_replaced(
        self, make_request, convert_settings, caplog, resolver
    ) -> None:
        convert_settings(VISITOR_ID_RESOLVER=f"tests.fixtures_identity.{resolver}")
        person = get_user_model()(username="ann@example.com", email="ann@example.com")
        with caplog.at_level(logging.WARNING, logger="django_convert"):
            visitor_id = resolve_visitor_id(make_request(cookie="cookie-id", user=person))
        assert visitor_id == "cookie-id"
        [record] = caplog.records
        assert resolver in record.getMessage()
        assert "ann@example.com" not in record.getMessage()
        assert "<script>" not in record.getMessage()


@pytest.mark.concurrent_db
@pytest.mark.django_db(transaction=True)
def test_first_logins_waiting_for_a_rolled_back_link_all_get_one_id(django_user_model) -> None:
    # Three first logins of one user wait for another transaction that linked her and then
    # rolls back: on InnoDB their inserts (unique Visitor.user) deadlock; the losers look
    # again and adopt the winner's id.
    user = django_user_model.objects.create_user("jane")

    def first() -> None:
        Visitor.objects.create(visitor_id="device-x", user=user)

    def log_in(index: int) -> str:
        return user_visitor_id(user, candidate=f"device-{index}")

    results = after_a_rollback(first, log_in)

    assert not [result for result in results if isinstance(result, BaseException)], results
    assert len(set(results)) == 1
    assert Visitor.objects.get(user=user).visitor_id == results[0]
