"""Reads of invitations and the audit log, with their access rules: a team's invitations and audit log are
read by its owners (the caller fetched the team with ``team_for_user(..., role=OWNER)``); an invitation
addressed to a user is visible to that user only, and to anyone else it does not exist."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from threatmodel import models as m
from threatmodel.accounts import RequestUser
from threatmodel.choices import AuditAction, InvitationStatus
from threatmodel.selectors import NotFound

#: Actions recorded without a team (personal API tokens): a team's log shows those of its current members,
#: since a member's token reaches the team's models.
PERSONAL_ACTIONS = (AuditAction.TOKEN_CREATED, AuditAction.TOKEN_REVOKED)


def invitations_of_team(*, team: m.Team) -> QuerySet[m.Invitation]:
    return (
        m.Invitation.objects.filter(team=team)
        .select_related("invited_by", "accepted_by")
        .order_by("-created_at", "-pk")
    )


def invitation_of_team(*, team: m.Team, invitation_id: int) -> m.Invitation:
    invitation = invitations_of_team(team=team).filter(pk=invitation_id).first()
    if invitation is None:
        raise NotFound("invitation not found")
    return invitation


def _addressed_to(user: RequestUser) -> Q:
    match = Q(invitee=user.get_username())
    email = (getattr(user, "email", "") or "").strip().lower()
    if email:
        match |= Q(invitee=email)
    return match


def invitations_for_user(*, user: RequestUser) -> QuerySet[m.Invitation]:
    """The open invitations addressed to the user's username or e-mail address (pending, not expired)."""
    if not user.is_authenticated:
        return m.Invitation.objects.none()
    return (
        m.Invitation.objects.filter(_addressed_to(user), status=InvitationStatus.PENDING, expires_at__gt=timezone.now())
        .select_related("team", "invited_by")
        .order_by("-created_at", "-pk")
    )


def invitation_for_user(*, user: RequestUser, invitation_id: int) -> m.Invitation:
    """One open invitation addressed to the user; any other id (someone else's, answered, expired) is not found."""
    invitation = invitations_for_user(user=user).filter(pk=invitation_id).first()
    if invitation is None:
        raise NotFound("invitation not found")
    return invitation


def audit_events_of_team(
    *,
    team: m.Team,
    since: datetime | None = None,
    until: datetime | None = None,
    actions: list[str] | None = None,
) -> QuerySet[m.AuditEvent]:
    """The team's audit log, newest first: its own events and the personal-token events of its members."""
    members = m.Membership.objects.filter(team=team).values("user_id")
    events = m.AuditEvent.objects.filter(
        Q(team=team) | Q(team__isnull=True, action__in=PERSONAL_ACTIONS, actor_id__in=members)
    )
    if since is not None:
        events = events.filter(created_at__gte=since)
    if until is not None:
        events = events.filter(created_at__lt=until)
    if actions:
        events = events.filter(action__in=actions)
    return events.order_by("-created_at", "-pk")
