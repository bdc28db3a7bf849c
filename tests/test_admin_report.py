"""The experiment report's admin pages: permissions, the form, the figures shown, the chart."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.test_reports_experiment import (
    END,
    EXPERIENCE,
    GOAL,
    GREEN,
    ORIGINAL,
    START,
    configure,
    seed,
)

pytestmark = pytest.mark.django_db
URL = reverse("admin:django_convert_bucketing_report", args=[EXPERIENCE])
RANGE = {
    "goal": GOAL,
    "start": START.date().isoformat(),
    "end": (END - timedelta(days=1)).date().isoformat(),
}


@pytest.fixture
def experiment() -> None:
    configure({ORIGINAL: 50, GREEN: 50})
    seed({ORIGINAL: 600, GREEN: 400}, {ORIGINAL: 0.05, GREEN: 0.09})


def staff(client, *codenames: str):
    user = get_user_model().objects.create_user("staff", password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return client


def test_report_page_shows_figures_chart_and_srm_warning(admin_client, experiment) -> None:
    response = admin_client.get(URL, RANGE)
    assert response.status_code == 200
    html = response.content.decode()
    report = response.context["report"]
    assert [v.visitors for v in report.variations] == [600, 400]
    assert "Checkout button" in html
    assert "Green button" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="convert-report-chart"' in html
    assert f"{report.variations[1].rate * 100:.2f} %" in html
    # 600/400 against a configured 50/50 split.
    assert report.sample_ratio.mismatch
    assert "Sample ratio mismatch" in html


def test_page_is_strict_csp_friendly(admin_client, experiment) -> None:
    html = admin_client.get(URL, RANGE).content.decode()
    assert not re.search(r"\sstyle=", html)
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\ssrc=)", html)
    assert not re.search(r"(src|href)=\"(https?:)?//", html)


def test_defaults_cover_the_whole_experiment(admin_client, experiment) -> None:
    response = admin_client.get(URL)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.data["goal"] == GOAL
    # From the first bucketing (the seed's earliest visitor came before START) to today.
    assert form.data["start"] == (START - timedelta(days=3)).date().isoformat()
    assert response.context["report"].visitors == 1001


def test_bad_ranges_and_goals_show_errors_not_a_report(admin_client, experiment) -> None:
    response = admin_client.get(URL, {**RANGE, "start": RANGE["end"], "end": RANGE["start"]})
    assert response.status_code == 400
    assert response.context["report"] is None
    assert "must not be before" in response.content.decode()
    response = admin_client.get(URL, {**RANGE, "goal": "nope"})
    assert response.status_code == 400
    assert response.context["report"] is None
    response = admin_client.get(URL, {**RANGE, "start": "yesterday"})
    assert response.status_code == 400
    assert response.context["report"] is None


def test_view_permission_on_both_models_is_required(client, experiment) -> None:
    assert staff(client, "view_bucketing").get(URL, RANGE).status_code == 403
    client.logout()
    get_user_model().objects.all().delete()
    assert staff(client, "view_bucketing", "view_conversion").get(URL, RANGE).status_code == 200


def test_non_staff_are_sent_to_login(client, experiment) -> None:
    user = get_user_model().objects.create_user("plain", password="pw")
    client.force_login(user)
    response = client.get(URL, RANGE)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_index_lists_experiences_with_names(admin_client, experiment) -> None:
    response = admin_client.get(reverse("admin:django_convert_bucketing_reports"))
    html = response.content.decode()
    assert "Checkout button (100127238)" in html
    assert URL in html
    changelist = admin_client.get(reverse("admin:django_convert_bucketing_changelist"))
    assert reverse("admin:django_convert_bucketing_reports") in changelist.content.decode()


def test_report_page_queries_do_not_grow_with_rows(admin_client, experiment) -> None:
    admin_client.get(URL, RANGE)  # the first request of a session also reads auth tables
    with CaptureQueriesContext(connection) as small:
        admin_client.get(URL, RANGE)
    seed({ORIGINAL: 300, GREEN: 300}, {ORIGINAL: 0.3, GREEN: 0.3}, seed=9, prefix="more")
    with CaptureQueriesContext(connection) as large:
        admin_client.get(URL, RANGE)
    assert len(small) == len(large)


def test_without_synced_config_the_page_still_reports(admin_client) -> None:
    seed({ORIGINAL: 120, GREEN: 80}, {ORIGINAL: 0.1, GREEN: 0.1})
    response = admin_client.get(URL, RANGE)
    assert response.status_code == 200
    form = response.context["form"]
    assert [value for value, _label in form.fields["baseline"].choices] == ["", ORIGINAL, GREEN]
    html = response.content.decode()
    assert "Not checked: no synced configuration for this experience" in html
    assert "convert_sync" in html


def test_the_experience_page_links_to_its_report(admin_client, experiment) -> None:
    page = admin_client.get(reverse("admin:django_convert_experience_change", args=[EXPERIENCE]))
    assert page.status_code == 200
    assert f'href="{URL}"' in page.content.decode()


@pytest.mark.parametrize("bad", ['1"2', "x" * 33, "a b"])
def test_an_impossible_experience_id_is_a_404(admin_client, bad) -> None:
    url = reverse("admin:django_convert_bucketing_report", args=[bad])
    assert admin_client.get(url, RANGE).status_code == 404
