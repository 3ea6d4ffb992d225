"""The team's audit log page (issue 19, item 5): owners reach it from the team page and read who did what, when
and from where, newest first, 50 a page, filtered by action; other members see neither the link nor the page."""

from __future__ import annotations

from datetime import UTC, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from threatmodel import models as m
from threatmodel.choices import AuditAction
from threatmodel.services_audit import Origin, audit_record

pytestmark = pytest.mark.django_db

FROM = {"REMOTE_ADDR": "198.51.100.23", "HTTP_USER_AGENT": "page-test/2.0"}


class _Table(HTMLParser):
    """The rows (cell texts) of the table marked ``data-testid="audit-events"``."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_table = self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("data-testid", "audit-events") in attrs:
            self._in_table = True
        elif self._in_table and tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
        elif self._in_body and tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._in_table = self._in_body = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data + " ")


def rows_of(html: str) -> list[list[str]]:
    table = _Table()
    table.feed(html)
    return table.rows


def _owner(team_setup: Any) -> Client:
    browser = Client(**FROM)
    browser.force_login(team_setup.owner)
    return browser


def test_owners_follow_the_link_and_read_the_events_newest_first(team_setup: Any) -> None:
    browser, team, model = _owner(team_setup), team_setup.team, team_setup.model
    team_page = browser.get(f"/teams/{team.pk}/").content.decode()
    assert f'href="/teams/{team.pk}/audit/" data-testid="audit-link"' in team_page
    assert browser.post(f"/teams/{team.pk}/", {"invitee": "carol", "role": "editor"}).status_code == 302
    invitation = m.Invitation.objects.get(invitee="carol")
    assert browser.post(f"/teams/{team.pk}/invitations/{invitation.pk}/revoke/").status_code == 302
    deleted = browser.post(f"/models/{model.pk}/delete/", {"confirm_name": model.name})
    assert deleted.status_code == 302
    page = browser.get(f"/teams/{team.pk}/audit/")
    assert page.status_code == 200
    rows = rows_of(page.content.decode())
    where, about_carol = "198.51.100.23 page-test/2.0", f"invitation_id: {invitation.pk}; invitee: carol"
    assert [row[1:] for row in rows] == [
        [
            "owner",
            "Model deleted",
            f"model {model.pk} {model.name!r}",
            f"model_id: {model.pk}; name: {model.name}; revision: {model.revision}",
            where,
        ],
        ["owner", "Invitation revoked", f"invitation {invitation.pk} of carol", about_carol, where],
        ["owner", "Invitation sent", f"invitation {invitation.pk} of carol", f"{about_carol}; role: editor", where],
    ]
    times = [row[0] for row in rows]
    assert times == sorted(times, reverse=True) and all(len(t) == len("2026-01-01 00:00:00") for t in times)
    assert "Page 1 of 1 (3 events)" in page.content.decode()


def test_filtered_by_action_and_paginated_keeping_the_filter(team_setup: Any) -> None:
    team = team_setup.team
    for n in range(55):
        audit_record(
            action=AuditAction.MEMBERSHIP_CHANGED,
            actor=team_setup.owner,
            team=team,
            target=f"user u{n:02d}",
            detail={"role": "editor", "previous_role": "viewer"},
            origin=Origin("192.0.2.1", "loop"),
        )
    audit_record(action=AuditAction.TEAM_CREATED, actor=team_setup.owner, team=team, target="team shop")
    browser = _owner(team_setup)
    first = browser.get(f"/teams/{team.pk}/audit/", {"action": "membership.changed"})
    html = first.content.decode()
    rows = rows_of(html)
    assert [row[3] for row in rows] == [f"user u{n:02d}" for n in range(54, 4, -1)]  # 50, newest first
    assert {row[4] for row in rows} == {"previous_role: viewer; role: editor"}
    assert "Page 1 of 2 (55 events)" in html
    assert 'href="?action=membership.changed&amp;page=2" rel="next"' in html
    second = rows_of(
        browser.get(f"/teams/{team.pk}/audit/", {"action": "membership.changed", "page": 2}).content.decode()
    )
    assert [row[3] for row in second] == [f"user u{n:02d}" for n in range(4, -1, -1)]
    only_team = rows_of(browser.get(f"/teams/{team.pk}/audit/", {"action": "team.created"}).content.decode())
    assert [row[1:5] for row in only_team] == [["owner", "Team created", "team shop", ""]]
    assert (
        f'href="/api/v1/teams/{team.pk}/audit/?format=csv&amp;action=team.created"'
        in browser.get(f"/teams/{team.pk}/audit/", {"action": "team.created"}).content.decode()
    )
    everything = browser.get(f"/teams/{team.pk}/audit/", {"action": "no-such-action"}).content.decode()
    assert "Page 1 of 2 (56 events)" in everything  # an unknown action is no filter


def test_times_filter_the_page_and_bad_times_are_no_filter(team_setup: Any) -> None:
    team = team_setup.team
    audit_record(action=AuditAction.TEAM_CREATED, actor=team_setup.owner, team=team, target="team shop")
    created = m.AuditEvent.objects.get(team=team).created_at
    browser = _owner(team_setup)
    url = f"/teams/{team.pk}/audit/"

    def form_time(moment: Any) -> str:  # the form's datetime-local value, read as UTC
        return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="minutes")

    before, after = form_time(created - timedelta(minutes=1)), form_time(created + timedelta(minutes=1))
    assert len(rows_of(browser.get(url, {"since": before}).content.decode())) == 1
    assert rows_of(browser.get(url, {"since": after}).content.decode()) == []
    assert rows_of(browser.get(url, {"until": before}).content.decode()) == []
    assert len(rows_of(browser.get(url, {"since": before, "until": after}).content.decode())) == 1
    for bad in ("2026-13-45T99:00", "yesterday", "\x00"):
        answer = browser.get(url, {"since": bad, "until": bad})
        assert answer.status_code == 200 and len(rows_of(answer.content.decode())) == 1, bad


def test_other_members_see_no_link_and_no_page(team_setup: Any) -> None:
    audit_record(action=AuditAction.TEAM_CREATED, actor=team_setup.owner, team=team_setup.team, target="team shop")
    for user in (team_setup.editor, team_setup.viewer, team_setup.outsider):
        browser = Client()
        browser.force_login(user)
        if user is not team_setup.outsider:
            assert 'data-testid="audit-link"' not in browser.get(f"/teams/{team_setup.team.pk}/").content.decode()
        assert browser.get(f"/teams/{team_setup.team.pk}/audit/").status_code == 404
    anonymous = Client().get(f"/teams/{team_setup.team.pk}/audit/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
