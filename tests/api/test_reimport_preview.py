"""Re-importing a changed OTM file: the dry-run diff, then one revision that keeps triage and positions."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.engine import assess
from assessments.services.triage import finding_triage_set
from threatmodel import models as m
from threatmodel import selectors, services
from threatmodel.changes import ElementChange

EXAMPLE = json.loads((Path(__file__).resolve().parents[1] / "data" / "interchange" / "EXAMPLE.json").read_text())


def _upload(document: dict[str, Any], name: str = "app.otm.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, json.dumps(document).encode(), content_type="application/json")


def _changed_file() -> dict[str, Any]:
    document = copy.deepcopy(EXAMPLE)
    components = document["components"]
    # a new cache with a flow to it
    components.append(
        {
            "id": "cache",
            "name": "Session cache",
            "type": "redis",
            "parent": {"trustZone": components[1]["parent"]["trustZone"]},
        }
    )
    document["dataflows"].append(
        {"id": "web-to-cache", "name": "Sessions", "source": "web-service", "destination": "cache"}
    )
    # the internet-facing flow is gone
    document["dataflows"] = [f for f in document["dataflows"] if f["id"] != "webclient-to-webservice"]
    # the other tool renamed the database's id; the name is the same, so it is the same element
    database = next(c for c in components if c["id"] == "customer-database")
    database["id"] = "customer-db"
    for flow in document["dataflows"]:
        flow["destination"] = "customer-db" if flow["destination"] == "customer-database" else flow["destination"]
    next(c for c in components if c["id"] == "web-service")["description"] = "Runs our web application (v2)"
    return document


def test_changed_otm_file_previews_the_diff_and_applies_as_one_revision(team_setup: Any, clients: Any) -> None:
    created = clients.editor.post(
        f"/api/v1/teams/{team_setup.team.pk}/models/import/", {"file": _upload(EXAMPLE)}, format="multipart"
    )
    assert created.status_code == 201, created.content
    model = m.ThreatModel.objects.get(pk=created.json()["id"])
    # in Trustmap the web client is moved on the diagram and a finding about the web service is accepted
    services.changeset_apply(
        model=model,
        user=team_setup.editor,
        base_revision=model.revision,
        changes=[ElementChange("update", "component", "web-client", {"position": {"x": 500.0, "y": 40.0}})],
    )
    model.refresh_from_db()
    current = selectors.snapshot_of_model(model=model)
    accepted = next(f for f in assess(current).findings if f.elements == ("web-service",))
    finding_triage_set(
        model=model, fingerprint=accepted.id, status="accepted", user=team_setup.editor, justification="known"
    )
    revisions_before = m.Revision.objects.filter(model=model).count()

    preview = clients.editor.post(
        f"/api/v1/models/{model.pk}/import-preview/", {"file": _upload(_changed_file())}, format="multipart"
    )
    assert preview.status_code == 200, preview.content
    body = preview.json()
    assert body["base_revision"] == model.revision and body["format"] == "otm"
    entries = {(e["kind"], e["id"]): e for e in body["diff"]["elements"]}
    assert entries[("component", "cache")]["status"] == "added"
    assert entries[("flow", "web-to-cache")]["status"] == "added"
    assert entries[("flow", "webclient-to-webservice")]["status"] == "removed"
    web = entries[("component", "web-service")]
    assert web["status"] == "changed" and [f["field"] for f in web["fields"]] == ["description"]
    # matched by name: the database keeps its id, only the id the other tool uses changes
    database = entries[("component", "customer-database")]
    assert [f["field"] for f in database["fields"]] == ["foreign_id"]
    assert ("component", "customer-db") not in entries
    # the moved web client is unchanged: its position from the file does not overwrite Trustmap's
    assert ("component", "web-client") not in entries
    assert body["diff"]["summary"] == {"added": 2, "removed": 1, "changed": 2}
    opened = {f["id"] for f in body["findings"]["opened"]}
    closed = {f["id"] for f in body["findings"]["closed"]}
    assert any("web-to-cache" in f for f in opened)
    assert any("webclient-to-webservice" in f for f in closed)
    assert isinstance(body["score"]["before"], float) and body["score"]["before"] != body["score"]["after"]
    # nothing was written by the preview
    assert m.Revision.objects.filter(model=model).count() == revisions_before

    applied = clients.editor.post(
        f"/api/v1/models/{model.pk}/import/?base_revision={body['base_revision']}",
        {"file": _upload(_changed_file())},
        format="multipart",
    )
    assert applied.status_code == 200, applied.content
    model.refresh_from_db()
    assert model.revision == body["base_revision"] + 1
    assert m.Revision.objects.filter(model=model).count() == revisions_before + 1
    assert m.Revision.objects.get(model=model, number=model.revision).change_count == 5
    after = selectors.snapshot_of_model(model=model)
    assert after.component_by_id["web-client"].position.x == 500.0
    assert after.flow_by_id["cc-store-in-db"].target == "customer-database"
    # the triage of the unchanged web service still applies to the same fingerprint
    assert accepted.id in {f.id for f in assess(after).findings}
    from assessments.selectors import triage_of_model

    assert triage_of_model(model_id=model.pk)[accepted.id].status == "accepted"
    # applying a preview again once the model moved on is a conflict
    stale = clients.editor.post(
        f"/api/v1/models/{model.pk}/import/?base_revision={body['base_revision']}",
        {"file": _upload(EXAMPLE)},
        format="multipart",
    )
    assert stale.status_code == 409


def test_preview_of_a_bad_file_names_the_place(team_setup: Any, clients: Any) -> None:
    broken = copy.deepcopy(EXAMPLE)
    broken["dataflows"][0]["source"] = "nowhere"
    response = clients.editor.post(
        f"/api/v1/models/{team_setup.model.pk}/import-preview/", {"file": _upload(broken)}, format="multipart"
    )
    assert response.status_code == 400
    assert {"path": "dataflows[0].source", "message": "unknown component 'nowhere'"} in response.json()["errors"]
    viewer = clients.viewer.post(
        f"/api/v1/models/{team_setup.model.pk}/import-preview/", {"file": _upload(EXAMPLE)}, format="multipart"
    )
    assert viewer.status_code == 403
