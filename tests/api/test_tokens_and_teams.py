"""API tokens (hashing, scope, expiry, revocation, throttling), teams and members."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from tests.conftest import client_for
from threatmodel import models as m
from threatmodel.services_tokens import api_token_create

pytestmark = pytest.mark.django_db


def bearer(raw: str, keyword: str = "Bearer") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {raw}")
    return client


def test_token_created_from_session_shown_once_and_hashed(clients: Any, team_setup: Any) -> None:
    response = clients.editor.post("/api/v1/tokens/", {"name": "ci", "scope": "write"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    raw = body["token"]
    assert raw.startswith("tm_") and len(raw) >= 40 and body["prefix"] == raw[:10]
    row = m.ApiToken.objects.get(pk=body["id"])
    assert row.key_hash == hashlib.sha256(raw.encode()).hexdigest() and raw not in (row.key_hash, row.prefix)
    listing = clients.editor.get("/api/v1/tokens/").json()["results"]
    assert listing[0]["name"] == "ci" and "token" not in listing[0]
    assert clients.editor.get(f"/api/v1/tokens/{body['id']}/").json()["active"] is True
    assert clients.viewer.get(f"/api/v1/tokens/{body['id']}/").status_code == 404
    assert clients.editor.post("/api/v1/tokens/", {"name": "ci"}, format="json").status_code == 400
    # a token cannot mint tokens
    assert bearer(raw).post("/api/v1/tokens/", {"name": "x"}, format="json").status_code == 403


def test_bearer_and_token_keywords(team_setup: Any) -> None:
    _, raw = api_token_create(user=team_setup.viewer, name="t")
    for keyword in ("Bearer", "Token"):
        assert bearer(raw, keyword).get(f"/api/v1/models/{team_setup.model.pk}/").status_code == 200
    assert bearer("tm_wrong").get(f"/api/v1/models/{team_setup.model.pk}/").status_code == 401
    assert bearer(raw + " extra").get("/api/v1/models/").status_code == 401


def test_read_only_token_cannot_write(team_setup: Any) -> None:
    _, raw = api_token_create(user=team_setup.editor, name="ro", scope="read")
    client = bearer(raw)
    model = team_setup.model
    assert client.get(f"/api/v1/models/{model.pk}/document/").status_code == 200
    response = client.post(f"/api/v1/models/{model.pk}/changesets/", {"base_revision": 1, "changes": []}, format="json")
    assert response.status_code == 403 and "read-only" in response.json()["detail"]
    _, rw = api_token_create(user=team_setup.editor, name="rw", scope="write")
    response = bearer(rw).patch(
        f"/api/v1/models/{model.pk}/", {"description": "via token", "base_revision": 1}, format="json"
    )
    assert response.status_code == 200
    assert m.Revision.objects.get(model=model, number=2).author == team_setup.editor


def test_expired_and_revoked_tokens_are_refused(clients: Any, team_setup: Any) -> None:
    token, raw = api_token_create(
        user=team_setup.viewer, name="short", expires_at=timezone.now() + timedelta(minutes=5)
    )
    client = bearer(raw)
    assert client.get("/api/v1/models/").status_code == 200
    m.ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/models/").status_code == 401
    token2, raw2 = api_token_create(user=team_setup.viewer, name="revocable")
    assert bearer(raw2).get("/api/v1/models/").status_code == 200
    assert clients.viewer.delete(f"/api/v1/tokens/{token2.pk}/").status_code == 204
    assert bearer(raw2).get("/api/v1/models/").status_code == 401
    assert clients.viewer.get(f"/api/v1/tokens/{token2.pk}/").json()["active"] is False
    # another user cannot revoke it
    token3, _ = api_token_create(user=team_setup.viewer, name="third")
    assert clients.owner.delete(f"/api/v1/tokens/{token3.pk}/").status_code == 404
    response = clients.viewer.post(
        "/api/v1/tokens/", {"name": "past", "expires_at": "2000-01-01T00:00:00Z"}, format="json"
    )
    assert response.status_code == 400


def test_token_throttling(team_setup: Any, settings: Any) -> None:
    rest = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "token": "3/minute"},
    }
    _, raw = api_token_create(user=team_setup.viewer, name="t")
    _, other = api_token_create(user=team_setup.viewer, name="u")
    with override_settings(REST_FRAMEWORK=rest):
        codes = [bearer(raw).get("/api/v1/models/").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert bearer(other).get("/api/v1/models/").status_code == 200  # per token


def test_teams(clients: Any, team_setup: Any) -> None:
    teams = clients.viewer.get("/api/v1/teams/").json()["results"]
    assert [(t["slug"], t["role"]) for t in teams] == [("shop", "viewer")]
    response = clients.viewer.post("/api/v1/teams/", {"name": "Viewer's own"}, format="json")
    assert response.status_code == 201 and response.json()["role"] == "owner"
    assert clients.outsider.get(f"/api/v1/teams/{team_setup.team.pk}/").status_code == 404
    assert clients.viewer.get(f"/api/v1/teams/{team_setup.team.pk}/").json()["name"] == "Shop"


def test_members_managed_by_owner_only(clients: Any, team_setup: Any) -> None:
    from tests.factories import UserFactory

    team = team_setup.team
    base = f"/api/v1/teams/{team.pk}/members/"
    assert {r["username"] for r in clients.viewer.get(base).json()} == {"owner", "editor", "viewer"}
    newbie_user = UserFactory(username="newbie")
    assert clients.outsider.get(base).status_code == 404
    # nobody is added directly: members join by accepting an invitation
    assert clients.owner.post(base, {"username": "newbie", "role": "editor"}, format="json").status_code == 405
    invited = clients.owner.post(
        f"/api/v1/teams/{team.pk}/invitations/", {"invitee": "newbie", "role": "editor"}, format="json"
    )
    assert invited.status_code == 201, invited.content
    accepted = client_for(newbie_user).post(f"/api/v1/invitations/{invited.json()['id']}/accept/")
    assert accepted.status_code == 200 and accepted.json() == {"team_id": team.pk, "role": "editor"}
    newbie = newbie_user.pk
    assert clients.editor.patch(f"{base}{newbie}/", {"role": "owner"}, format="json").status_code == 403
    assert clients.owner.patch(f"{base}{newbie}/", {"role": "viewer"}, format="json").json()["role"] == "viewer"
    assert clients.editor.delete(f"{base}{newbie}/").status_code == 403
    assert clients.owner.delete(f"{base}{newbie}/").status_code == 204
    assert clients.owner.delete(f"{base}{team_setup.outsider.pk}/").status_code == 404
    # keep at least one owner
    owner_id = team_setup.owner.pk
    response = clients.owner.patch(f"{base}{owner_id}/", {"role": "editor"}, format="json")
    assert response.status_code == 400 and "owner" in response.json()["detail"]
    assert clients.owner.delete(f"{base}{owner_id}/").status_code == 400
