"""Team membership by invitation. An owner invites a username or an e-mail address; whoever signs in with that
username or address sees the invitation and accepts or declines it. Nothing in the answers to the owner depends
on whether such an account exists (no enumeration of usernames or addresses), and invitations expire."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from threatmodel import models as m
from threatmodel.accounts import Account
from threatmodel.choices import ROLE_RANK, AuditAction, InvitationStatus, Role
from threatmodel.inputgate import name_issues
from threatmodel.services import TeamRuleError, membership_set
from threatmodel.services_audit import Origin, audit_record

MAX_INVITEE = 254


def normalise_invitee(raw: str) -> str:
    """The invitee as stored and matched: stripped; e-mail addresses (anything with an ``@``) lower-cased."""
    invitee = (raw or "").strip()
    return invitee.lower() if "@" in invitee else invitee


@transaction.atomic
def invitation_create(
    *, team: m.Team, invitee: str, role: str, invited_by: Account, origin: Origin | None = None
) -> m.Invitation:
    """Invite a username or e-mail address into the team (the caller has checked that ``invited_by`` owns it).

    A pending invitation of the same invitee is renewed (new role and expiry), not duplicated. The result is the
    same whether or not an account matches."""
    invitee = normalise_invitee(invitee)
    if not invitee:
        raise TeamRuleError("name the username or e-mail address to invite")
    if len(invitee) > MAX_INVITEE:
        raise TeamRuleError(f"a username or e-mail address has at most {MAX_INVITEE} characters")
    problems = name_issues(invitee, "invitee", max_length=MAX_INVITEE)
    if problems:
        raise TeamRuleError(problems[0].message)
    if role not in ROLE_RANK:
        raise TeamRuleError(f"unknown role {role!r}")
    expires_at = timezone.now() + timedelta(days=settings.INVITATION_DAYS)
    invitation = (
        m.Invitation.objects.select_for_update()
        .filter(team=team, invitee=invitee, status=InvitationStatus.PENDING)
        .first()
    )
    if invitation is None:
        invitation = m.Invitation.objects.create(
            team=team, invitee=invitee, role=role, invited_by=invited_by, expires_at=expires_at
        )
    else:
        invitation.role, invitation.invited_by, invitation.expires_at = role, invited_by, expires_at
        invitation.save(update_fields=["role", "invited_by", "expires_at"])
    audit_record(
        action=AuditAction.INVITATION_CREATED,
        actor=invited_by,
        team=team,
        target=f"invitation {invitation.pk} of {invitee}",
        detail={"invitation_id": invitation.pk, "invitee": invitee, "role": role},
        origin=origin,
    )
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: m.Invitation, actor: Account, origin: Origin | None = None) -> m.Invitation:
    """Withdraw a pending invitation (an answered one stays as it was)."""
    invitation = m.Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != InvitationStatus.PENDING:
        raise TeamRuleError(f"the invitation is already {invitation.status}")
    invitation.status = InvitationStatus.REVOKED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    audit_record(
        action=AuditAction.INVITATION_REVOKED,
        actor=actor,
        team=invitation.team,
        target=f"invitation {invitation.pk} of {invitation.invitee}",
        detail={"invitation_id": invitation.pk, "invitee": invitation.invitee},
        origin=origin,
    )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: m.Invitation, user: Account, origin: Origin | None = None) -> m.Membership:
    """The invited user joins the team with the invitation's role (the caller has checked, with
    ``selectors_invitations.invitation_for_user``, that it is addressed to them and still open). A member
    already in the team keeps their role (an invitation never demotes)."""
    invitation = m.Invitation.objects.select_for_update().select_related("team").get(pk=invitation.pk)
    if invitation.status != InvitationStatus.PENDING or invitation.expires_at <= timezone.now():
        raise TeamRuleError("the invitation is no longer open")
    existing = m.Membership.objects.filter(team=invitation.team, user=user).first()
    if existing is not None and ROLE_RANK[Role(existing.role)] >= ROLE_RANK[Role(invitation.role)]:
        membership = existing
    else:
        membership = membership_set(team=invitation.team, user=user, role=invitation.role, actor=user, origin=origin)
    _answer(invitation, InvitationStatus.ACCEPTED, user)
    audit_record(
        action=AuditAction.INVITATION_ACCEPTED,
        actor=user,
        team=invitation.team,
        target=f"invitation {invitation.pk} of {invitation.invitee}",
        detail={"invitation_id": invitation.pk, "role": membership.role},
        origin=origin,
    )
    return membership


@transaction.atomic
def invitation_decline(*, invitation: m.Invitation, user: Account, origin: Origin | None = None) -> m.Invitation:
    invitation = m.Invitation.objects.select_for_update().select_related("team").get(pk=invitation.pk)
    if invitation.status != InvitationStatus.PENDING:
        raise TeamRuleError("the invitation is no longer open")
    _answer(invitation, InvitationStatus.DECLINED, user)
    audit_record(
        action=AuditAction.INVITATION_DECLINED,
        actor=user,
        team=invitation.team,
        target=f"invitation {invitation.pk} of {invitation.invitee}",
        detail={"invitation_id": invitation.pk},
        origin=origin,
    )
    return invitation


def _answer(invitation: m.Invitation, status: str, user: Account) -> None:
    invitation.status = status
    invitation.accepted_by = user if status == InvitationStatus.ACCEPTED else None
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "accepted_by", "responded_at"])
