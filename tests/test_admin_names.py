"""Experience, variation and goal names in the admin changelists, filters by name, unknown
ids marked, constant query counts; the Experience admin's "Sync now" button."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from django_convert.models import Bucketing, ConfigSync, Conversion, Experience, Visitor

pytestmark = pytest.mark.django_db

CHANGELISTS = ["visitor", "bucketing", "conversion"]
# (experience, variation): two known pairs from the stand-in's config, one unknown.
PAIRS = [("100127238", "1001186428"), ("100127239", "1001186401"), ("555", "666")]


def changelist(name: str) -> str:
    return reverse(f"admin:django_convert_{name}_changelist")


def make_rows(start: int, count: int) -> None:
    for n in range(start, start + count):
        visitor = Visitor.objects.create(visitor_id=f"v{n}")
        experience, variation = PAIRS[n % len(PAIRS)]
        Bucketing.objects.create(visitor=visitor, experience_id=experience, variation_id=variation)
        if experience != "100127238":
            Bucketing.objects.create(
                visitor=visitor, experience_id="100127238", variation_id="1001186427"
            )
        Conversion.objects.create(
            goal_id="100037225" if n % 2 else "999",
            transaction_id=f"T{n}",
            visitor_id=f"v{n}",
            bucketing={experience: variation},
        )


def text(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("name", CHANGELISTS)
def test_names_beside_ids_and_unknown_marked(synced, admin_client, name) -> None:
    make_rows(0, 3)
    page = text(admin_client.get(changelist(name)))
    assert "Free-shipping banner (100127239)" in page
    assert "Banner on top (1001186401)" in page
    assert "not in the synced config" in page  # experience 555 / variation 666
    assert "icon-alert.svg" in page
    if name == "conversion":
        assert "Purchase (100037225)" in page
        assert "not a goal of the synced project" in page  # goal 999


@pytest.mark.parametrize("name", CHANGELISTS)
def test_nothing_is_called_unknown_before_the_first_sync(admin_client, name) -> None:
    make_rows(0, 3)
    page = text(admin_client.get(changelist(name)))
    assert "not in the synced config" not in page.split('id="changelist-filter"')[0]
    assert "icon-alert.svg" not in page


@pytest.mark.parametrize("name", CHANGELISTS)
def test_changelist_queries_stay_constant_with_names(synced, admin_client, name) -> None:
    make_rows(0, 3)
    admin_client.get(changelist(name))  # warm-up (session, visitor id of the staff user)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(changelist(name))
    make_rows(3, 30)
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(changelist(name))
    assert response.status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def listed(response) -> list[str]:
    return sorted(str(row.pk) for row in response.context["cl"].result_list)


def test_bucketing_filters_by_name_and_unknown(synced, admin_client) -> None:
    make_rows(0, 3)
    page = text(admin_client.get(changelist("bucketing")))
    assert "Checkout button colour (100127238)" in page.split('id="changelist-filter"')[1]
    by_experience = admin_client.get(changelist("bucketing"), {"experience": "100127239"})
    assert {b.experience_id for b in by_experience.context["cl"].result_list} == {"100127239"}
    by_variation = admin_client.get(changelist("bucketing"), {"variation": "1001186427"})
    assert {b.variation_id for b in by_variation.context["cl"].result_list} == {"1001186427"}
    unknown = admin_client.get(changelist("bucketing"), {"experience": "unknown"})
    assert {b.experience_id for b in unknown.context["cl"].result_list} == {"555"}
    unknown = admin_client.get(changelist("bucketing"), {"variation": "unknown"})
    assert {b.variation_id for b in unknown.context["cl"].result_list} == {"666"}


def test_variation_filter_lists_the_chosen_experiences_variations(synced, admin_client) -> None:
    make_rows(0, 1)
    page = text(admin_client.get(changelist("bucketing"), {"experience": "100127238"}))
    filters = page.split('id="changelist-filter"')[1]
    assert "Checkout button colour: B: green button (1001186428)" in filters
    assert "Banner on top" not in filters


def test_visitor_filters_by_experience_and_variation_name(synced, admin_client) -> None:
    make_rows(0, 6)
    response = admin_client.get(changelist("visitor"), {"variation": "1001186401"})
    assert sorted(v.visitor_id for v in response.context["cl"].result_list) == ["v1", "v4"]
    response = admin_client.get(changelist("visitor"), {"experience": "unknown"})
    assert sorted(v.visitor_id for v in response.context["cl"].result_list) == ["v2", "v5"]
    page = text(admin_client.get(changelist("visitor")))
    assert "Checkout button colour (100127238) → A: blue button (1001186427)" in page


def test_conversion_filters_by_goal_name(synced, admin_client) -> None:
    make_rows(0, 4)
    response = admin_client.get(changelist("conversion"), {"goal": "100037225"})
    assert sorted(c.transaction_id for c in response.context["cl"].result_list) == ["T1", "T3"]
    response = admin_client.get(changelist("conversion"), {"goal": "unknown"})
    assert sorted(c.transaction_id for c in response.context["cl"].result_list) == ["T0", "T2"]


def test_variation_of_another_experience_and_paused_experience_are_marked(
    synced, admin_client
) -> None:
    Experience.objects.filter(pk="100127239").update(status="paused")
    visitor = Visitor.objects.create(visitor_id="x")
    Bucketing.objects.create(visitor=visitor, experience_id="100127238", variation_id="1001186401")
    Bucketing.objects.create(visitor=visitor, experience_id="100127239", variation_id="1001186400")
    page = text(admin_client.get(changelist("bucketing")))
    assert "a variation of experience 100127239, not of 100127238" in page
    assert "paused, not active" in page


def test_detail_pages_show_names(synced, admin_client) -> None:
    make_rows(0, 1)
    visitor = Visitor.objects.get(visitor_id="v0")
    page = text(admin_client.get(reverse("admin:django_convert_visitor_change", args=[visitor.pk])))
    assert "B: green button (1001186428)" in page
    conversion = Conversion.objects.get()
    url = reverse("admin:django_convert_conversion_change", args=[conversion.pk])
    page = text(admin_client.get(url))
    assert "Checkout button colour (100127238)" in page
    assert "not a goal of the synced project" in page


# The project config's own admin ---------------------------------------------------------


def test_experience_goal_and_sync_changelists(synced, admin_client) -> None:
    page = text(admin_client.get(changelist("experience")))
    assert "Checkout button colour" in page
    assert "A: blue button (1001186427) (50 %)" in page
    assert "Last synced from Convert:" in page
    assert "Sync now from Convert" in page
    assert "Newsletter signup" in text(admin_client.get(changelist("goal")))
    assert admin_client.get(changelist("configsync")).status_code == 200
    experience = reverse("admin:django_convert_experience_change", args=["100127238"])
    assert "B: green button" in text(admin_client.get(experience))


def test_sync_now_button(config_server, admin_client) -> None:
    page = text(admin_client.get(changelist("experience")))
    assert "No project config has been synced yet" in page
    url = reverse("admin:django_convert_experience_sync")
    response = admin_client.post(url, follow=True)
    assert "Synced 3 experiences, 7 variations and 3 goals" in text(response)
    assert ConfigSync.objects.get().trigger == "admin"
    config_server.config.fail(503)
    response = admin_client.post(url, follow=True)
    page = text(response)
    assert "Could not sync from Convert; the last good copy is kept" in page
    assert "The last sync" in page and "failed" in page  # noqa: PT018
    assert "Showing the last good copy" in page
    assert Experience.objects.filter(in_config=True).count() == 4  # 3 + the archived id
    assert admin_client.get(url).status_code == 405  # POST only


def test_sync_now_needs_permission(config_server, client) -> None:
    user = get_user_model().objects.create_user("staff", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_experience"))
    client.force_login(user)
    assert "Sync now from Convert" not in text(client.get(changelist("experience")))
    assert client.post(reverse("admin:django_convert_experience_sync")).status_code == 403
    assert config_server.config.requests == []


def test_project_config_rows_are_read_only(synced, admin_client) -> None:
    assert admin_client.get(reverse("admin:django_convert_experience_add")).status_code == 403
    assert admin_client.get(reverse("admin:django_convert_goal_add")).status_code == 403


def many_experiences(count: int) -> dict:
    from django_convert.testing.project_config import sample_config

    data = sample_config()
    for n in range(count):
        data["experiences"].append(
            {
                "id": str(200000000 + n),
                "name": f"Experiment {n}",
                "status": "active",
                "goals": ["100037225"],
                "variations": [{"id": str(300000000 + n), "name": "Original"}],
            }
        )
    return data


@pytest.mark.parametrize("name", ["experience", "goal", "configsync"])
def test_project_config_changelists_queries_stay_constant(config_server, admin_client, name):
    from django_convert.project.sync import sync_project_config

    assert sync_project_config().ok
    admin_client.get(changelist(name))
    with CaptureQueriesContext(connection) as few:
        admin_client.get(changelist(name))
    config_server.config.serve(many_experiences(40))
    for _ in range(3):
        assert sync_project_config().ok
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(changelist(name))
    assert response.status_code == 200
    assert len(many) == len(few)


def test_long_variation_lists_wait_for_an_experience(config_server, admin_client) -> None:
    from django_convert.project.sync import sync_project_config

    config_server.config.serve(many_experiences(60))
    assert sync_project_config().ok
    filters = text(admin_client.get(changelist("bucketing"))).split('id="changelist-filter"')[1]
    assert "Experiment 59 (200000059)" in filters  # experiences are all listed
    assert "(300000059)" not in filters  # 60+ variations are not
    chosen = admin_client.get(changelist("bucketing"), {"experience": "200000059"})
    assert "Experiment 59: Original (300000059)" in text(chosen)
