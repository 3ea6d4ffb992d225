"""Models as first-class things through the API: create (blank, template, file), rename, duplicate, archive,
restore, delete; names non-empty and unique in their team."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from threatmodel import models as m
from threatmodel import selectors
from threatmodel.model_templates import TEMPLATES

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parents[1] / "data" / "models"


def _create(client: Any, team: Any, **body: Any) -> Any:
    return client.post("/api/v1/models/", {"team": team.pk, **body}, format="json")


def test_create_blank_then_rename_and_edit(clients: Any, team_setup: Any) -> None:
    response = _create(clients.editor, team_setup.team, name="  Payments platform ", business_criticality="critical")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "Payments platform" and body["business_criticality"] == "critical"
    assert body["archived"] is False and body["revision"] == 1
    model_id = body["id"]
    response = clients.editor.patch(
        f"/api/v1/models/{model_id}/",
        {"name": "Payments", "description": "Card payments", "base_revision": 1},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "Payments" and response.json()["revision"] == 2
    revision = m.Revision.objects.get(model_id=model_id, number=2)
    assert revision.message == "Set description, name of the model"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "a model needs a name"),
        ("   ", "a model needs a name"),
        ("boutique ONLINE shop", "a model named 'Boutique online shop' already exists in team 'Shop'"),
    ],
)
def test_create_refuses_blank_and_duplicate_names(clients: Any, team_setup: Any, name: str, message: str) -> None:
    before = m.ThreatModel.objects.count()
    response = _create(clients.editor, team_setup.team, name=name)
    assert response.status_code == 400
    assert response.json()["errors"] == [{"path": "name", "message": message}]
    assert m.ThreatModel.objects.count() == before


def test_rename_to_taken_or_blank_name_changes_nothing(clients: Any, team_setup: Any) -> None:
    other = _create(clients.editor, team_setup.team, name="Other").json()
    for name, message in (
        ("Boutique online shop", "a model named 'Boutique online shop' already exists in team 'Shop'"),
        ("  ", "a model needs a name"),
    ):
        response = clients.editor.patch(
            f"/api/v1/models/{other['id']}/", {"name": name, "base_revision": 1}, format="json"
        )
        assert response.status_code == 400, response.json()
        assert response.json()["errors"][0]["message"] == message
    assert m.ThreatModel.objects.get(pk=other["id"]).name == "Other"
    assert m.ThreatModel.objects.get(pk=other["id"]).revision == 1
    # the same name in another team is fine
    assert _create(clients.outsider, team_setup.other_team, name="Boutique online shop").status_code == 201


def test_database_refuses_blank_name() -> None:
    from tests.factories import TeamFactory

    team = TeamFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        m.ThreatModel.objects.create(team=team, name="  ")


@pytest.mark.parametrize("template", [t.slug for t in TEMPLATES])
def test_create_from_each_template(clients: Any, team_setup: Any, template: str) -> None:
    response = _create(clients.editor, team_setup.team, name=f"From {template}", template=template)
    assert response.status_code == 201, response.json()
    model = m.ThreatModel.objects.get(pk=response.json()["id"])
    snapshot = selectors.snapshot_of_model(model=model)
    expected = next(t for t in TEMPLATES if t.slug == template).snapshot()
    assert snapshot.info.name == f"From {template}"
    assert len(snapshot.components) == len(expected.components) > 3
    assert len(snapshot.flows) == len(expected.flows) > 3
    assert model.revisions.get().message.startswith("Created from the template ")


def test_templates_endpoint_lists_counts(clients: Any) -> None:
    body = clients.viewer.get("/api/v1/models/templates/").json()
    assert [t["slug"] for t in body] == [t.slug for t in TEMPLATES]
    assert all(t["counts"]["components"] > 3 and t["counts"]["flows"] > 3 for t in body)


def test_unknown_template_is_refused(clients: Any, team_setup: Any) -> None:
    response = _create(clients.editor, team_setup.team, name="X", template="mainframe")
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "template"


def test_upload_with_a_name_and_with_the_files_name(clients: Any, team_setup: Any) -> None:
    raw = (DATA / "minimal.json").read_bytes()
    response = clients.editor.post(
        f"/api/v1/teams/{team_setup.team.pk}/models/import/",
        {"file": SimpleUploadedFile("minimal.json", raw), "name": "Uploaded copy"},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "Uploaded copy"
    response = clients.editor.post(
        f"/api/v1/teams/{team_setup.team.pk}/models/import/",
        {"file": SimpleUploadedFile("minimal.json", raw)},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    response = clients.editor.post(
        f"/api/v1/teams/{team_setup.team.pk}/models/import/",
        {"file": SimpleUploadedFile("minimal.json", raw)},
        format="multipart",
    )
    assert response.status_code == 400
    assert "already exists" in response.json()["errors"][0]["message"]


def test_duplicate_copies_content_with_its_own_history(clients: Any, team_setup: Any) -> None:
    source = team_setup.model
    response = clients.editor.post(f"/api/v1/models/{source.pk}/duplicate/", {}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "Boutique online shop (copy)"
    second = clients.editor.post(f"/api/v1/models/{source.pk}/duplicate/", {}, format="json").json()
    assert second["name"] == "Boutique online shop (copy 2)"
    copy = m.ThreatModel.objects.get(pk=response.json()["id"])
    a, b = selectors.snapshot_of_model(model=source), selectors.snapshot_of_model(model=copy)
    assert (a.components, a.flows, a.grants) == (b.components, b.flows, b.grants)
    assert copy.revisions.get().message == "Duplicated from Boutique online shop (revision 1)"
    named = clients.editor.post(f"/api/v1/models/{source.pk}/duplicate/", {"name": "Shop v2"}, format="json")
    assert named.json()["name"] == "Shop v2"
    assert clients.viewer.post(f"/api/v1/models/{source.pk}/duplicate/", {}, format="json").status_code == 403


def test_archive_makes_read_only_and_restore_undoes(clients: Any, team_setup: Any) -> None:
    model = team_setup.model
    response = clients.editor.post(f"/api/v1/models/{model.pk}/archive/")
    assert response.status_code == 200 and response.json()["archived"] is True
    listed = clients.viewer.get("/api/v1/models/?archived=false").json()["results"]
    assert model.pk not in [r["id"] for r in listed]
    assert [r["id"] for r in clients.viewer.get("/api/v1/models/?archived=true").json()["results"]] == [model.pk]
    response = clients.editor.patch(
        f"/api/v1/models/{model.pk}/", {"description": "x", "base_revision": 1}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "the model is archived (read-only); restore it to edit"
    assert clients.viewer.post(f"/api/v1/models/{model.pk}/restore/").status_code == 403
    response = clients.editor.post(f"/api/v1/models/{model.pk}/restore/")
    assert response.status_code == 200 and response.json()["archived"] is False
    response = clients.editor.patch(
        f"/api/v1/models/{model.pk}/", {"description": "x", "base_revision": 1}, format="json"
    )
    assert response.status_code == 200


def test_other_teams_models_are_not_found(clients: Any, team_setup: Any) -> None:
    model = team_setup.model
    for action in ("duplicate", "archive", "restore"):
        assert clients.outsider.post(f"/api/v1/models/{model.pk}/{action}/").status_code == 404


def test_rename_through_a_change_set_names_the_path(clients: Any, team_setup: Any) -> None:
    _create(clients.editor, team_setup.team, name="Other")
    change = {"op": "update", "kind": "model", "data": {"name": "other"}}
    response = clients.editor.post(
        f"/api/v1/models/{team_setup.model.pk}/changesets/", {"base_revision": 1, "changes": [change]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "changes[0].data.name", "message": "a model named 'Other' already exists in team 'Shop'"}
    ]
    change["data"] = {"name": "Shop renamed"}
    response = clients.editor.post(
        f"/api/v1/models/{team_setup.model.pk}/changesets/", {"base_revision": 1, "changes": [change]}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["message"] == "Renamed the model to 'Shop renamed'"
