"""The Threagile pack switched on per model: its findings appear in live assessments and persisted runs."""

from __future__ import annotations

from typing import Any

from assessments.choices import JobStatus
from assessments.models import RunFinding
from tests.api.test_assessments_api import start_run


def _switch(model: Any, value: Any) -> None:
    model.attributes = {**model.attributes, "rule_packs": {"threagile": value}}
    model.save(update_fields=["attributes"])


def test_live_assessment_has_no_threagile_findings_unless_switched_on(clients: Any, team_setup: Any) -> None:
    model = team_setup.model
    url = f"/api/v1/models/{model.pk}/live-assessment/"
    body = clients.viewer.get(url).json()
    assert not any(f["rule"].startswith("threagile.") for f in body["findings"])
    assert "rule_packs" not in body
    _switch(model, "threagile-fixed")
    body = clients.viewer.get(url).json()
    pack = [f for f in body["findings"] if f["rule"].startswith("threagile.")]
    assert pack and body["rule_packs"] == {"threagile": {"mode": "threagile-fixed", "findings": len(pack)}}
    assert all(f["status"] == "open" for f in pack)  # the same triage machinery
    assert body["summary"]["findings"] == len(body["findings"])
    assert sum(body["summary"]["by_severity"].values()) == body["summary"]["open"]  # open ones, as built in


def test_a_run_persists_the_pack_findings(
    clients: Any, team_setup: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _switch(team_setup.model, "threagile-compatible")
    run = start_run(clients.editor, team_setup.model, django_capture_on_commit_callbacks)
    assert run["status"] == JobStatus.SUCCEEDED, run["error"]
    rows = RunFinding.objects.filter(run_id=run["id"], rule__startswith="threagile.")
    assert rows.count() == run["result"]["rule_packs"]["threagile"]["findings"] > 0


def test_a_bad_setting_is_reported_not_a_server_error(clients: Any, team_setup: Any) -> None:
    _switch(team_setup.model, "threagile-strict")
    response = clients.viewer.get(f"/api/v1/models/{team_setup.model.pk}/live-assessment/")
    assert response.status_code == 200
    error = response.json()["rule_packs"]["threagile"]["error"]
    assert "rule_packs.threagile" in error and "'threagile-strict'" in error
