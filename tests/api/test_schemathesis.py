"""Property-based API fuzzing with schemathesis over the whole OpenAPI schema (in-process WSGI).

Every operation is called with generated data, authenticated with a read-write token of a team owner, and
with path ids pointing at real objects (model, team, run, report, element keys) so requests get past the
404 and exercise validation. Checks: no 5xx, responses and content types conform to the schema.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from config.wsgi import application


def _load_schema() -> Any:
    """The schema /api/schema/ serves (generated in-process: serving it needs a login since issue 19)."""
    import json

    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = application
    return loaded


schema = _load_schema()

EXAMPLES = 8
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
KIND_OF_SEGMENT = {
    "boundaries": "boundary",
    "components": "component",
    "flows": "flow",
    "data-assets": "data_asset",
    "identities": "identity",
    "grants": "grant",
    "controls": "control",
}


@pytest.fixture
def api_env(team_setup: Any, engine: Any) -> dict[str, Any]:
    from django.core.files.base import ContentFile

    from assessments.choices import JobStatus
    from assessments.models import AssessmentRun, CustomRule, Report, RunFinding
    from threatmodel.persistence import load_element_dicts
    from threatmodel.services_tokens import api_token_create

    model = team_setup.model
    run = AssessmentRun.objects.create(
        model=model,
        revision=1,
        status=JobStatus.SUCCEEDED,
        overall_score=60,
        scores={"overall": 60, "stage": "initial", "principles": [], "pillars": []},
        counts={},
        result={"findings": []},
    )
    RunFinding.objects.create(run=run, fingerprint="zt.rule@api", rule="zt.rule", title="t", severity="high")
    report = Report.objects.create(model=model, run=run, format="csv", status=JobStatus.SUCCEEDED)
    report.file.save("x.csv", ContentFile(b"x"))
    rule = CustomRule.objects.create(
        team=team_setup.team, rule_id="r", title="t", element_kind="flow", expression="true"
    )
    _, raw = api_token_create(user=team_setup.owner, name="fuzz", scope="write")
    keys = {kind: items[0]["id"] for kind, items in load_element_dicts(model.pk).items() if items}
    return {
        "model": model,
        "team": team_setup.team.pk,
        "run": run.pk,
        "report": report.pk,
        "rule": rule.pk,
        "keys": keys,
        "token": raw,
        "owner": team_setup.owner.pk,
    }


def _point_at_real_objects(case: Any, env: dict[str, Any]) -> None:
    path = case.path
    params = case.path_parameters or {}
    model = env["model"]
    revision = type(model).objects.filter(pk=model.pk).values_list("revision", flat=True).first() or 0
    if "model_id" in params or (path.startswith("/api/v1/models/{id}") and "id" in params):
        params["model_id" if "model_id" in params else "id"] = model.pk
    if "team_id" in params or (path.startswith("/api/v1/teams/{id}") and "id" in params):
        params["team_id" if "team_id" in params else "id"] = env["team"]
    if path.startswith("/api/v1/assessments/{id}"):
        params["id"] = env["run"]
    if path.startswith("/api/v1/reports/{id}"):
        params["id"] = env["report"]
    if "/custom-rules/{id}" in path:
        params["id"] = env["rule"]
    if "key" in params:
        segment = path.split("/")[-3]
        params["key"] = env["keys"].get(KIND_OF_SEGMENT.get(segment, ""), params["key"])
    if "number" in params:
        params["number"] = 1
    if "user_id" in params and case.method.upper() == "GET":
        params["user_id"] = env["owner"]
    case.path_parameters = params
    headers = case.headers or {}
    if "If-Match" in headers:
        headers["If-Match"] = f'"{revision}"'
    case.headers = headers


def _operations() -> list[Any]:
    """All operations; destructive ones last (DELETE of the model at the very end)."""
    operations = [result.ok() for result in schema.get_all_operations()]

    def order(op: Any) -> tuple[int, str]:
        if op.method.upper() == "DELETE":
            return (2 if op.path == "/api/v1/models/{id}/" else 1, op.path)
        return (0, f"{op.path} {op.method}")

    return sorted(operations, key=order)


@pytest.mark.django_db
def test_api_conforms_to_schema(api_env: dict[str, Any]) -> None:
    """One test over every operation with shared data (fast: the setup happens once)."""
    failures: list[str] = []
    operations = _operations()
    assert len(operations) > 50
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            if case.path.startswith("/api/v1/tokens") and case.method.upper() == "DELETE":
                case.path_parameters = {"id": 999_999}  # never revoke the fuzzing token itself
            _point_at_real_objects(case, api_env)
            response = case.call(headers={"Authorization": f"Bearer {api_env['token']}"})
            case.validate_response(response, checks=CHECKS)

        try:
            check()
        except Exception as exc:  # collect every failing operation, then fail once
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
