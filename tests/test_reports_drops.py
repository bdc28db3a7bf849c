"""Why a browser's bucketing never reached the database: the ingest endpoint notes a
crawler's dropped posts per visitor, and the doctor names that reason for the visitor's
conversions (instead of "render the tag"), or lists every reason when none was noted."""

from __future__ import annotations

import ast
import logging
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError
from django.db.models import QuerySet
from django.urls import reverse

from django_convert import track_conversion
from django_convert.models import DroppedPost, Visitor
from django_convert.reports import drops
from django_convert.reports.doctor import GUIDE_URL, diagnose_conversion
from django_convert.reports.drops import CRAWLER, DROP_REASONS, possible_reasons
from tests.fixtures_ingest import VISITOR_ID, example_payload
from tests.test_ingest_identity import listener_post

pytestmark = pytest.mark.django_db

PLAYWRIGHT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/120.0.0.0 Safari/537.36"
)
PACKAGE = Path(__file__).resolve().parent.parent / "django_convert"


def test_a_crawlers_post_is_noted_once_per_visitor(ingest_client) -> None:
    for _ in range(3):
        assert listener_post(ingest_client, HTTP_USER_AGENT=PLAYWRIGHT).status_code == 204
    [note] = DroppedPost.objects.all()
    assert (note.visitor_id, note.reason, note.detail) == (VISITOR_ID, CRAWLER, "HeadlessChrome")
    assert not Visitor.objects.exists()  # still nothing stored for it


def test_no_note_without_a_visitor_id(clear_throttle, client) -> None:
    response = client.post(
        reverse("django_convert:context"),
        data=example_payload(),
        content_type="application/json",
        HTTP_USER_AGENT="Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    )
    assert response.status_code == 204
    assert not DroppedPost.objects.exists()


def test_a_note_that_cannot_be_written_is_logged_not_the_clients_error(
    ingest_client, monkeypatch, caplog
) -> None:
    original = QuerySet.bulk_create

    def broken(self: QuerySet, *args: object, **kwargs: object) -> object:
        if self.model is DroppedPost:
            raise DatabaseError("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "bulk_create", broken)
    with caplog.at_level(logging.WARNING, logger="django_convert"):
        assert listener_post(ingest_client, HTTP_USER_AGENT=PLAYWRIGHT).status_code == 204
    assert "Could not note a dropped ingest post (crawler): disk full" in caplog.text


def test_the_doctor_names_the_crawler_case(ingest_client, admin_client) -> None:
    listener_post(ingest_client, HTTP_USER_AGENT=PLAYWRIGHT)
    conversion = track_conversion(visitor_id=VISITOR_ID, goal_id="100037225", transaction_id="T")
    items = {item.key: item for item in diagnose_conversion(conversion).items}
    visitor = items["visitor"]
    assert visitor.status == "fail"
    assert "Its posts were dropped: the browser's user agent is on the crawler list" in (
        visitor.detail
    )
    assert "(matched 'HeadlessChrome')" in visitor.detail
    assert "desktop browser's user agent" in visitor.fix
    assert "Render {% convert_head %}" not in visitor.fix  # not the wrong fix
    page = admin_client.get(
        reverse("admin:django_convert_conversion_diagnose", args=[conversion.pk])
    ).content.decode()
    assert "matched &#x27;HeadlessChrome&#x27;" in page
    assert f'href="{GUIDE_URL}"' in page
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("convert_doctor", str(conversion.pk), stdout=out)
    assert "crawler list" in out.getvalue()
    assert GUIDE_URL in out.getvalue()


def test_without_a_note_the_doctor_lists_every_reason(convert_settings) -> None:
    conversion = track_conversion(visitor_id="ghost", goal_id="100037225", transaction_id="G")
    visitor = {item.key: item for item in diagnose_conversion(conversion).items}["visitor"]
    assert "No dropped post was noted for it." in visitor.detail
    assert len(visitor.notes) == len(possible_reasons())
    assert visitor.notes[0].startswith("The browser's user agent is on the crawler list")
    assert any("{% convert_head %}" in note for note in visitor.notes)
    # What the settings rule out is not listed; what they confirm comes first.
    assert not any("cookie consent is required" in note for note in visitor.notes)
    convert_settings(CONSENT={"REQUIRED": True})
    first = possible_reasons()[0]
    assert first.code == "no_consent"


def test_every_reason_noted_anywhere_has_an_entry() -> None:
    """A new drop reason (note_dropped(request, CODE, ...)) needs its line in the table."""
    codes = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "note_dropped"
                and len(node.args) >= 2
            ):
                reason = node.args[1]
                if isinstance(reason, ast.Constant):
                    codes.append(reason.value)
                else:
                    assert isinstance(reason, ast.Name), ast.dump(reason)
                    codes.append(getattr(drops, reason.id))
    assert CRAWLER in codes
    assert set(codes) <= set(DROP_REASONS)
    for reason in DROP_REASONS.values():
        assert reason.what
        assert reason.fix
        assert reason.code == reason.code.lower()
