"""The role matrix in one table: viewer reads, editor writes, owner manages members and deletes models;
a member of another team gets 404 for every object by id."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile

from assessments.choices import JobStatus
from assessments.models import AssessmentRun, CustomRule, FindingTriage, Report, RunFinding

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(team_setup: Any) -> dict[str, Any]:
    model = team_setup.model
    run = AssessmentRun.objects.create(
        model=model,
        revision=1,
        status=JobStatus.SUCCEEDED,
        overall_score=50,
        scores={"overall": 50, "principles": [], "pillars": []},
        result={},
    )
    RunFinding.objects.create(run=run, fingerprint="zt.rule@api", rule="zt.rule", title="t", severity="high")
    FindingTriage.objects.create(model=model, fingerprint="zt.rule@api", status="open")
    report = Report.objects.create(model=model, run=run, format="csv", status=JobStatus.SUCCEEDED)
    report.file.save("x.csv", ContentFile(b"x"))
    rule = CustomRule.objects.create(
        team=team_setup.team, rule_id="r", title="t", element_kind="flow", expression="true"
    )
    from threatmodel.persistence import load_element_dicts

    keys = {kind: items[0]["id"] for kind, items in load_element_dicts(model.pk).items() if items}
    return {
        "m": model.pk,
        "t": team_setup.team.pk,
        "run": run.pk,
        "report": report.pk,
        "rule": rule.pk,
        "fp": "zt.rule@api",
        "keys": keys,
        "owner": team_setup.owner.pk,
    }


READS = [
    "/api/v1/models/{m}/",
    "/api/v1/models/{m}/document/",
    "/api/v1/models/{m}/export/",
    "/api/v1/models/{m}/revisions/",
    "/api/v1/models/{m}/revisions/1/",
    "/api/v1/models/{m}/revisions/diff/?from=0",
    "/api/v1/models/{m}/assessments/",
    "/api/v1/assessments/{run}/",
    "/api/v1/models/{m}/findings/",
    "/api/v1/models/{m}/findings/{fp}/",
    "/api/v1/models/{m}/score/",
    "/api/v1/models/{m}/score/history/",
    "/api/v1/models/{m}/reports/",
    "/api/v1/reports/{report}/",
    "/api/v1/reports/{report}/download/",
    "/api/v1/teams/{t}/",
    "/api/v1/teams/{t}/members/",
    "/api/v1/teams/{t}/custom-rules/",
    "/api/v1/teams/{t}/custom-rules/{rule}/",
    "/api/v1/models/{m}/components/{component}/",
    "/api/v1/models/{m}/flows/{flow}/",
    "/api/v1/models/{m}/boundaries/{boundary}/",
    "/api/v1/models/{m}/data-assets/{data_asset}/",
    "/api/v1/models/{m}/identities/{identity}/",
    "/api/v1/models/{m}/grants/{grant}/",
    "/api/v1/models/{m}/controls/{control}/",
]

# (method, path, body, minimum role); the request is refused below that role and 404 for outsiders
WRITES = [
    ("patch", "/api/v1/models/{m}/", {"description": "x", "base_revision": 1}, "editor"),
    (
        "post",
        "/api/v1/models/{m}/changesets/",
        {"base_revision": 1, "changes": [{"op": "update", "kind": "model", "data": {"description": "y"}}]},
        "editor",
    ),
    ("patch", "/api/v1/models/{m}/components/{component}/", {"description": "z", "base_revision": 1}, "editor"),
    ("post", "/api/v1/models/{m}/assessments/", None, "editor"),
    ("patch", "/api/v1/models/{m}/findings/{fp}/", {"status": "mitigated"}, "editor"),
    ("post", "/api/v1/models/{m}/findings/triage/", {"status": "mitigated", "filter": {}}, "editor"),
    ("post", "/api/v1/models/{m}/reports/", {"format": "csv"}, "editor"),
    ("delete", "/api/v1/teams/{t}/custom-rules/{rule}/", None, "editor"),
    ("post", "/api/v1/teams/{t}/invitations/", {"invitee": "outsider", "role": "viewer"}, "owner"),
    ("patch", "/api/v1/teams/{t}/members/{owner}/", {"role": "owner"}, "owner"),
    ("delete", "/api/v1/models/{m}/?base_revision=1", None, "owner"),
]
RANK = {"viewer": 0, "editor": 1, "owner": 2}


def fill(path: str, objects: dict[str, Any]) -> str:
    return path.format(**{**objects, **objects["keys"]})


@pytest.mark.parametrize("path", READS)
def test_reads(clients: Any, objects: dict[str, Any], path: str) -> None:
    url = fill(path, objects)
    assert clients.viewer.get(url).status_code == 200, url
    assert clients.outsider.get(url).status_code == 404, url


@pytest.mark.parametrize(("method", "path", "body", "role"), WRITES, ids=[f"{w[0]} {w[1]}" for w in WRITES])
def test_writes(clients: Any, objects: dict[str, Any], method: str, path: str, body: Any, role: str) -> None:
    url = fill(path, objects)
    assert getattr(clients.outsider, method)(url, body, format="json").status_code == 404
    for name in ("viewer", "editor", "owner"):
        if RANK[name] < RANK[role]:
            assert getattr(getattr(clients, name), method)(url, body, format="json").status_code == 403, name
    response = getattr(getattr(clients, role), method)(url, body, format="json")
    assert response.status_code in (200, 201, 202, 204), (url, response.content[:300])
