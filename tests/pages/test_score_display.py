"""Grade, stage and coverage beside the score on the pages (issue 15): dashboard and model page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from assessments.models import AssessmentRun
from assessments.services import runs
from tests.pages.test_pages import setup  # noqa: F401 - the shared fixture
from threatmodel.interchange.native import read_model
from threatmodel.services import model_create

CALIBRATION = Path(__file__).resolve().parents[1] / "data" / "calibration"


def _assessed(model: Any) -> AssessmentRun:
    run = AssessmentRun.objects.create(model=model, revision=model.revision)
    runs.assessment_run_execute(run_id=run.pk)
    return AssessmentRun.objects.get(pk=run.pk)


@pytest.mark.django_db
def test_dashboard_shows_grade_and_coverage_or_not_enough_detail(client: Any, setup: Any) -> None:  # noqa: F811
    graded = _assessed(setup.model).result["scores"]
    sketch_path = CALIBRATION / "02-underspecified.yaml"
    sketch = model_create(
        team=setup.team, snapshot=read_model(sketch_path.read_bytes(), sketch_path.name), user=setup.owner
    )
    ungraded = _assessed(sketch).result["scores"]
    assert graded["assessed"] and graded["grade"] and not ungraded["assessed"] and ungraded["grade"] is None
    client.force_login(setup.viewer)
    page = client.get(reverse("home")).content.decode()
    chip = page.split(f'data-testid="grade-{setup.model.pk}">')[1].split("</span>")[0]
    assert chip == f"{graded['grade']} · {graded['overall']:.1f}"
    assert f"coverage {round(graded['coverage']['ratio'] * 100)}%" in page
    assert f'data-testid="grade-{sketch.pk}" title="Not enough detail to assess' in page
    assert "not enough detail</span>" in page
    assert f"coverage {round(ungraded['coverage']['ratio'] * 100)}%" in page
    # /metrics: the ungraded model has no posture number, says it is not assessed, and has its coverage
    from prometheus_client import generate_latest

    from assessments import selectors
    from assessments.api.metrics import build_registry

    text = generate_latest(build_registry(selectors.posture_feed(user=setup.viewer))).decode()
    sketch_label = f'model="shop/{sketch.name}"'
    lines = [line for line in text.splitlines() if sketch_label in line]
    assert not [line for line in lines if line.startswith("trustmap_posture_score{")]
    assert any(line.startswith("trustmap_posture_assessed{") and line.endswith(" 0.0") for line in lines)
    assert any(line.startswith("trustmap_model_coverage{") for line in lines)


@pytest.mark.django_db
def test_model_page_has_the_verdict_slot_filled_by_the_live_assessment(client: Any, setup: Any) -> None:  # noqa: F811
    client.force_login(setup.viewer)
    page = client.get(reverse("model-detail", args=[setup.model.pk])).content.decode()
    assert 'id="score-verdict"' in page and 'id="score-stage"' in page
    live = client.get(f"/api/v1/models/{setup.model.pk}/live-assessment/").json()
    assert live["scores"]["grade"] in {"A", "B", "C", "D", "F"} and live["scores"]["coverage"]["ratio"] > 0
