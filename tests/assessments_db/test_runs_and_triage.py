"""Database side of the engine: persisted runs (revision, who, when, duration, counts, scores), triage rules,
custom rules handed to the engine, score history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from assessments import selectors
from assessments.choices import JobStatus, TriageStatus
from assessments.models import AssessmentRun, CustomRule, FindingTriage, RunFinding
from assessments.services import runs
from assessments.services.triage import finding_triage_set
from threatmodel.invariants import ModelValidationError

pytestmark = pytest.mark.django_db


def run_now(model: Any, user: Any = None) -> AssessmentRun:
    run = AssessmentRun.objects.create(model=model, revision=model.revision, requested_by=user)
    runs.assessment_run_execute(run_id=run.pk)
    return AssessmentRun.objects.get(pk=run.pk)


def test_run_is_persisted_with_scores_counts_and_rows(team_setup: Any, engine: Any) -> None:
    run = run_now(team_setup.model, team_setup.editor)
    assert run.status == JobStatus.SUCCEEDED and run.requested_by == team_setup.editor
    assert run.started_at and run.finished_at and run.duration_ms is not None and run.revision == 1
    assert run.overall_score == run.result["scores"]["overall"]
    assert {e["key"] for e in run.scores["principles"]} and all("stage" in e for e in run.scores["pillars"])
    assert run.counts["findings"] == RunFinding.objects.filter(run=run).count() > 0
    assert set(run.counts["by_severity"]) >= {"critical", "high", "medium", "low"}
    row = RunFinding.objects.filter(run=run).first()
    finding = next(f for f in run.result["findings"] if f["id"] == row.fingerprint)
    assert (row.rule, row.severity, row.elements) == (finding["rule"], finding["severity"], finding["elements"])


def test_rerun_after_interruption_rewrites_rows(team_setup: Any, engine: Any) -> None:
    run = run_now(team_setup.model)
    count = RunFinding.objects.filter(run=run).count()
    # its worker died: running, with a heartbeat older than the timeout
    AssessmentRun.objects.filter(pk=run.pk).update(
        status=JobStatus.RUNNING, heartbeat_at=timezone.now() - timedelta(minutes=5)
    )
    runs.assessment_run_execute(run_id=run.pk)
    assert RunFinding.objects.filter(run=run).count() == count
    assert AssessmentRun.objects.get(pk=run.pk).attempts == 2


def test_a_duplicate_message_leaves_a_run_with_a_live_worker_alone(team_setup: Any, engine: Any) -> None:
    run = run_now(team_setup.model)
    AssessmentRun.objects.filter(pk=run.pk).update(status=JobStatus.RUNNING, heartbeat_at=timezone.now())
    assert runs.assessment_run_execute(run_id=run.pk) is None
    assert AssessmentRun.objects.get(pk=run.pk).attempts == 1


def test_triage_rules(team_setup: Any) -> None:
    model, user = team_setup.model, team_setup.editor
    with pytest.raises(ModelValidationError):
        finding_triage_set(model=model, fingerprint="r@a", status="accepted", user=user)
    with pytest.raises(ModelValidationError):
        finding_triage_set(
            model=model, fingerprint="r@a", status="mitigated", user=user, expires_at=timezone.now() + timedelta(days=1)
        )
    with pytest.raises(ModelValidationError):
        finding_triage_set(
            model=model,
            fingerprint="r@a",
            status="accepted",
            user=user,
            justification="ok",
            expires_at=timezone.now() - timedelta(days=1),
        )
    with pytest.raises(ModelValidationError):
        finding_triage_set(model=model, fingerprint="has space", status="open", user=user)
    triage = finding_triage_set(
        model=model,
        fingerprint="r@a",
        status="accepted",
        user=user,
        justification="ok",
        expires_at=timezone.now() + timedelta(days=1),
    )
    assert triage.decided_by == user and triage.decided_at
    assert selectors.effective_status(triage) == TriageStatus.ACCEPTED
    triage.expires_at = timezone.now() - timedelta(seconds=1)
    assert selectors.effective_status(triage) == TriageStatus.OPEN
    finding_triage_set(model=model, fingerprint="r@a", status="mitigated", user=user)
    assert FindingTriage.objects.get(model=model, fingerprint="r@a").expires_at is None


def test_accepted_findings_are_counted_apart_from_open_ones_in_the_feed(team_setup: Any, engine: Any) -> None:
    """One definition (assessments.engine.counts): accepted risk is its own bucket, as the editor shows it."""
    run = run_now(team_setup.model)
    open_rows = list(RunFinding.objects.filter(run=run, mitigated_by=[]))
    first, second = open_rows[0], open_rows[1]
    finding_triage_set(
        model=team_setup.model,
        fingerprint=first.fingerprint,
        status="accepted",
        user=None,
        justification="risk owner signed off",
    )
    finding_triage_set(
        model=team_setup.model,
        fingerprint=second.fingerprint,
        status="false_positive",
        user=None,
        justification="not reachable",
    )
    feed = selectors.posture_feed(user=team_setup.viewer)
    counts = feed[0]["counts"]
    assert counts["totals"]["open"] == sum(feed[0]["open"].values()) == len(open_rows) - 2
    assert counts["totals"]["accepted"] == counts["totals"]["false_positive"] == 1
    assert counts["findings"] == RunFinding.objects.filter(run=run).count()


def test_enabled_custom_rules_are_passed_to_the_engine(team_setup: Any, monkeypatch: Any) -> None:
    import assessments.engine as engine_pkg

    seen: list[Any] = []
    real_assess = engine_pkg.assess

    def spy(snapshot: Any, *, custom_rules: Any = (), **kwargs: Any) -> Any:
        seen.extend(custom_rules)
        return real_assess(snapshot, custom_rules=custom_rules, **kwargs)

    monkeypatch.setattr(engine_pkg, "assess", spy, raising=False)
    CustomRule.objects.create(
        team=team_setup.team, rule_id="on", title="On", element_kind="flow", expression="true", severity="low"
    )
    CustomRule.objects.create(
        team=team_setup.team, rule_id="off", title="Off", element_kind="flow", expression="true", enabled=False
    )
    CustomRule.objects.create(
        team=team_setup.other_team, rule_id="theirs", title="x", element_kind="flow", expression="true"
    )
    run_now(team_setup.model)
    assert [getattr(spec, "id", getattr(spec, "rule_id", None)) for spec in seen] == ["on"]


def test_score_history_series(team_setup: Any, engine: Any) -> None:
    first = run_now(team_setup.model)
    second = run_now(team_setup.model)
    AssessmentRun.objects.create(model=team_setup.model, revision=1, status=JobStatus.FAILED)
    runs = selectors.scored_runs_of_model(model=team_setup.model)
    points = selectors.score_points(runs=runs)
    assert [p["run"] for p in points] == [first.pk, second.pk]
    assert points[0]["principles"] and points[0]["pillars"]
    assert [p["run"] for p in selectors.score_points(runs=runs, limit=1)] == [second.pk]
