"""Permissions, the same everywhere: every admin view and action of the app, by a staff user
with each single permission of the app (and the pairs an action needs). What a user may
not do answers 403, including forged POSTs of actions they are not offered; the admin
index lists exactly what they may open.

The expectations are written out per view (``NEEDS``), not derived from the code.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from django_convert.models import (
    Bucketing,
    ConfigSync,
    Conversion,
    Experience,
    ExperimentReport,
    Goal,
    SkippedConversion,
    Visitor,
)

pytestmark = pytest.mark.django_db

BOTH_FOR_REPORTS = "view bucketing and conversion"
MODELS_WITH_AN_ADMIN = (
    "visitor",
    "bucketing",
    "conversion",
    "experience",
    "goal",
    "configsync",
    "skippedconversion",
)
NEVER = "never"


def perm_names() -> list[str]:
    """Every permission codename of the app (its content types, proxies included)."""
    from django.apps import apps

    models = apps.get_app_config("django_convert").get_models()
    codenames = []
    for model in models:
        for action in ("add", "change", "delete", "view"):
            codenames.append(f"{action}_{model._meta.model_name}")
    return sorted(codenames)


def viewer(model: str) -> set[str]:
    """The permissions that let a user view ``model``'s admin pages: view or change."""
    return {f"view_{model}", f"change_{model}"}


@pytest.fixture
def rows() -> dict[str, Any]:
    visitor = Visitor.objects.create(visitor_id="v-1", browser="CH", devices=["DESK"])
    Bucketing.objects.create(visitor=visitor, experience_id="100127238", variation_id="1001186427")
    conversion = Conversion.objects.create(
        goal_id="100037225", transaction_id="T-1", visitor_id="v-1", status="failed"
    )
    experience = Experience.objects.create(id="100127238", name="Checkout", status="active")
    goal = Goal.objects.create(id="100037225", name="Purchase")
    sync = ConfigSync.objects.create(ok=True, url="https://cdn-4.convertexperiments.com/x")
    skipped = SkippedConversion.objects.create(
        goal_id="100037225", transaction_id="G-1", instance="testapp.order:1", reason="no visitor"
    )
    return {
        "visitor": visitor,
        "bucketing": visitor.bucketings.get(),
        "conversion": conversion,
        "experience": experience,
        "goal": goal,
        "configsync": sync,
        "skippedconversion": skipped,
    }


def admin_url(name: str, *args: Any) -> str:
    return reverse(f"admin:django_convert_{name}", args=args)


def endpoints(rows: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any], Any]]:
    """(label, method, url, data, who may): who is a set of permissions of which any one
    suffices, BOTH_FOR_REPORTS, or NEVER."""
    v, c = rows["visitor"], rows["conversion"]
    found: list[tuple[str, str, str, dict[str, Any], Any]] = []
    for model in MODELS_WITH_AN_ADMIN:
        pk = rows[model].pk
        found += [
            (f"{model} list", "GET", admin_url(f"{model}_changelist"), {}, viewer(model)),
            (f"{model} page", "GET", admin_url(f"{model}_change", pk), {}, viewer(model)),
            (f"{model} history", "GET", admin_url(f"{model}_history", pk), {}, viewer(model)),
            (f"{model} add", "GET", admin_url(f"{model}_add"), {}, NEVER),
            (f"{model} edit", "POST", admin_url(f"{model}_change", pk), {}, NEVER),
            # Never with one permission: deletable ones need view and delete.
            (f"{model} delete page", "GET", admin_url(f"{model}_delete", pk), {}, NEVER),
            (
                f"{model} forged delete_selected",
                "POST",
                admin_url(f"{model}_changelist"),
                {"action": "delete_selected", "_selected_action": [pk], "index": "0"},
                NEVER,
            ),
        ]
    found += [
        (
            "diagnose",
            "GET",
            admin_url("conversion_diagnose", c.pk),
            {},
            viewer("conversion"),
        ),
        (
            "retry",
            "POST",
            admin_url("conversion_changelist"),
            {"action": "retry_conversions", "_selected_action": [c.pk], "index": "0"},
            {"change_conversion"},  # change includes view
        ),
        (
            "forget (asks first)",
            "POST",
            admin_url("visitor_changelist"),
            {"action": "forget_visitors", "_selected_action": [v.pk], "index": "0"},
            NEVER,  # view and delete: no single permission
        ),
        ("sync now", "POST", admin_url("experience_sync"), {}, NEVER),  # add + view: a pair
        (
            "reports in the index",
            "GET",
            admin_url("experimentreport_changelist"),
            {},
            BOTH_FOR_REPORTS,
        ),
        ("reports index", "GET", admin_url("bucketing_reports"), {}, BOTH_FOR_REPORTS),
        (
            "a report",
            "GET",
            admin_url("bucketing_report", "100127238"),
            {},
            BOTH_FOR_REPORTS,
        ),
    ]
    return found


def allowed(who: Any, perms: set[str]) -> bool:
    if who == NEVER:
        return False
    if who == BOTH_FOR_REPORTS:
        return bool(perms & viewer("bucketing")) and bool(perms & viewer("conversion"))
    return bool(perms & who)


def staff(*codenames: str) -> Client:
    user = get_user_model().objects.create_user(
        f"staff-{'-'.join(codenames) or 'none'}"[:150], password="pw", is_staff=True
    )
    for codename in codenames:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="django_convert", codename=codename)
        )
    client = Client()
    client.force_login(user)
    return client


def mismatches(client: Client, perms: set[str], rows: dict[str, Any]) -> list[str]:
    wrong = []
    for label, method, url, data, who in endpoints(rows):
        may = allowed(who, perms)
        response = client.get(url) if method == "GET" else client.post(url, data)
        ok = response.status_code in ((200, 302) if may else (403,))
        if ok and may and method == "POST" and "action" in data:
            ok = response.status_code == 302 or b"Yes" in response.content
        if not ok:
            wrong.append(f"{label}: {response.status_code} ({'allowed' if may else 'refused'})")
    return wrong


@pytest.fixture(autouse=True)
def no_network(convert_settings) -> None:
    # "Sync now" fails fast instead of reaching out (nothing listens on port 9).
    convert_settings(CONFIG_URL="http://127.0.0.1:9", DELIVERY="manual")


def test_every_permission_of_the_app_is_covered() -> None:
    names = set(perm_names())
    in_db = set(
        Permission.objects.filter(
            content_type__in=ContentType.objects.filter(app_label="django_convert")
        ).values_list("codename", flat=True)
    )
    assert names == in_db
    assert "view_experimentreport" in names


@pytest.mark.parametrize("codename", ["", *perm_names()])
def test_each_single_permission(codename, rows) -> None:
    perms = {codename} if codename else set()
    client = staff(*perms)
    assert mismatches(client, perms, rows) == []
    # Nothing was changed or deleted by the refused requests (the staff user's own
    # visitor, made by the middleware on their first request, aside).
    assert Visitor.objects.filter(visitor_id="v-1").exists()
    assert Bucketing.objects.count() == 1
    retried = codename == "change_conversion"
    assert list(Conversion.objects.values_list("status", flat=True)) == [
        "pending" if retried else "failed"
    ]


def test_the_admin_index_lists_what_the_user_may_open(rows) -> None:
    for codename in perm_names():
        page = staff(codename).get(reverse("admin:index")).content.decode()
        listed = {
            model for model in MODELS_WITH_AN_ADMIN if admin_url(f"{model}_changelist") in page
        }
        model = codename.split("_", 1)[1]
        action = codename.split("_", 1)[0]
        expected = {model} if action in ("view", "change") and model in rows else set()
        assert listed == expected, codename
        assert admin_url("experimentreport_changelist") not in page, codename


def test_reports_need_bucketing_and_conversions(rows) -> None:
    client = staff("view_bucketing", "view_conversion")
    page = client.get(reverse("admin:index")).content.decode()
    assert admin_url("experimentreport_changelist") in page
    assert "Experiment reports" in page
    assert client.get(admin_url("experimentreport_changelist")).status_code == 200
    assert client.get(admin_url("bucketing_report", "100127238")).status_code == 200
    # change implies view, as everywhere in Django's admin
    assert (
        staff("change_bucketing", "change_conversion")
        .get(admin_url("experimentreport_changelist"))
        .status_code
        == 200
    )


def test_delete_selected_conversions_needs_view_and_delete(rows) -> None:
    conversion = rows["conversion"]
    data = {"action": "delete_selected", "_selected_action": [conversion.pk], "index": "0"}
    url = admin_url("conversion_changelist")
    assert staff("view_conversion").post(url, data).status_code == 403
    client = staff("view_conversion", "delete_conversion")
    assert b"Are you sure" in client.post(url, data).content
    client.post(url, {**data, "post": "yes"})
    assert not Conversion.objects.exists()


def test_forget_needs_view_and_delete_visitor(rows) -> None:
    url = admin_url("visitor_changelist")
    data = {"action": "forget_visitors", "_selected_action": [rows["visitor"].pk], "index": "0"}
    client = staff("view_visitor", "delete_visitor")
    question = client.post(url, data)
    assert question.status_code == 200
    assert b"Forget this visitor?" in question.content
    assert Visitor.objects.filter(visitor_id="v-1").exists()  # asked, not done
    done = client.post(url, {**data, "post": "yes"}, follow=True)
    assert "Forgot visitor id(s) v-1" in done.content.decode()
    assert not Visitor.objects.filter(visitor_id="v-1").exists()
    assert not Bucketing.objects.exists()
    assert not Conversion.objects.exists()  # a failed one: never sent, now never will be


def test_view_only_forged_retry_is_refused_and_changes_nothing(rows) -> None:
    conversion = rows["conversion"]
    client = staff("view_conversion")
    page = client.get(admin_url("conversion_changelist")).content.decode()
    assert "retry_conversions" not in page  # not offered
    data = {"action": "retry_conversions", "_selected_action": [conversion.pk], "index": "0"}
    assert client.post(admin_url("conversion_changelist"), data).status_code == 403
    conversion.refresh_from_db()
    assert conversion.status == "failed"


def test_diagnose_hides_the_visitor_from_who_may_not_view_visitors(rows) -> None:
    url = admin_url("conversion_diagnose", rows["conversion"].pk)
    hidden = staff("view_conversion").get(url).content.decode()
    assert "details are hidden" in hidden
    assert "1001186427" not in hidden  # the visitor's stored variation
    shown = staff("view_conversion", "view_visitor", "view_bucketing").get(url).content.decode()
    assert "1001186427" in shown
    assert "details are hidden" not in shown


def test_links_only_to_pages_the_user_may_open(rows) -> None:
    conversion_page = admin_url("conversion_change", rows["conversion"].pk)
    visitor_page = admin_url("visitor_change", rows["visitor"].pk)
    assert visitor_page not in staff("view_conversion").get(conversion_page).content.decode()
    both = staff("view_conversion", "view_visitor")
    assert visitor_page in both.get(conversion_page).content.decode()
    experience_page = admin_url("experience_change", "100127238")
    report = admin_url("bucketing_report", "100127238")
    assert report not in staff("view_experience").get(experience_page).content.decode()
    readers = staff("view_experience", "view_bucketing", "view_conversion")
    assert report in readers.get(experience_page).content.decode()


def test_the_proxy_is_the_apps_own(rows) -> None:
    assert ExperimentReport._meta.proxy
    assert ExperimentReport._meta.app_label == "django_convert"


def test_sync_now_needs_add_config_sync_and_the_experience_list(rows) -> None:
    url = admin_url("experience_sync")
    assert staff("add_configsync").post(url).status_code == 403
    assert staff("view_experience").post(url).status_code == 403
    client = staff("add_configsync", "view_experience")
    page = client.get(admin_url("experience_changelist")).content.decode()
    assert url in page  # the button
    assert client.post(url).status_code == 302  # tried (nothing listens: a failed attempt)
    assert ConfigSync.objects.filter(ok=False, trigger="admin").exists()
