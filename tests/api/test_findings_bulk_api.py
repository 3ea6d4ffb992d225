"""Findings through the API at scale: the list's new filters and sorting, and bulk triage
(``POST /api/v1/models/{id}/findings/triage/``) by fingerprints or by filter, for editors and owners only, with
JSON errors, audit entries and the counts it leaves."""

from __future__ import annotations

from typing import Any

import pytest

from assessments.models import FindingTriage
from tests.api.test_assessments_api import start_run
from threatmodel import models as m
from threatmodel.choices import AuditAction

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(clients: Any, team_setup: Any, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    done = start_run(clients.editor, team_setup.model, django_capture_on_commit_callbacks)
    assert done["status"] == "succeeded", done["error"]
    return done


def _url(team_setup: Any, tail: str = "triage/") -> str:
    return f"/api/v1/models/{team_setup.model.pk}/findings/{tail}"


def test_the_list_filters_and_sorts_on_the_new_columns(clients: Any, team_setup: Any, run: dict[str, Any]) -> None:
    findings = run["result"]["findings"]
    expected = sorted(
        (f["rule"], f["id"]) for f in findings if f["stride"] == "information-disclosure" and f["severity"] != "info"
    )
    got = clients.viewer.get(
        _url(team_setup, ""),
        {"stride": "information-disclosure", "severity": ["critical", "high", "medium", "low"], "sort": "-rule"},
    ).json()
    assert got["count"] == len(expected) > 1
    rules = [r["rule"] for r in got["results"]]
    assert rules == sorted(rules, reverse=True)
    one = got["results"][0]
    source = next(f for f in findings if f["id"] == one["id"])
    assert (one["cwe"], one["family"], one["remediation"]) == (source["cwe"], source["family"], source["remediation"])
    assert one["first_seen_revision"] == run["revision"] and one["bucket"] in ("open", "mitigated")
    assert clients.viewer.get(_url(team_setup, ""), {"boundary": "eks"}).json()["count"] > 0
    bad = clients.viewer.get(_url(team_setup, ""), {"sort": "colour", "new_since": "-1"})
    assert bad.status_code == 400 and bad["Content-Type"].startswith("application/json")


def test_bulk_triage_by_fingerprints_and_by_filter(clients: Any, team_setup: Any, run: dict[str, Any]) -> None:
    findings = run["result"]["findings"]
    open_ = [f["id"] for f in findings if not f["mitigated"]]
    three = open_[:3]
    response = clients.editor.post(
        _url(team_setup),
        {
            "fingerprints": three,
            "status": "accepted",
            "justification": "Compensated by the WAF",
            "owner": "owner",
            "expires_at": "2031-06-30T23:59:59Z",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["updated"] == 3 and body["fingerprints"] == three and body["run"] == run["id"]
    assert body["counts"]["totals"]["accepted"] == 3
    assert body["counts"]["totals"]["open"] == len(open_) - 3
    assert (
        clients.viewer.get(f"/api/v1/models/{team_setup.model.pk}/score/").json()["counts"]["totals"]["accepted"] == 3
    )
    detail = clients.viewer.get(_url(team_setup, f"{three[0]}/")).json()
    assert detail["triage"]["owner"] == "owner" and detail["triage"]["status"] == "accepted"
    assert [(h["actor"], h["previous_status"], h["status"]) for h in detail["history"]] == [
        ("editor", "open", "accepted")
    ]

    high = [f["id"] for f in findings if f["severity"] == "high" and not f["mitigated"] and f["id"] not in three]
    response = clients.owner.post(
        _url(team_setup),
        {"filter": {"severity": ["high"], "bucket": ["open"]}, "status": "false_positive", "justification": "lab"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert sorted(response.json()["fingerprints"]) == sorted(high)
    assert response.json()["counts"]["totals"]["false_positive"] == len(high)
    audit = m.AuditEvent.objects.filter(team=team_setup.team, action=AuditAction.TRIAGE_DECIDED)
    assert audit.count() == 3 + len(high)

    reopen = clients.editor.post(_url(team_setup), {"filter": {}, "status": "open"}, format="json")
    assert reopen.status_code == 200 and reopen.json()["updated"] == len(findings)
    assert reopen.json()["counts"]["totals"]["accepted"] == reopen.json()["counts"]["totals"]["false_positive"] == 0


def test_bulk_triage_refusals_are_json(clients: Any, team_setup: Any, run: dict[str, Any]) -> None:
    first = run["result"]["findings"][0]["id"]
    cases = [
        ({"status": "mitigated"}, "fingerprints"),
        ({"status": "mitigated", "fingerprints": [first], "filter": {}}, "fingerprints"),
        ({"status": "mitigated", "fingerprints": ["nope@x"]}, "fingerprints"),
        ({"status": "mitigated", "filter": {"severity": ["catastrophic"]}}, "filter.severity"),
        ({"status": "mitigated", "filter": {"rule": "no.such.rule"}}, "filter"),
        ({"status": "accepted", "fingerprints": [first]}, "justification"),
        ({"status": "accepted", "fingerprints": [first], "justification": "x", "owner": "outsider"}, "owner"),
        (
            {"status": "accepted", "fingerprints": [first], "justification": "x", "expires_at": "2001-01-01T00:00Z"},
            "expires_at",
        ),
        ({"status": "mitigated", "fingerprints": [first], "run": 999_999}, None),
    ]
    for payload, path in cases:
        response = clients.editor.post(_url(team_setup), payload, format="json")
        assert response.status_code in (400, 404), (payload, response.status_code)
        body = response.json()
        assert "detail" in body, payload
        if path is not None:
            assert path in {e["path"] for e in body.get("errors", [])} or path in body, (payload, body)
    payload = {"status": "mitigated", "fingerprints": [first]}
    viewer = clients.viewer.post(_url(team_setup), payload, format="json")
    assert viewer.status_code == 403 and "detail" in viewer.json()
    assert clients.outsider.post(_url(team_setup), payload, format="json").status_code == 404
    assert not FindingTriage.objects.filter(model=team_setup.model).exists()
    assert not m.AuditEvent.objects.filter(team=team_setup.team, action=AuditAction.TRIAGE_DECIDED).exists()


def test_a_single_decision_names_its_owner(clients: Any, team_setup: Any, run: dict[str, Any]) -> None:
    first = run["result"]["findings"][0]["id"]
    url = _url(team_setup, f"{first}/")
    body = {"status": "mitigated", "owner": "viewer"}
    response = clients.editor.patch(url, body, format="json")
    assert response.status_code == 200 and response.json()["triage"]["owner"] == "viewer"
    assert response.json()["history"][0]["owner"] == "viewer"
    refused = clients.editor.patch(url, {**body, "owner": "outsider"}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["path"] == "owner"
    assert FindingTriage.objects.get(model=team_setup.model, fingerprint=first).owner == team_setup.viewer
