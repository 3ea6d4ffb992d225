"""The latest-score hot path: the token, membership and latest-score lookups answer what the full ORM reads
give, ``last_used_at`` is written at most once per minute per token, and a request costs 3 queries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.utils.encoders import JSONEncoder as DRFEncoder

from assessments import selectors as assessment_selectors
from assessments.models import AssessmentRun
from threatmodel import hot_reads, selectors
from threatmodel import models as m
from threatmodel.api.serializers import ThreatModelSerializer, threat_model_data
from threatmodel.services_tokens import (
    LAST_USED_RESOLUTION,
    api_token_authenticate,
    api_token_create,
    api_token_lookup,
    token_digest,
)

pytestmark = pytest.mark.django_db

SCORES = {
    "stage": "initial",
    "principles": [{"key": "zero-trust", "name": "Zero trust", "score": 71.5, "stage": "advanced", "failed": 3}],
    "pillars": [{"key": "identity", "name": "Identity", "score": None, "stage": ""}],
}


def _run(model: Any, user: Any, *, overall: float, finished_ago: timedelta, status: str = "succeeded") -> Any:
    return AssessmentRun.objects.create(
        model=model,
        revision=model.revision,
        requested_by=user,
        status=status,
        finished_at=timezone.now() - finished_ago,
        overall_score=overall,
        scores=SCORES,
        counts={"high": 2, "low": 1},
    )


def _bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_hot_path_lookups_return_what_the_orm_returns(team_setup: Any) -> None:
    model, viewer = team_setup.model, team_setup.viewer
    _run(model, viewer, overall=50.0, finished_ago=timedelta(hours=2))
    latest = _run(model, viewer, overall=71.5, finished_ago=timedelta(minutes=1))
    _run(model, viewer, overall=99.0, finished_ago=timedelta(seconds=1), status="failed")
    orm = (
        AssessmentRun.objects.filter(model_id=model.pk, status="succeeded")
        .order_by("-finished_at", "-pk")
        .values(*assessment_selectors.SCORE_COLUMNS, "model__team_id")
        .first()
    )
    row = assessment_selectors.latest_score_for_user(user=viewer, model_id=model.pk)
    assert row == orm and row["pk"] == latest.pk and row["scores"] == SCORES
    assert row["finished_at"].tzinfo is not None and row["finished_at"] == latest.finished_at

    assert selectors.role_in_team(user=viewer, team_id=team_setup.team.pk) == "viewer"
    assert selectors.role_in_team(user=team_setup.owner, team_id=team_setup.team.pk) == "owner"
    assert selectors.role_in_team(user=team_setup.outsider, team_id=team_setup.team.pk) is None

    token, raw = api_token_create(user=viewer, name="t", expires_at=timezone.now() + timedelta(days=1))
    found = api_token_lookup(key_hash=token_digest(raw))
    reference = m.ApiToken.objects.select_related("user").get(pk=token.pk)
    assert found is not None and found == reference
    assert {f.attname: getattr(found, f.attname) for f in m.ApiToken._meta.concrete_fields} == {
        f.attname: getattr(reference, f.attname) for f in m.ApiToken._meta.concrete_fields
    }
    with CaptureQueriesContext(connection) as queries:  # the user came with the token
        user = found.user
    assert len(queries) == 0
    assert {f.attname: getattr(user, f.attname) for f in user._meta.concrete_fields} == {
        f.attname: getattr(reference.user, f.attname) for f in user._meta.concrete_fields
    }
    assert not found._state.adding and found.user.is_active is True
    assert api_token_lookup(key_hash=token_digest(raw + "x")) is None


def test_the_model_read_returns_what_the_orm_returns(team_setup: Any) -> None:
    """``threatmodel.hot_reads``: the model and its team as ``select_related("team")`` loads them (JSON
    decoded, datetimes aware), and no model for a missing or impossible id."""
    model = team_setup.model
    m.ThreatModel.objects.filter(pk=model.pk).update(
        tags=["a", "b"], attributes={"k": [1, {"x": None}]}, archived_at=timezone.now()
    )
    reference = m.ThreatModel.objects.select_related("team").get(pk=model.pk)
    found = selectors.model_for_user(user=team_setup.viewer, model_id=model.pk)

    def columns(obj: Any) -> dict[str, Any]:
        return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}

    assert columns(found) == columns(reference) and found.tags == ["a", "b"]
    assert found.archived_at is not None and found.archived_at.tzinfo is not None
    with CaptureQueriesContext(connection) as queries:  # the team came with the model
        team = found.team
    assert len(queries) == 0 and columns(team) == columns(reference.team)
    assert not found._state.adding and not team._state.adding
    for missing in (999_999, 2**63, -1, 0):
        with pytest.raises(selectors.NotFound):
            selectors.model_for_user(user=team_setup.viewer, model_id=missing)
    for obj in (found, m.ThreatModel.objects.get(pk=model.pk), team_setup.model):  # archived and not
        data = threat_model_data(obj)  # the model GET's body: the serializer's, its fields built once
        assert data == ThreatModelSerializer(obj).data
        assert json.dumps(data, cls=DRFEncoder) == json.dumps(ThreatModelSerializer(obj).data, cls=DRFEncoder)
    with pytest.raises(selectors.NotFound):  # another team's model is not found either
        selectors.model_for_user(user=team_setup.outsider, model_id=model.pk)
    with pytest.raises(selectors.Forbidden):  # the role read with the model decides as require_role does
        selectors.model_for_user(user=team_setup.viewer, model_id=model.pk, role="editor")
    for user in (team_setup.viewer, team_setup.owner, team_setup.outsider):
        found_with_role = hot_reads.model_with_team(model_id=model.pk, user_id=user.pk)
        assert found_with_role is not None
        assert found_with_role[1] == selectors.role_in_team(user=user, team_id=model.team_id)
    assert hot_reads.model_with_team(model_id=model.pk, user_id=None) == (ANY, None)  # anonymous: no role


def test_last_used_at_is_written_at_most_once_per_resolution(team_setup: Any) -> None:
    token, raw = api_token_create(user=team_setup.viewer, name="t")

    def updates() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api_token_authenticate(raw=raw) is not None
        return sum(q["sql"].lstrip().upper().startswith("UPDATE") for q in queries.captured_queries)

    assert updates() == 1
    first = m.ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    assert [updates() for _ in range(5)] == [0] * 5
    assert m.ApiToken.objects.get(pk=token.pk).last_used_at == first
    m.ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - LAST_USED_RESOLUTION - timedelta(seconds=1))
    assert updates() == 1
    assert m.ApiToken.objects.get(pk=token.pk).last_used_at > first


def test_latest_score_by_token_costs_three_queries_and_answers_the_stored_scores(team_setup: Any) -> None:
    """Token, run with the reader's team role, and the counts with the triage in force (one query,
    selectors.run_counts)."""
    from assessments.engine.counts import count_findings
    from assessments.models import RunFinding

    model, viewer = team_setup.model, team_setup.viewer
    run = _run(model, viewer, overall=71.5, finished_ago=timedelta(minutes=1))
    for n, severity in enumerate(("high", "high", "low")):
        RunFinding.objects.create(run=run, fingerprint=f"r@{n}", rule="r", title="t", severity=severity, ordinal=n)
    _, raw = api_token_create(user=viewer, name="dashboard")
    client = _bearer(raw)
    url = f"/api/v1/models/{model.pk}/score/"
    assert client.get(url).status_code == 200  # the first use also records last_used_at
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(queries) == 3, [q["sql"] for q in queries.captured_queries]
    assert response.json() == {
        "model": model.pk,
        "run": run.pk,
        "revision": run.revision,
        "at": run.finished_at.isoformat().replace("+00:00", "Z"),
        "overall": 71.5,
        "stage": "initial",
        # a run stored before grades existed: no grade, assessed, no coverage (the stored summary has none)
        "grade": None,
        "assessed": True,
        "verdict": "",
        "coverage": None,
        "principles": SCORES["principles"],
        "pillars": SCORES["pillars"],
        "counts": {**count_findings([("high", False, "open")] * 2 + [("low", False, "open")]), "attack_paths": 0},
    }
    # access is still checked: another team's token sees nothing, a revoked token nothing at all
    _, outsider = api_token_create(user=team_setup.outsider, name="other")
    assert _bearer(outsider).get(url).status_code == 404
    m.ApiToken.objects.filter(user=viewer).update(revoked_at=timezone.now())
    assert client.get(url).status_code == 401
    assert _bearer(outsider).get("/api/v1/models/999999/score/").status_code == 404


def test_gunicorn_workers_freeze_the_loaded_application() -> None:
    """``config/gunicorn.py``: after loading, a worker imports every view and freezes what exists (no full
    collection rescans Django's ~100k long-lived objects)."""
    code = (
        "import gc, sys, runpy, django; django.setup(); "
        "hooks = runpy.run_path('config/gunicorn.py'); "
        "assert hooks['worker_class'] == 'gthread' and gc.get_freeze_count() == 0; "
        "assert 'assessments.api.views' not in sys.modules; "
        "hooks['post_worker_init'](None); "
        "assert 'assessments.api.views' in sys.modules and 'threatmodel.api.views_models' in sys.modules; "
        "print(gc.get_freeze_count())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"},
    )
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.split()[-1]) > 10_000


@pytest.mark.parametrize(
    ("redis_url", "backend"), [("", "locmem.LocMemCache"), ("redis://127.0.0.1:6399/0", "redis.RedisCache")]
)
def test_throttle_counters_are_shared_in_redis_when_there_is_one(redis_url: str, backend: str) -> None:
    """Per-token rates must hold across web processes: with REDIS_URL the cache is Redis, else local memory."""
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.CACHES['default']['BACKEND'], settings.CACHES['default'].get('LOCATION', ''))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", "REDIS_URL": redis_url},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [f"django.core.cache.backends.{backend}", *([redis_url] if redis_url else [])]
