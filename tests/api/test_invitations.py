"""Team membership by invitation (issue 19, observation 6): owners invite a username or e-mail address, the
invited user accepts or declines; answers never tell whether an account exists; invitations expire."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import client_for
from tests.factories import UserFactory
from threatmodel import models as m

VOLATILE = {"id", "created_at", "expires_at", "invitee"}


def _invite(client: Any, team_id: int, invitee: str, role: str = "viewer") -> Any:
    return client.post(f"/api/v1/teams/{team_id}/invitations/", {"invitee": invitee, "role": role}, format="json")


def _shape(response: Any) -> tuple[int, dict[str, Any]]:
    body = response.json()
    return response.status_code, {k: v for k, v in body.items() if k not in VOLATILE}


def test_the_answer_is_the_same_whether_or_not_the_account_exists(clients: Any, team_setup: Any) -> None:
    UserFactory(username="carol", email="carol@example.com")
    team = team_setup.team.pk
    answers = [
        _invite(clients.owner, team, "carol"),
        _invite(clients.owner, team, "nobody-by-that-name"),
        _invite(clients.owner, team, "Carol@Example.com"),
        _invite(clients.owner, team, "ghost@example.com"),
    ]
    shapes = [_shape(a) for a in answers]
    assert all(shape == shapes[0] for shape in shapes), shapes
    assert shapes[0][0] == 201
    assert set(answers[0].json()) == {
        "id", "team_id", "team_name", "invitee", "role", "status", "invited_by", "created_at", "expires_at",
        "responded_at",
    }  # fmt: skip
    assert answers[2].json()["invitee"] == "carol@example.com"  # addresses are matched without case
    # the owner's list of invitations tells no more: every one is pending, nothing says who has an account
    listed = clients.owner.get(f"/api/v1/teams/{team}/invitations/").json()["results"]
    assert {row["status"] for row in listed} == {"pending"} and len(listed) == 4
    assert {tuple(sorted(row)) for row in listed} == {tuple(sorted(answers[0].json()))}


def test_the_page_answers_the_same_whether_or_not_the_account_exists(team_setup: Any) -> None:
    UserFactory(username="dave")
    browser = Client()
    browser.force_login(team_setup.owner)
    url = f"/teams/{team_setup.team.pk}/"
    existing = browser.post(url, {"invitee": "dave", "role": "viewer"}, follow=True)
    missing = browser.post(url, {"invitee": "evan", "role": "viewer"}, follow=True)
    assert existing.status_code == missing.status_code == 200
    message = [str(x) for x in existing.context["messages"]]
    assert message == [str(x).replace("evan", "dave") for x in missing.context["messages"]]


def test_the_invited_user_sees_and_accepts(clients: Any, team_setup: Any) -> None:
    carol = UserFactory(username="carol", email="carol@example.com")
    invited = _invite(clients.owner, team_setup.team.pk, "CAROL@example.com", "editor").json()
    carol_api = client_for(carol)
    mine = carol_api.get("/api/v1/invitations/").json()["results"]
    assert [(row["id"], row["team_name"], row["role"]) for row in mine] == [(invited["id"], "Shop", "editor")]
    # nobody else sees it or can answer it
    for other in (clients.viewer, clients.outsider):
        assert other.get("/api/v1/invitations/").json()["results"] == []
        assert other.post(f"/api/v1/invitations/{invited['id']}/accept/").status_code == 404
    assert carol_api.post(f"/api/v1/invitations/{invited['id']}/accept/").json()["role"] == "editor"
    assert m.Membership.objects.get(team=team_setup.team, user=carol).role == "editor"
    # answered: it is gone from carol's list and cannot be answered twice
    assert carol_api.get("/api/v1/invitations/").json()["results"] == []
    assert carol_api.post(f"/api/v1/invitations/{invited['id']}/decline/").status_code == 404
    row = clients.owner.get(f"/api/v1/teams/{team_setup.team.pk}/invitations/{invited['id']}/").json()
    assert row["status"] == "accepted" and row["responded_at"]


def test_an_account_created_after_the_invitation_sees_it(clients: Any, team_setup: Any) -> None:
    invited = _invite(clients.owner, team_setup.team.pk, "latecomer").json()
    latecomer = client_for(UserFactory(username="latecomer"))
    assert [row["id"] for row in latecomer.get("/api/v1/invitations/").json()["results"]] == [invited["id"]]


def test_decline_and_revoke(clients: Any, team_setup: Any) -> None:
    carol = UserFactory(username="carol")
    team = team_setup.team.pk
    first = _invite(clients.owner, team, "carol").json()
    assert client_for(carol).post(f"/api/v1/invitations/{first['id']}/decline/").status_code == 204
    assert not m.Membership.objects.filter(team_id=team, user=carol).exists()
    second = _invite(clients.owner, team, "carol").json()
    assert second["id"] != first["id"]
    assert clients.editor.delete(f"/api/v1/teams/{team}/invitations/{second['id']}/").status_code == 403
    assert clients.owner.delete(f"/api/v1/teams/{team}/invitations/{second['id']}/").status_code == 204
    assert client_for(carol).post(f"/api/v1/invitations/{second['id']}/accept/").status_code == 404
    again = clients.owner.delete(f"/api/v1/teams/{team}/invitations/{second['id']}/")
    assert again.status_code == 400 and "revoked" in again.json()["detail"]


def test_inviting_again_renews_the_pending_invitation(clients: Any, team_setup: Any) -> None:
    team = team_setup.team.pk
    first = _invite(clients.owner, team, "carol", "viewer").json()
    second = _invite(clients.owner, team, "carol", "editor").json()
    assert second["id"] == first["id"] and second["role"] == "editor"
    assert m.Invitation.objects.filter(team_id=team).count() == 1


def test_invitations_expire(clients: Any, team_setup: Any, settings: Any) -> None:
    settings.INVITATION_DAYS = 7
    carol = UserFactory(username="carol")
    invited = _invite(clients.owner, team_setup.team.pk, "carol").json()
    expires = timezone.datetime.fromisoformat(invited["expires_at"])
    assert timedelta(days=6, hours=23) < expires - timezone.now() <= timedelta(days=7)
    m.Invitation.objects.filter(pk=invited["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client_for(carol).get("/api/v1/invitations/").json()["results"] == []
    assert client_for(carol).post(f"/api/v1/invitations/{invited['id']}/accept/").status_code == 404
    assert not m.Membership.objects.filter(team=team_setup.team, user=carol).exists()


def test_accepting_never_demotes_a_member(clients: Any, team_setup: Any) -> None:
    invited = _invite(clients.owner, team_setup.team.pk, "editor", "viewer").json()
    assert clients.editor.post(f"/api/v1/invitations/{invited['id']}/accept/").json()["role"] == "editor"


@pytest.mark.parametrize(
    ("invitee", "role"),
    [("", "viewer"), ("   ", "viewer"), ("x" * 255, "viewer"), ("evil\u202egnp.exe", "viewer"), ("a\x00b", "viewer"),
     ("carol", "admin")],
)  # fmt: skip
def test_bad_invitations_are_400(clients: Any, team_setup: Any, invitee: str, role: str) -> None:
    response = _invite(clients.owner, team_setup.team.pk, invitee, role)
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
    assert not m.Invitation.objects.exists()


def test_only_owners_invite(clients: Any, team_setup: Any) -> None:
    team = team_setup.team.pk
    assert _invite(clients.editor, team, "carol").status_code == 403
    assert _invite(clients.viewer, team, "carol").status_code == 403
    assert _invite(clients.outsider, team, "carol").status_code == 404
    assert clients.editor.get(f"/api/v1/teams/{team}/invitations/").status_code == 403
    assert clients.outsider.get(f"/api/v1/teams/{team}/invitations/").status_code == 404


def test_the_pages_invite_accept_and_list(team_setup: Any) -> None:
    carol = UserFactory(username="carol")
    owner = Client()
    owner.force_login(team_setup.owner)
    page = owner.get(f"/teams/{team_setup.team.pk}/")
    assert page.status_code == 200 and b"invite-form" in page.content
    owner.post(f"/teams/{team_setup.team.pk}/", {"invitee": "carol", "role": "editor"})
    invitation = m.Invitation.objects.get()
    browser = Client()
    browser.force_login(carol)
    listing = browser.get("/teams/")
    assert f"invitation-{invitation.pk}".encode() in listing.content
    assert browser.post(f"/invitations/{invitation.pk}/accept/").status_code == 302
    assert m.Membership.objects.get(team=team_setup.team, user=carol).role == "editor"
    # an editor sees the members but no invitation form; another team's page is not found
    assert b"invite-form" not in browser.get(f"/teams/{team_setup.team.pk}/").content
    assert browser.get(f"/teams/{team_setup.other_team.pk}/").status_code == 404
    assert browser.post(f"/teams/{team_setup.team.pk}/", {"invitee": "x"}).status_code == 404
    assert browser.post(f"/invitations/{invitation.pk}/accept/").status_code == 404
