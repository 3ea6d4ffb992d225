"""Every template of "New model" creates a model that assesses without error."""

from __future__ import annotations

from typing import Any

import pytest

from assessments.services.runs import assessment_run_execute, assessment_run_start
from threatmodel import services
from threatmodel.model_templates import TEMPLATES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.slug for t in TEMPLATES])
def test_template_creates_a_model_that_assesses(template: Any) -> None:
    from tests.factories import UserFactory

    user = UserFactory()
    team = services.team_create(name="T", owner=user)
    model = services.model_start(
        team=team,
        user=user,
        name=f"Mine: {template.title}",
        template=template.snapshot(),
        template_title=template.title,
    )
    run = assessment_run_start(model=model, user=user)
    run = assessment_run_execute(run_id=run.pk)
    assert run is not None
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    assert run.error == ""
    assert 0 < run.overall_score <= 100
    assert run.findings.count() > 0  # every template keeps a few weaknesses for a first review
