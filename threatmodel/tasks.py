"""Celery tasks of the threatmodel app (thin: the work is in the services)."""

from __future__ import annotations

from celery import shared_task

from threatmodel.services_mesh_live import mesh_live_pull_due

PULL_DUE_MESH_OBSERVATIONS = "threatmodel.tasks.pull_due_mesh_observations"


@shared_task(name=PULL_DUE_MESH_OBSERVATIONS, ignore_result=True, time_limit=900, soft_time_limit=840)
def pull_due_mesh_observations() -> None:
    """Pull the Kiali graph of every model whose scheduled pull is due (Celery beat; the in-process runner)."""
    mesh_live_pull_due()
