"""Pages, team isolation, roles, the admin, and the management commands."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.urls import reverse

from threatmodel import models as m
from threatmodel import selectors, services
from threatmodel.choices import Role

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parents[1] / "data" / "models"


def test_login_page_and_redirect_for_anonymous(client: Any) -> None:
    assert client.get(reverse("login")).status_code == 200
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_login_then_see_my_teams_and_models(client: Any, alice: Any, demo_model: Any) -> None:
    response = client.post(reverse("login"), {"username": "alice", "password": "alice-pass-123"})
    assert response.status_code == 302
    page = client.get(reverse("home")).content.decode()
    assert "Team A" in page and "Boutique online shop" in page


def test_model_page_shows_components_flows_boundaries_and_history(client: Any, alice: Any, demo_model: Any) -> None:
    client.force_login(alice)
    page = client.get(reverse("model-detail", args=[demo_model.pk])).content.decode()
    for text in ("Checkout service", "cart-to-redis", "namespace: checkout", "Revision history", "r1"):
        assert text in page


def test_another_team_gets_404_for_the_model_and_its_revisions(
    client: Any, bob: Any, team_b: Any, demo_model: Any
) -> None:
    client.force_login(bob)
    assert client.get(reverse("model-detail", args=[demo_model.pk])).status_code == 404
    assert client.get(reverse("revision-diff", args=[demo_model.pk, 1])).status_code == 404
    assert "Boutique" not in client.get(reverse("home")).content.decode()


def test_missing_model_is_also_404(client: Any, alice: Any) -> None:
    client.force_login(alice)
    assert client.get(reverse("model-detail", args=[987654])).status_code == 404


def test_selectors_hide_other_teams_and_enforce_roles(
    alice: Any, bob: Any, viewer: Any, team_b: Any, demo_model: Any
) -> None:
    with pytest.raises(selectors.NotFound):
        selectors.model_for_user(user=bob, model_id=demo_model.pk)
    assert list(selectors.models_for_user(user=bob)) == []
    assert selectors.model_for_user(user=viewer, model_id=demo_model.pk) == demo_model
    with pytest.raises(selectors.Forbidden):
        selectors.model_for_user(user=viewer, model_id=demo_model.pk, role=Role.EDITOR)
    assert selectors.model_for_user(user=alice, model_id=demo_model.pk, role=Role.OWNER) == demo_model


def test_a_team_keeps_at_least_one_owner(alice: Any, team_a: Any) -> None:
    with pytest.raises(services.TeamRuleError):
        services.membership_set(team=team_a, user=alice, role=Role.EDITOR)
    with pytest.raises(services.TeamRuleError):
        services.membership_remove(team=team_a, user=alice)


def test_revision_diff_page(client: Any, alice: Any, demo_model: Any) -> None:
    from threatmodel.changes import ElementChange

    services.changeset_apply(
        model=demo_model,
        user=alice,
        base_revision=1,
        changes=[ElementChange("update", "flow", "cart-to-redis", {"encryption": "tls"})],
    )
    client.force_login(alice)
    page = client.get(reverse("revision-diff", args=[demo_model.pk, 2])).content.decode()
    assert "cart-to-redis" in page and "diff-changed" in page


def test_every_model_is_registered_in_the_admin() -> None:
    for app_label in ("threatmodel", "assessments", "catalog"):
        for model in apps.get_app_config(app_label).get_models():
            assert admin.site.is_registered(model), model


def test_admin_pages_render_for_staff(client: Any, admin_user: Any, demo_model: Any) -> None:
    client.force_login(admin_user)
    for name in ("threatmodel_component", "threatmodel_dataflow", "threatmodel_revision", "threatmodel_threatmodel"):
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200


def test_hostile_names_are_escaped_on_pages(client: Any, alice: Any, demo_model: Any) -> None:
    from threatmodel.changes import ElementChange

    services.changeset_apply(
        model=demo_model,
        user=alice,
        base_revision=1,
        changes=[ElementChange("update", "component", "cart", {"name": "<img src=x onerror=alert(1)>"})],
    )
    client.force_login(alice)
    page = client.get(reverse("model-detail", args=[demo_model.pk])).content.decode()
    assert "<img src=x onerror=alert(1)>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


# -- commands ----------------------------------------------------------------------------------


def test_tm_import_and_export_round_trip(team_a: Any, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("tm_import", str(DATA / "online-shop.yaml"), "--team", team_a.slug, stdout=out)
    model = m.ThreatModel.objects.get(team=team_a)
    assert "imported model" in out.getvalue()
    exported = tmp_path / "exported.yaml"
    call_command("tm_export", str(model.pk), "--output", str(exported), stderr=io.StringIO())
    from threatmodel.interchange.native import read_model

    original = read_model((DATA / "online-shop.yaml").read_bytes(), "a.yaml")
    assert read_model(exported.read_bytes(), "b.yaml") == original
    json_out = io.StringIO()
    call_command("tm_export", f"{team_a.slug}/{model.name}", "--format", "json", stdout=json_out)
    assert read_model(json_out.getvalue(), "c.json") == original


def test_tm_import_of_a_bad_file_writes_nothing(team_a: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text((DATA / "online-shop.yaml").read_text().replace("boundary: ns-checkout", "boundary: dmz-2", 1))
    with pytest.raises(CommandError) as caught:
        call_command("tm_import", str(bad), "--team", team_a.slug)
    assert "unknown boundary 'dmz-2'" in str(caught.value) and "nothing was written" in str(caught.value)
    assert m.ThreatModel.objects.count() == 0 and m.Component.objects.count() == 0


def test_tm_import_replace_applies_a_new_revision(team_a: Any, tmp_path: Path) -> None:
    call_command("tm_import", str(DATA / "online-shop.yaml"), "--team", team_a.slug, stdout=io.StringIO())
    edited = tmp_path / "edited.yaml"
    edited.write_text((DATA / "online-shop.yaml").read_text().replace("name: Cart service", "name: Basket service"))
    out = io.StringIO()
    call_command("tm_import", str(edited), "--team", team_a.slug, "--replace", stdout=out)
    model = m.ThreatModel.objects.get(team=team_a)
    assert model.revision == 2 and "(1 changes)" in out.getvalue()
    with pytest.raises(CommandError, match="already exists"):
        call_command("tm_import", str(edited), "--team", team_a.slug)


def test_seed_demo_is_idempotent(tmp_path: Path) -> None:
    for _ in range(2):
        call_command("seed_demo", "--password", "demo-pass-123", stdout=io.StringIO())
    assert m.ThreatModel.objects.count() == 1 and m.Team.objects.filter(slug="demo").count() == 1
    assert m.Revision.objects.count() == 1


def test_api_docs_pages_load_nothing_from_other_hosts(client: Any, alice: Any) -> None:
    import re

    client.force_login(alice)
    for url in ("/api/docs/", "/api/redoc/"):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        external = re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", page)
        assert external == [], (url, external)
        assert "/static/drf_spectacular_sidecar/" in page
