"""The team audit log over the API (issue 19, item 5): ``GET /api/v1/teams/{id}/audit/`` lists who did what, when
and from where, newest first, paginated, filtered by action and time; ``?format=csv`` exports the same selection
as one CSV file; only the team's owners read it (members 403, anyone else 404)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory
from threatmodel import models as m
from threatmodel.choices import Role

FROM = {"REMOTE_ADDR": "203.0.113.7", "HTTP_USER_AGENT": "audit-test/1.0"}


def _audit(client: Any, team_id: int, query: str = "") -> Any:
    return client.get(f"/api/v1/teams/{team_id}/audit/{query}")


def _act(clients: Any, team_setup: Any) -> None:
    """Four recorded actions by the owner from one address: an invitation sent, then revoked, a token created,
    and the demo model deleted."""
    team = team_setup.team.pk
    invited = clients.owner.post(
        f"/api/v1/teams/{team}/invitations/", {"invitee": "carol", "role": "editor"}, format="json", **FROM
    )
    assert invited.status_code == 201, invited.content
    revoked = clients.owner.delete(f"/api/v1/teams/{team}/invitations/{invited.json()['id']}/", **FROM)
    assert revoked.status_code == 204
    assert clients.owner.post("/api/v1/tokens/", {"name": "ci"}, format="json", **FROM).status_code == 201
    model = team_setup.model
    deleted = clients.owner.delete(f"/api/v1/models/{model.pk}/", HTTP_IF_MATCH=f'"{model.revision}"', **FROM)
    assert deleted.status_code == 204, deleted.content


def test_owners_read_who_did_what_when_and_from_where_newest_first(clients: Any, team_setup: Any) -> None:
    model_id, model_name = team_setup.model.pk, team_setup.model.name
    _act(clients, team_setup)
    invitation, token = m.Invitation.objects.get(invitee="carol").pk, m.ApiToken.objects.get(name="ci").prefix
    body = _audit(clients.owner, team_setup.team.pk).json()
    rows = [(r["action"], r["actor"], r["target"], r["ip_address"], r["user_agent"]) for r in body["results"]]
    assert rows == [
        ("model.deleted", "owner", f"model {model_id} {model_name!r}", "203.0.113.7", "audit-test/1.0"),
        ("token.created", "owner", f"token {token}... 'ci'", "203.0.113.7", "audit-test/1.0"),
        ("invitation.revoked", "owner", f"invitation {invitation} of carol", "203.0.113.7", "audit-test/1.0"),
        ("invitation.created", "owner", f"invitation {invitation} of carol", "203.0.113.7", "audit-test/1.0"),
    ]
    assert body["count"] == 4
    newest = body["results"][0]
    assert newest["team_id"] == team_setup.team.pk and newest["actor_id"] == team_setup.owner.pk
    assert newest["detail"]["model_id"] == model_id and newest["detail"]["name"] == model_name
    times = [r["created_at"] for r in body["results"]]
    assert times == sorted(times, reverse=True)
    assert not m.ThreatModel.objects.filter(pk=model_id).exists()  # the entry outlives what it describes


def test_paginated_and_filtered_by_action_and_time(clients: Any, team_setup: Any) -> None:
    _act(clients, team_setup)
    team = team_setup.team.pk
    first = _audit(clients.owner, team, "?limit=3").json()
    second = _audit(clients.owner, team, "?limit=3&offset=3").json()
    assert first["count"] == second["count"] == 4 and first["next"] and second["next"] is None
    everything = _audit(clients.owner, team).json()["results"]
    assert [r["id"] for r in first["results"] + second["results"]] == [r["id"] for r in everything]
    invitations = _audit(clients.owner, team, "?action=invitation.created&action=invitation.revoked").json()
    assert [r["action"] for r in invitations["results"]] == ["invitation.revoked", "invitation.created"]
    deleted = _audit(clients.owner, team, "?action=model.deleted").json()["results"]
    assert [r["action"] for r in deleted] == ["model.deleted"]
    oldest = everything[-1]["created_at"]
    assert _audit(clients.owner, team, f"?until={oldest}").json()["count"] == 0
    assert _audit(clients.owner, team, f"?since={oldest}").json()["count"] == 4
    for bad in ("?action=nope", "?since=yesterday", "?format=xml"):
        refused = _audit(clients.owner, team, bad)
        assert refused.status_code == 400 and refused["Content-Type"].startswith("application/json"), bad


def test_only_owners_read_it(clients: Any, team_setup: Any) -> None:
    _act(clients, team_setup)
    team = team_setup.team.pk
    for member in (clients.editor, clients.viewer):
        for query in ("", "?format=csv"):
            refused = _audit(member, team, query)
            assert refused.status_code == 403 and "results" not in refused.json()
    assert _audit(clients.outsider, team).status_code == 404
    assert _audit(clients.outsider, team, "?format=csv").status_code == 404
    assert _audit(clients.owner, 999_999).status_code == 404
    # the outsider owns their own team, whose log shows none of this team's events
    other = _audit(clients.outsider, team_setup.other_team.pk).json()
    assert other["count"] == 0


def test_a_members_personal_token_events_show_in_the_team_log_and_no_one_elses(team_setup: Any) -> None:
    stranger = UserFactory(username="stranger")
    assert client_for(stranger).post("/api/v1/tokens/", {"name": "x"}, format="json").status_code == 201
    viewer = client_for(team_setup.viewer)
    assert viewer.post("/api/v1/tokens/", {"name": "viewer-ci"}, format="json").status_code == 201
    rows = _audit(client_for(team_setup.owner), team_setup.team.pk).json()["results"]
    prefix = m.ApiToken.objects.get(name="viewer-ci").prefix
    assert [(r["action"], r["actor"], r["target"]) for r in rows] == [
        ("token.created", "viewer", f"token {prefix}... 'viewer-ci'")
    ]


def test_csv_export_is_the_same_selection_in_columns(clients: Any, team_setup: Any) -> None:
    _act(clients, team_setup)
    team = team_setup.team.pk
    exported = _audit(clients.owner, team, "?format=csv")
    assert exported.status_code == 200
    assert exported["Content-Type"] == "text/csv; charset=utf-8"
    assert exported["Content-Disposition"] == f'attachment; filename="trustmap-audit-team{team}.csv"'
    assert "no-store" in exported["Cache-Control"]
    table = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode())))
    assert table[0] == [
        "id", "created_at", "action", "team_id", "actor", "actor_id", "target", "ip_address", "user_agent", "detail",
    ]  # fmt: skip
    listed = _audit(clients.owner, team).json()["results"]
    assert [row[0] for row in table[1:]] == [str(r["id"]) for r in listed]
    assert [(row[2], row[4], row[7], row[8]) for row in table[1:]] == [
        (r["action"], r["actor"], r["ip_address"], r["user_agent"]) for r in listed
    ]
    assert all(row[1].endswith("Z") for row in table[1:])
    filtered = _audit(clients.owner, team, "?format=csv&action=token.created")
    lines = b"".join(filtered.streaming_content).decode().splitlines()
    assert len(lines) == 2 and ",token.created," in lines[1]


@pytest.mark.django_db
def test_csv_cells_a_spreadsheet_would_evaluate_are_quoted(team_setup: Any) -> None:
    """A username may start with ``@``, ``+`` or ``-``: in the CSV it is text, not a formula."""
    sneaky = UserFactory(username="@SUM")
    MembershipFactory(team=team_setup.team, user=sneaky, role=Role.OWNER)
    api = client_for(sneaky)
    assert api.post("/api/v1/tokens/", {"name": "=HYPERLINK(1)"}, format="json").status_code == 201
    exported = _audit(api, team_setup.team.pk, "?format=csv")
    table = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode())))
    prefix = m.ApiToken.objects.get(user=sneaky).prefix
    assert [(row[2], row[4], row[6]) for row in table[1:]] == [
        ("token.created", "'@SUM", f"token {prefix}... '=HYPERLINK(1)'")
    ]
