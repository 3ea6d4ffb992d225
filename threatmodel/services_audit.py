"""The audit log: one write, ``audit_record``, called by the services that make security-relevant changes
(tokens, memberships, invitations, triage decisions, model deletion) inside their own transaction, so an
action and its entry are committed together or not at all. Rows are never updated or deleted by the app."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from threatmodel import models as m
from threatmodel.accounts import Account, RequestUser
from threatmodel.choices import AuditAction

MAX_USER_AGENT = 300
MAX_TARGET = 300


@dataclasses.dataclass(frozen=True)
class Origin:
    """Where a request came from: the client address and its User-Agent (views build it; services take it)."""

    ip_address: str | None = None
    user_agent: str = ""


#: Actions made outside a request (management commands, tasks).
NO_ORIGIN = Origin()


def audit_record(
    *,
    action: str,
    actor: RequestUser | Account | None,
    team: m.Team | None = None,
    target: str = "",
    detail: dict[str, Any] | None = None,
    origin: Origin | None = None,
) -> m.AuditEvent:
    """Add one entry; call it inside the transaction of the write it describes."""
    return audit_record_many(action=action, actor=actor, team=team, entries=[(target, detail)], origin=origin)[0]


def audit_record_many(
    *,
    action: str,
    actor: RequestUser | Account | None,
    team: m.Team | None = None,
    entries: Sequence[tuple[str, dict[str, Any] | None]],
    origin: Origin | None = None,
) -> list[m.AuditEvent]:
    """Add one entry per ``(target, detail)``, by the same actor from the same place, in one insert (a bulk decision
    on thousands of findings); call it inside the transaction of the writes they describe."""
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    origin = origin or NO_ORIGIN
    account = actor if isinstance(actor, Account) else None
    rows = [
        m.AuditEvent(
            action=action,
            team=team,
            actor=account,
            actor_name=account.get_username() if account is not None else "",
            target=target[:MAX_TARGET],
            detail=detail or {},
            ip_address=origin.ip_address,
            user_agent=origin.user_agent[:MAX_USER_AGENT],
        )
        for target, detail in entries
    ]
    if len(rows) == 1:
        rows[0].save()  # one entry: its primary key and creation time are on the returned row
        return rows
    return m.AuditEvent.objects.bulk_create(rows, batch_size=1000)
