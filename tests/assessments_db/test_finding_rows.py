"""The columns of a run's finding rows: the boundaries of a finding's elements (with their ancestors), the first
revision a finding was seen in, and the migration that fills STRIDE, CWE, family, remediation, evidence and first
seen for runs stored before those columns existed."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from assessments.models import AssessmentRun, RunFinding
from assessments.services.finding_rows import element_boundaries
from threatmodel.selectors import snapshot_of_model

pytestmark = pytest.mark.django_db


def test_element_boundaries_follow_nesting_and_both_ends_of_a_flow(team_setup: Any) -> None:
    snapshot = snapshot_of_model(model=team_setup.model)
    where = element_boundaries(snapshot)
    component = next(c for c in snapshot.components if c.boundary == "ns-checkout")
    assert where[component.id] == ("ns-checkout", "eks", "vpc-prod", "aws-prod")
    crossing = next(
        f
        for f in snapshot.flows
        if snapshot.component_by_id[f.source].boundary != snapshot.component_by_id[f.target].boundary
    )
    ends = set(where[crossing.source]) | set(where[crossing.target])
    assert set(where[crossing.id]) == ends and list(where[crossing.id]) == sorted(ends)
    assert where["eks"] == ("eks", "vpc-prod", "aws-prod")


def _legacy_run(model: Any, revision: int, findings: list[dict[str, Any]]) -> AssessmentRun:
    run = AssessmentRun.objects.create(
        model=model, revision=revision, status="succeeded", finished_at=timezone.now(), result={"findings": findings}
    )
    for n, item in enumerate(findings):  # as stored before the columns existed
        RunFinding.objects.create(
            run=run, fingerprint=item["id"], rule=item["rule"], title="t", severity="high", ordinal=n
        )
    return run


def test_the_migration_fills_the_new_columns_of_stored_runs(team_setup: Any) -> None:
    old = {
        "id": "enc.plain@a",
        "rule": "enc.plain",
        "stride": "information-disclosure",
        "cwe": "CWE-319",
        "family": "encryption",
        "remediation": "Use TLS.",
        "evidence": {"protocol": "http", "data": ["pii"]},
    }
    new = {**old, "id": "enc.plain@b", "evidence": {}}
    first = _legacy_run(team_setup.model, 1, [old])
    second = _legacy_run(team_setup.model, 2, [old, new])
    migration = importlib.import_module("assessments.migrations.0007_finding_columns_and_triage_owner")
    migration.backfill(apps, None)
    row = RunFinding.objects.get(run=first, fingerprint="enc.plain@a")
    assert (row.stride, row.cwe, row.family, row.remediation) == (
        "information-disclosure",
        "CWE-319",
        "encryption",
        "Use TLS.",
    )
    assert row.evidence == {"protocol": "http", "data": ["pii"]} and row.first_seen_revision == 1
    seen = dict(RunFinding.objects.filter(run=second).values_list("fingerprint", "first_seen_revision"))
    assert seen == {"enc.plain@a": 1, "enc.plain@b": 2}
