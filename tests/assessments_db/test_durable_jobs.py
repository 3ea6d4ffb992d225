"""Every accepted revision is assessed in the background, coalesced per model; jobs survive a failed enqueue and a
dead worker (the sweeper); the in-process runner's threads do the work outside the request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from assessments.choices import JobStatus, RunTrigger
from assessments.models import AssessmentRun, Report, RunFinding
from assessments.services import jobs, reports, runs, sweeper
from threatmodel import services
from threatmodel.changes import ElementChange


def edit(model: Any, user: Any, n: int) -> Any:
    change = ElementChange("update", "component", "redis-cart", {"description": f"edit {n}"})
    return services.changeset_apply(model=model, user=user, base_revision=model.revision, changes=[change])


@pytest.mark.django_db
def test_an_accepted_change_set_schedules_one_assessment_after_commit(
    team_setup: Any, django_capture_on_commit_callbacks: Any
) -> None:
    model = team_setup.model
    with django_capture_on_commit_callbacks(execute=True):
        edit(model, team_setup.editor, 1)
    run = AssessmentRun.objects.get(model=model)
    assert run.trigger == RunTrigger.REVISION and run.revision == model.revision == 2
    assert run.status == JobStatus.SUCCEEDED and run.requested_by is None  # inline runner (test settings)


@pytest.mark.django_db
def test_a_waiting_run_moves_to_the_newest_revision_and_one_run_per_model_is_in_flight(
    team_setup: Any, django_capture_on_commit_callbacks: Any
) -> None:
    model = team_setup.model
    with django_capture_on_commit_callbacks(execute=False):
        first = runs.assessment_run_schedule(model_id=model.pk)
        assert first is not None
        for n in range(3):
            edit(model, team_setup.editor, n)
            again = runs.assessment_run_schedule(model_id=model.pk)
            assert again is not None and again.pk == first.pk
    # the edits' own hooks were captured too; only the first schedule sent a message
    assert AssessmentRun.objects.filter(model=model).count() == 1
    assert AssessmentRun.objects.get(pk=first.pk).revision == model.revision == 4
    claimed = runs.assessment_run_claim(run_id=first.pk)
    assert claimed is not None and claimed.status == JobStatus.RUNNING
    with django_capture_on_commit_callbacks(execute=False):
        edit(model, team_setup.editor, 9)
        second = runs.assessment_run_schedule(model_id=model.pk)
    assert second is not None and second.pk != first.pk and second.revision == 5
    with pytest.raises(runs.RunBusy):  # the first is still in flight
        runs.assessment_run_claim(run_id=second.pk)


@pytest.mark.django_db
def test_a_failed_enqueue_leaves_the_job_visibly_queued_and_the_sweeper_sends_it_again(
    team_setup: Any, monkeypatch: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from kombu.exceptions import OperationalError

    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(jobs, "uses_celery", lambda: True)
    monkeypatch.setattr(jobs.current_app.tasks[jobs.RUN_ASSESSMENT], "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.assessment_run_start(model=team_setup.model, user=team_setup.editor)
    run.refresh_from_db()
    assert run.status == JobStatus.QUEUED and run.progress_message == jobs.QUEUE_DOWN
    monkeypatch.undo()
    settings.JOB_REQUEUE_AFTER = 60
    assert sweeper.jobs_sweep(schedule_models=False).requeued == []  # too young to be called lost
    AssessmentRun.objects.filter(pk=run.pk).update(enqueued_at=timezone.now() - timedelta(minutes=2))
    swept = sweeper.jobs_sweep(schedule_models=False)
    assert swept.requeued == [(jobs.RUN_ASSESSMENT, run.pk)]
    run.refresh_from_db()
    assert run.status == JobStatus.SUCCEEDED and run.attempts == 1


@pytest.mark.django_db
def test_a_job_whose_worker_died_is_shown_interrupted_requeued_and_gives_exactly_one_result(
    team_setup: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        run = runs.assessment_run_start(model=team_setup.model, user=team_setup.editor)
    claimed = runs.assessment_run_claim(run_id=run.pk)
    assert claimed is not None and claimed.attempts == 1
    AssessmentRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=2))
    sent: list[tuple[Any, ...]] = []
    monkeypatch.setattr(sweeper, "enqueue", lambda *args: sent.append(args))
    swept = sweeper.jobs_sweep(schedule_models=False)
    assert swept.interrupted == [(jobs.RUN_ASSESSMENT, run.pk)] and sent == [(jobs.RUN_ASSESSMENT, run.pk)]
    run.refresh_from_db()
    assert run.status == JobStatus.QUEUED and run.progress_message.startswith("interrupted: its worker stopped")
    runs.assessment_run_execute(run_id=run.pk)
    runs.assessment_run_execute(run_id=run.pk)  # a late duplicate of the message
    run.refresh_from_db()
    assert run.status == JobStatus.SUCCEEDED and run.attempts == 2
    assert RunFinding.objects.filter(run=run).count() == run.counts["findings"]


@pytest.mark.django_db
def test_an_attempt_that_lost_its_run_stores_nothing(team_setup: Any, django_capture_on_commit_callbacks: Any) -> None:
    """The slow worker thought dead comes back after the run was taken over: the newer attempt's result wins."""
    with django_capture_on_commit_callbacks(execute=False):
        run = runs.assessment_run_start(model=team_setup.model, user=team_setup.editor)
    real_engine = runs.engine_assess

    def taken_over_meanwhile(*args: Any, **kwargs: Any) -> Any:
        AssessmentRun.objects.filter(pk=run.pk).update(attempts=5)  # another worker claimed it
        return real_engine(*args, **kwargs)

    runs.engine_assess = taken_over_meanwhile  # type: ignore[assignment]
    try:
        assert runs.assessment_run_execute(run_id=run.pk) is None
    finally:
        runs.engine_assess = real_engine  # type: ignore[assignment]
    run.refresh_from_db()
    assert run.status == JobStatus.RUNNING and not RunFinding.objects.filter(run=run).exists()


@pytest.mark.django_db
def test_a_report_whose_worker_died_is_requeued(team_setup: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.assessment_run_start(model=team_setup.model, user=team_setup.editor)
    run.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=False):
        report = reports.report_request(model=team_setup.model, run=run, fmt="csv", user=team_setup.editor)
    assert reports.report_claim(report_id=report.pk) is not None
    assert reports.report_claim(report_id=report.pk) is None  # alive: a duplicate message does nothing
    Report.objects.filter(pk=report.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=2))
    swept = sweeper.jobs_sweep(schedule_models=False)
    assert swept.interrupted == [(jobs.RENDER_REPORT, report.pk)]
    report.refresh_from_db()
    assert report.status == JobStatus.SUCCEEDED and report.attempts == 2 and report.size_bytes


@pytest.mark.django_db
def test_the_sweeper_schedules_a_model_whose_revision_has_no_run(
    team_setup: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        swept = sweeper.jobs_sweep()
    assert swept.scheduled == [team_setup.model.pk]
    run = AssessmentRun.objects.get(model=team_setup.model)
    assert run.status == JobStatus.SUCCEEDED and run.revision == team_setup.model.revision
    assert sweeper.jobs_sweep().scheduled == []
