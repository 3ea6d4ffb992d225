"""The Content-Security-Policy is sent with HTML pages (the editor, the docs) and not with JSON answers."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from threatmodel.services_tokens import api_token_create

pytestmark = pytest.mark.django_db


def test_csp_on_html_pages_not_on_api_json(team_setup: Any, client: Any) -> None:
    client.force_login(team_setup.viewer)
    page = client.get("/")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in page["Content-Security-Policy"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and "Content-Security-Policy" in docs

    _, raw = api_token_create(user=team_setup.viewer, name="t")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    answer = api.get(f"/api/v1/models/{team_setup.model.pk}/")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
    assert "Content-Security-Policy" not in answer
    assert answer["X-Content-Type-Options"] == "nosniff"
    missing = api.get("/api/v1/no-such-thing/")
    assert missing.status_code == 404 and "Content-Security-Policy" not in missing
