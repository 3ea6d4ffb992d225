"""The triage-aware counts stored on a run (``AssessmentRun.triage_counts``) are always the counts recomputed
from its finding rows and the triage in force: after the run, after single and bulk triage writes, on older
runs, after an acceptance expires; and every reader (API, dashboard, feed) shows them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from assessments import selectors
from assessments.models import AssessmentRun, RunFinding
from assessments.services import counts as stored_counts
from assessments.services import runs
from assessments.services.sweeper import jobs_sweep
from assessments.services.triage import finding_triage_set, finding_triage_set_many
from threatmodel.invariants import ModelValidationError
from threatmodel.services_tokens import api_token_create

pytestmark = pytest.mark.django_db


def run_now(model: Any) -> AssessmentRun:
    run = AssessmentRun.objects.create(model=model, revision=model.revision)
    runs.assessment_run_execute(run_id=run.pk)
    return AssessmentRun.objects.get(pk=run.pk)


def assert_stored_equals_recomputed(run: AssessmentRun) -> dict[str, Any]:
    run.refresh_from_db()
    recomputed = selectors.run_counts_recomputed(run_id=run.pk, model_id=run.model_id)
    assert run.triage_counts is not None, "the run's counts were not stored"
    assert selectors.stored_counts_in_force(run.triage_counts, run.triage_counts_until) == recomputed
    assert selectors.run_counts(run=run) == recomputed
    return recomputed


def test_a_run_stores_its_counts_and_triage_writes_keep_them_equal(team_setup: Any, engine: Any) -> None:
    model, user = team_setup.model, team_setup.editor
    run = run_now(model)
    before = assert_stored_equals_recomputed(run)
    assert before["totals"]["open"] > 3
    rows = list(RunFinding.objects.filter(run=run, mitigated_by=[]).order_by("ordinal"))
    finding_triage_set(model=model, fingerprint=rows[0].fingerprint, status="accepted", user=user, justification="ok")
    after = assert_stored_equals_recomputed(run)
    assert after["totals"]["accepted"] == before["totals"]["accepted"] + 1
    assert after["totals"]["open"] == before["totals"]["open"] - 1

    # bulk: three at once, then reopened
    fingerprints = [r.fingerprint for r in rows[1:4]]
    finding_triage_set_many(
        model=model, fingerprints=fingerprints, status="false_positive", user=user, justification="not reachable"
    )
    bulk = assert_stored_equals_recomputed(run)
    assert bulk["totals"]["false_positive"] == before["totals"]["false_positive"] + 3
    finding_triage_set_many(model=model, fingerprints=fingerprints, status="open", user=user)
    assert assert_stored_equals_recomputed(run) == after


def test_bulk_triage_is_all_or_nothing_and_names_each_problem(team_setup: Any) -> None:
    with pytest.raises(ModelValidationError) as refused:
        finding_triage_set_many(
            model=team_setup.model, fingerprints=["a@b", "has space", "c d"], status="accepted", user=None
        )
    paths = [issue.path for issue in refused.value.issues]
    assert paths.count("justification") == 1 and paths.count("fingerprint") == 1  # same text for both: once
    assert not team_setup.model.triage.exists()
    with pytest.raises(ModelValidationError):
        finding_triage_set_many(model=team_setup.model, fingerprints=[], status="open", user=None)


def test_older_runs_and_expired_acceptances_stay_right(team_setup: Any, engine: Any) -> None:
    model, user = team_setup.model, team_setup.editor
    old = run_now(model)
    new = run_now(model)
    row = RunFinding.objects.filter(run=new, mitigated_by=[]).order_by("ordinal").first()
    assert row is not None
    soon = timezone.now() + timedelta(hours=1)
    finding_triage_set(
        model=model, fingerprint=row.fingerprint, status="accepted", user=user, justification="ok", expires_at=soon
    )
    new.refresh_from_db()
    assert new.triage_counts_until == soon
    assert_stored_equals_recomputed(new)
    old.refresh_from_db()
    assert old.triage_counts is None  # cleared by the triage change: recounted on read
    assert selectors.run_counts(run=old) == selectors.run_counts_recomputed(run_id=old.pk, model_id=model.pk)

    # the acceptance expires: the stored counts no longer hold, the reader recounts, the sweeper re-stores
    accepted = selectors.run_counts(run=new)["totals"]["accepted"]
    AssessmentRun.objects.filter(pk=new.pk).update(triage_counts_until=timezone.now() - timedelta(seconds=1))
    model.triage.update(expires_at=timezone.now() - timedelta(seconds=1))
    new.refresh_from_db()
    assert selectors.run_counts(run=new)["totals"]["accepted"] == accepted - 1
    assert jobs_sweep(schedule_models=False).counts_refreshed == 1
    assert_stored_equals_recomputed(new)
    new.refresh_from_db()
    assert new.triage_counts_until is None


def test_the_score_api_serves_the_stored_counts_in_two_queries(team_setup: Any, engine: Any) -> None:
    model, viewer = team_setup.model, team_setup.viewer
    run = run_now(model)
    row = RunFinding.objects.filter(run=run, mitigated_by=[]).order_by("ordinal").first()
    assert row is not None
    finding_triage_set(model=model, fingerprint=row.fingerprint, status="mitigated", user=None)
    _, raw = api_token_create(user=viewer, name="t")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.get(f"/api/v1/models/{model.pk}/score/")  # last_used_at written once
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(f"/api/v1/models/{model.pk}/score/")
    assert answer.status_code == 200
    assert len(queries.captured_queries) == 2  # token, latest run (with its model's team and the membership role)
    expected = selectors.run_counts_recomputed(run_id=run.pk, model_id=model.pk)
    body = answer.json()["counts"]
    assert body.pop("attack_paths") == (run.counts or {})["attack_paths"]
    assert body == expected
    assert list(body["open"]) == list(expected["open"])  # the same key order too


def test_dashboard_and_feed_read_latest_runs_without_a_query_per_model(team_setup: Any, engine: Any) -> None:
    from tests.factories import demo_model

    copies = [demo_model(team=team_setup.team, user=team_setup.owner, name=f"Copy {i}") for i in range(2)]
    models = [team_setup.model, *copies]
    for model in models:
        run_now(model)
    with CaptureQueriesContext(connection) as one:
        rows = selectors.dashboard_rows(models=models[:1])
    with CaptureQueriesContext(connection) as three:
        rows = selectors.dashboard_rows(models=models)
    assert len(three.captured_queries) == len(one.captured_queries)
    for model in models:
        latest = selectors.latest_successful_run(model_id=model.pk)
        assert latest is not None
        assert rows[model.pk]["counts"] == selectors.run_counts_recomputed(run_id=latest.pk, model_id=model.pk)
        assert rows[model.pk]["assessed_revision"] == latest.revision
    feed = selectors.posture_feed(user=team_setup.viewer)
    assert {item["model"].pk: item["run"].pk for item in feed} == {
        m.pk: selectors.latest_successful_run(model_id=m.pk).pk  # type: ignore[union-attr]
        for m in models
    }


def test_counts_store_serialises_per_model(team_setup: Any) -> None:
    with CaptureQueriesContext(connection) as queries:
        from django.db import transaction

        with transaction.atomic():
            stored_counts.lock_model_counts(model_id=team_setup.model.pk)
    sql = [q["sql"] for q in queries.captured_queries]
    if connection.vendor == "postgresql":  # an advisory lock: the change sets' lock on the model row is not taken
        assert any("pg_advisory_xact_lock" in q for q in sql)
        assert not any("threatmodel_threatmodel" in q for q in sql)
    else:  # the model row alone (no join with the team)
        assert any("threatmodel_threatmodel" in q and "JOIN" not in q for q in sql)
