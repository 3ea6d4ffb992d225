"""What the one vocabulary (threatmodel.vocabulary) fixed at the API: text reports, grant custom rules, and the
custom-rule limits the API, the database and the engine now share."""

from __future__ import annotations

from typing import Any

import pytest

from threatmodel import vocabulary as v

pytestmark = pytest.mark.django_db

RULE = {
    "title": "Wildcard grants are reviewed",
    "element_kind": "grant",
    "expression": '"any" in actions',
    "severity": "high",
    "principle": "least-privilege",
}


def test_a_text_report_renders_through_the_api(
    clients: Any, team_setup: Any, django_capture_on_commit_callbacks: Any
) -> None:
    model = team_setup.model
    with django_capture_on_commit_callbacks(execute=True):
        clients.editor.post(f"/api/v1/models/{model.pk}/assessments/")
    with django_capture_on_commit_callbacks(execute=True):
        response = clients.editor.post(f"/api/v1/models/{model.pk}/reports/", {"format": "text"}, format="json")
    assert response.status_code == 202, response.json()
    report = clients.viewer.get(response["Location"]).json()
    assert report["status"] == "succeeded", report["error"]
    download = clients.viewer.get(report["download_url"])
    body = b"".join(download.streaming_content).decode()
    assert download["Content-Type"].startswith("text/plain") and model.name in body


def test_a_grant_custom_rule_is_accepted_and_fires(clients: Any, team_setup: Any) -> None:
    base = f"/api/v1/teams/{team_setup.team.pk}/custom-rules/"
    response = clients.editor.post(base, {**RULE, "rule_id": "wildcard-grant"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["element_kind"] == "grant"
    body = clients.viewer.get(f"/api/v1/models/{team_setup.model.pk}/live-assessment/").json()
    fired = [f for f in body["findings"] if f["rule"] == "custom.wildcard-grant"]
    assert fired and all(f["principle"] == "least-privilege" and f["pillar"] == "identity" for f in fired)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rule_id", "team:rule"),  # ':' was accepted by the engine but not by the API
        ("rule_id", "r" * (v.CUSTOM_RULE_ID_MAX_LENGTH + 1)),
        ("expression", "true || " * (v.CUSTOM_RULE_EXPRESSION_MAX_LENGTH // 8) + "true"),
        ("principle", "visibility-and-analytics"),  # a pillar, not a principle
    ],
)
def test_custom_rule_limits_are_the_vocabulary_s(clients: Any, team_setup: Any, field: str, value: str) -> None:
    base = f"/api/v1/teams/{team_setup.team.pk}/custom-rules/"
    response = clients.editor.post(base, {**RULE, "rule_id": "ok-rule", field: value}, format="json")
    assert response.status_code == 400
    assert field in str(response.json())


def test_an_expression_at_the_limit_is_accepted(clients: Any, team_setup: Any) -> None:
    expression = ("true || " * (v.CUSTOM_RULE_EXPRESSION_MAX_LENGTH // 8))[:-4]
    expression = expression + " " * (v.CUSTOM_RULE_EXPRESSION_MAX_LENGTH - len(expression))
    assert len(expression) == v.CUSTOM_RULE_EXPRESSION_MAX_LENGTH
    base = f"/api/v1/teams/{team_setup.team.pk}/custom-rules/"
    response = clients.editor.post(
        base, {**RULE, "rule_id": "long", "element_kind": "component", "expression": expression}, format="json"
    )
    assert response.status_code == 201, response.json()
