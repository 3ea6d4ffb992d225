"""The job plumbing: the services enqueue tasks by the names the tasks are registered under, after commit."""

from __future__ import annotations

from typing import Any

import pytest
from celery import current_app

from assessments import tasks
from assessments.choices import JobStatus
from assessments.models import AssessmentRun
from assessments.services import jobs, runs

pytestmark = pytest.mark.django_db


def test_every_job_name_is_a_registered_task_of_the_tasks_module() -> None:
    declared = {jobs.RUN_ASSESSMENT: tasks.run_assessment, jobs.RENDER_REPORT: tasks.render_report}
    declared[jobs.DELIVER_WEBHOOK] = tasks.deliver_webhook
    for name, task in declared.items():
        assert current_app.tasks[name] == task and task.name == name  # (shared_task gives a proxy of the task)


def test_a_run_is_enqueued_once_the_transaction_commits(
    team_setup: Any, engine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = runs.assessment_run_start(model=team_setup.model, user=team_setup.editor)
    assert len(callbacks) == 1 and AssessmentRun.objects.get(pk=run.pk).status == JobStatus.QUEUED
    callbacks[0]()  # what the commit does: the eager task runs the assessment in this process
    run.refresh_from_db()
    assert run.status == JobStatus.SUCCEEDED and run.requested_by == team_setup.editor


def test_an_anonymous_or_missing_user_is_recorded_as_nobody(team_setup: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert jobs.requester(AnonymousUser()) is None and jobs.requester(None) is None
    assert jobs.requester(team_setup.viewer) == team_setup.viewer
