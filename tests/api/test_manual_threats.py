"""Manual threats through the change-set API: create / edit / delete, undo, the element API, the stored
assessment (findings, triage, score) and the report formats."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from assessments.engine import assess
from assessments.models import FindingTriage
from assessments.reporting.model import ReportInputs, build_report_model
from assessments.reporting.render import render_bytes
from assessments.services.runs import THREAT_TRIAGE_NOTE
from tests.api.test_assessments_api import start_run
from threatmodel import models as m
from threatmodel.domain import Threat
from threatmodel.selectors import snapshot_of_model
from threatmodel.vocabulary import Impact, Likelihood, ThreatStatus

pytestmark = pytest.mark.django_db

THREAT = {
    "target": "web",
    "title": "Session fixation on login",
    "category": "spoofing",
    "likelihood": "very-likely",
    "impact": "high",
    "description": "An attacker plants a session id.",
    "mitigation": "Rotate the session id at login.",
}


def _post(client: Any, model: Any, changes: list[dict[str, Any]]) -> Any:
    model.refresh_from_db()
    return client.post(
        f"/api/v1/models/{model.pk}/changesets/",
        {"base_revision": model.revision, "changes": changes},
        format="json",
    )


def _target(model: Any) -> str:
    return str(m.Component.objects.filter(model=model).order_by("key").values_list("key", flat=True)[0])


def test_create_edit_delete_and_undo_a_threat_through_change_sets(clients: Any, team_setup: Any) -> None:
    model = team_setup.model
    data = {**THREAT, "target": _target(model)}
    response = _post(clients.editor, model, [{"op": "create", "kind": "threat", "id": "t-fix", "data": data}])
    assert response.status_code in (200, 201), response.json()
    row = m.Threat.objects.get(model=model, key="t-fix")
    assert (row.title, row.likelihood, row.status, row.target_key) == (
        data["title"],
        "very-likely",
        "open",
        data["target"],
    )
    listed = clients.viewer.get(f"/api/v1/models/{model.pk}/threats/").json()
    assert [item["id"] for item in listed["results"]] == ["t-fix"]
    document = clients.viewer.get(f"/api/v1/models/{model.pk}/document/").json()["document"]
    assert [t["id"] for t in document["threats"]] == ["t-fix"]

    control = m.Control.objects.filter(model=model).values_list("key", flat=True).first()
    edit = {"status": "mitigated", "controls": [control] if control else []}
    response = _post(clients.editor, model, [{"op": "update", "kind": "threat", "id": "t-fix", "data": edit}])
    assert response.status_code in (200, 201), response.json()
    row.refresh_from_db()
    assert row.status == "mitigated" and row.controls == edit["controls"]

    bad = _post(
        clients.editor, model, [{"op": "update", "kind": "threat", "id": "t-fix", "data": {"controls": ["nope"]}}]
    )
    assert bad.status_code == 400 and "unknown control 'nope'" in json.dumps(bad.json())
    bad = _post(clients.editor, model, [{"op": "update", "kind": "threat", "id": "t-fix", "data": {"title": ""}}])
    assert bad.status_code == 400
    tab = _post(clients.editor, model, [{"op": "update", "kind": "threat", "id": "t-fix", "data": {"title": "a\tb"}}])
    assert tab.status_code == 400 and "changes[0].data.title" in json.dumps(tab.json())

    # undo of the edit (the editor posts the inverse change set), then delete, then undo of the delete
    undo = {"status": "open", "controls": []}
    assert (
        _post(clients.editor, model, [{"op": "update", "kind": "threat", "id": "t-fix", "data": undo}]).status_code
        < 300
    )
    assert m.Threat.objects.get(model=model, key="t-fix").status == "open"
    assert _post(clients.editor, model, [{"op": "delete", "kind": "threat", "id": "t-fix"}]).status_code < 300
    assert not m.Threat.objects.filter(model=model).exists()
    again = _post(clients.editor, model, [{"op": "create", "kind": "threat", "id": "t-fix", "data": data}])
    assert again.status_code < 300
    snapshot = snapshot_of_model(model=model)
    assert [t.id for t in snapshot.threats] == ["t-fix"] and snapshot.threats[0].mitigation == data["mitigation"]
    assert clients.viewer.post(
        f"/api/v1/models/{model.pk}/changesets/",
        {"base_revision": model.revision + 3, "changes": [{"op": "delete", "kind": "threat", "id": "t-fix"}]},
        format="json",
    ).status_code in (403, 404, 409)


def test_deleting_the_target_needs_the_threat_deleted_too(clients: Any, team_setup: Any) -> None:
    model = team_setup.model
    target = _target(model)
    _post(clients.editor, model, [{"op": "create", "kind": "threat", "id": "t1", "data": {**THREAT, "target": target}}])
    lone = _post(clients.editor, model, [{"op": "delete", "kind": "component", "id": target}])
    assert lone.status_code == 400


def test_a_stored_run_lists_manual_threats_scores_them_and_maps_accepted_to_triage(
    clients: Any, team_setup: Any, engine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    model = team_setup.model
    baseline = start_run(clients.editor, model, django_capture_on_commit_callbacks)
    target = _target(model)
    changes = [
        {"op": "create", "kind": "threat", "id": "t-open", "data": {**THREAT, "target": target}},
        {
            "op": "create",
            "kind": "threat",
            "id": "t-acc",
            "data": {"target": target, "title": "Order ids are linkable", "category": "linking", "status": "accepted"},
        },
        {
            "op": "create",
            "kind": "threat",
            "id": "t-fp",
            "data": {"target": target, "title": "FP", "status": "false-positive"},
        },
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(clients.editor, model, changes).status_code < 300
    run = start_run(clients.editor, model, django_capture_on_commit_callbacks)
    ids = {f["id"]: f for f in run["result"]["findings"] if f["rule"] == "manual.threat"}
    assert set(ids) == {"manual.threat@t-open", "manual.threat@t-acc"}
    assert ids["manual.threat@t-open"]["severity"] == "high" and ids["manual.threat@t-open"]["stride"] == "spoofing"
    assert ids["manual.threat@t-acc"]["stride"] == "" and ids["manual.threat@t-acc"]["severity"] == "medium"
    assert run["overall_score"] < baseline["overall_score"]
    rows = {r["id"]: r for r in run["result"]["rules"]}
    assert rows["manual.threat"]["applicable"] == 2 and rows["manual.threat"]["failed"] == 2
    deducted = {d["finding"] for d in run["result"]["scores"]["deductions"]}
    assert {"manual.threat@t-open", "manual.threat@t-acc"} <= deducted

    decision = FindingTriage.objects.get(model=model, fingerprint="manual.threat@t-acc")
    assert decision.status == "accepted" and decision.justification == THREAT_TRIAGE_NOTE
    findings = clients.viewer.get(f"/api/v1/models/{model.pk}/findings/", {"rule": "manual.threat"}).json()["results"]
    assert {f["id"]: f["status"] for f in findings} == {
        "manual.threat@t-open": "open",
        "manual.threat@t-acc": "accepted",
    }

    from django.test import Client

    browser = Client()
    browser.force_login(team_setup.viewer)
    assert browser.get(f"/models/{model.pk}/findings/").status_code == 200
    live = clients.viewer.get(f"/api/v1/models/{model.pk}/live-assessment/").json()  # what the findings page lists
    rows = {f["id"]: f for f in live["findings"] if f["rule"] == "manual.threat"}
    assert rows["manual.threat@t-open"]["title"] == THREAT["title"]
    assert rows["manual.threat@t-acc"]["status"] == "accepted"

    with django_capture_on_commit_callbacks(execute=True):
        reopened = [{"op": "update", "kind": "threat", "id": "t-acc", "data": {"status": "open"}}]
        assert _post(clients.editor, model, reopened).status_code < 300
    start_run(clients.editor, model, django_capture_on_commit_callbacks)
    assert not FindingTriage.objects.filter(model=model, fingerprint="manual.threat@t-acc").exists()


def test_every_report_format_carries_the_threat(team_setup: Any) -> None:
    from datetime import UTC, datetime

    snapshot = snapshot_of_model(model=team_setup.model)
    target = snapshot.components[0].id
    threat = Threat(
        id="t-pdf",
        target=target,
        title="Replay of signed webhooks",
        likelihood=Likelihood.FREQUENT,
        impact=Impact.VERY_HIGH,
        status=ThreatStatus.OPEN,
    )
    with_threat = snapshot.with_elements("threats", [threat])
    before, result = assess(snapshot, workers=1), assess(with_threat, workers=1)
    finding = result.finding("manual.threat@t-pdf")
    assert finding is not None and finding.severity == "critical" and finding.elements == (target,)
    assert result.scores.overall < before.scores.overall and result.scores.cap == 39.0
    report = build_report_model(ReportInputs(with_threat, result, generated_at=datetime(2026, 1, 1, tzinfo=UTC)))
    for fmt in ("html", "sarif", "csv", "text", "json"):
        assert b"Replay of signed webhooks" in render_bytes(fmt, report), fmt
    rows = list(csv.DictReader(io.StringIO(render_bytes("csv", report).decode())))
    assert any("manual.threat@t-pdf" in json.dumps(row) for row in rows)
    sarif = json.loads(render_bytes("sarif", report))
    assert "manual.threat" in {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
