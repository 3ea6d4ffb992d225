"""Team pages: your teams and the invitations addressed to you; a team's members and invitations; its audit log.

Thin: the same selectors and services as the API (``threatmodel.api.views_invitations``), so page and API give
the same answers (an invitation's answer never depends on whether an account matches the invitee)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_http_methods, require_POST

from threatmodel import models as m
from threatmodel import selectors, selectors_teams, services_invitations
from threatmodel.accounts import Account
from threatmodel.choices import AuditAction, Role
from threatmodel.security import origin_of
from threatmodel.selectors import Forbidden, NotFound
from threatmodel.services import TeamRuleError

AUDIT_PAGE_SIZE = 50


def _team(request: HttpRequest, team_id: int, role: str = Role.VIEWER) -> m.Team:
    try:
        return selectors.team_for_user(user=request.user, team_id=team_id, role=role)
    except (NotFound, Forbidden):
        raise Http404("team not found") from None


def _account(request: HttpRequest) -> Account:
    if not isinstance(request.user, Account):  # login_required ran first
        raise Http404("not found")
    return request.user


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    user = _account(request)
    roles = dict(m.Membership.objects.filter(user_id=user.pk).values_list("team_id", "role"))
    teams = [(team, roles.get(team.pk)) for team in selectors.teams_for_user(user=request.user)]
    return render(
        request,
        "threatmodel/team_list.html",
        {"teams": teams, "invitations": list(selectors_teams.invitations_for_user(user=request.user))},
    )


@login_required
@require_POST
def invitation_answer(request: HttpRequest, invitation_id: int, answer: str) -> HttpResponse:
    try:
        invitation = selectors_teams.invitation_for_user(user=request.user, invitation_id=invitation_id)
    except NotFound:
        raise Http404("invitation not found") from None
    user, origin = _account(request), origin_of(request)
    try:
        if answer == "accept":
            membership = services_invitations.invitation_accept(invitation=invitation, user=user, origin=origin)
            messages.success(request, f"You joined {invitation.team.name} as {membership.role}.")
            return redirect("team-detail", team_id=invitation.team_id)
        services_invitations.invitation_decline(invitation=invitation, user=user, origin=origin)
        messages.success(request, f"You declined the invitation to {invitation.team.name}.")
    except TeamRuleError as exc:
        messages.error(request, str(exc))
    return redirect("team-list")


@login_required
@require_http_methods(["GET", "POST"])
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    """Members (everyone in the team); the owner also invites, and sees and revokes invitations."""
    team = _team(request, team_id)
    is_owner = selectors.has_role(user=request.user, team_id=team.pk, role=Role.OWNER)
    error, invitee, role = "", "", Role.VIEWER.value
    if request.method == "POST":
        if not is_owner:
            raise Http404("team not found")
        invitee, role = request.POST.get("invitee", ""), request.POST.get("role", Role.VIEWER)
        try:
            invitation = services_invitations.invitation_create(
                team=team, invitee=invitee, role=role, invited_by=_account(request), origin=origin_of(request)
            )
        except TeamRuleError as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                f"Invited {invitation.invitee} as {invitation.role}: whoever signs in with that username or "
                f"address sees the invitation until {invitation.expires_at:%Y-%m-%d %H:%M} UTC.",
            )
            return redirect("team-detail", team_id=team.pk)
    return render(
        request,
        "threatmodel/team_detail.html",
        {
            "team": team,
            "is_owner": is_owner,
            "members": selectors.memberships_of_team(team=team),
            "invitations": selectors_teams.invitations_of_team(team=team)[:100] if is_owner else [],
            "roles": Role.choices,
            "error": error,
            "invitee": invitee,
            "role": role,
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, team_id: int, invitation_id: int) -> HttpResponse:
    team = _team(request, team_id, Role.OWNER)
    try:
        invitation = selectors_teams.invitation_of_team(team=team, invitation_id=invitation_id)
        services_invitations.invitation_revoke(
            invitation=invitation, actor=_account(request), origin=origin_of(request)
        )
    except NotFound:
        raise Http404("invitation not found") from None
    except TeamRuleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Revoked the invitation of {invitation.invitee}.")
    return redirect("team-detail", team_id=team.pk)


def _detail_text(detail: object) -> str:
    """An event's details as ``key: value`` pairs in key order (empty values left out), for the page."""
    if not isinstance(detail, dict):
        return ""
    return "; ".join(f"{key}: {value}" for key, value in sorted(detail.items()) if value not in (None, "", [], {}))


def _moment(raw: str) -> datetime | None:
    """A time from the filter form (``datetime-local`` gives no zone: the page shows UTC); anything unreadable is
    no filter."""
    try:
        moment = parse_datetime(raw.strip()) if raw.strip() else None
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return moment


@login_required
def team_audit(request: HttpRequest, team_id: int) -> HttpResponse:
    """The team's audit log for its owners, newest first, filtered by action and time, 50 a page."""
    team = _team(request, team_id, Role.OWNER)
    action = request.GET.get("action", "")
    action = action if action in AuditAction.values else ""
    since, until = _moment(request.GET.get("since", "")), _moment(request.GET.get("until", ""))
    events = selectors_teams.audit_events_of_team(
        team=team, since=since, until=until, actions=[action] if action else None
    )
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(event, _detail_text(event.detail)) for event in page.object_list]
    export = {"format": "csv", "action": action}
    export |= {name: moment.isoformat() for name, moment in (("since", since), ("until", until)) if moment}
    return render(
        request,
        "threatmodel/team_audit.html",
        {
            "team": team,
            "page": page,
            "rows": rows,
            "actions": AuditAction.choices,
            "action": action,
            "since": since,
            "until": until,
            "export_query": urlencode({k: v for k, v in export.items() if v}),
        },
    )
