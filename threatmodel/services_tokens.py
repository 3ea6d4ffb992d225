"""Personal API tokens: create (the secret is returned once), revoke, authenticate.

A token is ``tm_`` + 40 url-safe random characters (240 bits). Only its SHA-256 digest is stored, with
the first characters (``prefix``) kept in clear so people can tell their tokens apart.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from threatmodel import hot_reads
from threatmodel.accounts import Account
from threatmodel.choices import AuditAction
from threatmodel.models import ApiToken, TokenScope
from threatmodel.services import TeamRuleError
from threatmodel.services_audit import Origin, audit_record

TOKEN_PREFIX = "tm_"
PREFIX_LENGTH = 10
#: ``last_used_at`` is written at most this often per token (no write per request).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@transaction.atomic
def api_token_create(
    *,
    user: Account,
    name: str,
    scope: str = TokenScope.READ,
    expires_at: datetime | None = None,
    origin: Origin | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the secret (shown once, never stored)."""
    if scope not in TokenScope.values:
        raise TeamRuleError(f"unknown token scope {scope!r}")
    if expires_at is not None and expires_at <= timezone.now():
        raise TeamRuleError("expires_at must be in the future")
    name = name.strip()
    if not name:
        raise TeamRuleError("a token needs a name")
    if ApiToken.objects.filter(user=user, name=name).exists():
        raise TeamRuleError(f"you already have a token named {name!r}")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken.objects.create(
        user=user, name=name, scope=scope, expires_at=expires_at, prefix=raw[:PREFIX_LENGTH], key_hash=token_digest(raw)
    )
    audit_record(
        action=AuditAction.TOKEN_CREATED,
        actor=user,
        target=_token_target(token),
        detail={"token_id": token.pk, "scope": scope, "expires_at": expires_at.isoformat() if expires_at else None},
        origin=origin,
    )
    return token, raw


def _token_target(token: ApiToken) -> str:
    return f"token {token.prefix}... {token.name!r}"


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Account | None = None, origin: Origin | None = None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            action=AuditAction.TOKEN_REVOKED,
            actor=actor or token.user,
            target=_token_target(token),
            detail={"token_id": token.pk},
            origin=origin,
        )
    return token


def api_token_lookup(*, key_hash: str) -> ApiToken | None:
    """The token with this digest, with its user loaded (no liveness check), or None."""
    return hot_reads.token_with_user(key_hash=key_hash)  # runs on every API request: no queryset to compile


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """The live token matching ``raw`` (not revoked, not expired, active user), or None.

    ``last_used_at`` is written at most once per :data:`LAST_USED_RESOLUTION` per token, not per request.
    """
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = api_token_lookup(key_hash=token_digest(raw))
    now = timezone.now()
    if token is None or token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        _touch(token, now)
    return token


#: How long the ``last_used_at`` write may wait for a lock held by another writer.
TOUCH_LOCK_WAIT_MS = 100


def _touch(token: ApiToken, now: datetime) -> None:
    """Best effort: a locked or read-only database must not fail a read because of this bookkeeping write."""
    try:
        with _quick_write():
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    except DatabaseError as exc:
        logging.getLogger("trustmap.tokens").info("last_used_at of token %s not written: %s", token.pk, exc)


@contextlib.contextmanager
def _quick_write() -> Iterator[None]:
    """A transaction (a savepoint inside another) that waits at most :data:`TOUCH_LOCK_WAIT_MS` for locks."""
    if connection.vendor != "sqlite":
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = %s", [f"{TOUCH_LOCK_WAIT_MS}ms"])
            yield
        return
    with connection.cursor() as cursor:  # SQLite: the wait is the connection's busy timeout, BEGIN included
        previous = int(cursor.execute("PRAGMA busy_timeout").fetchone()[0])
        cursor.execute(f"PRAGMA busy_timeout = {TOUCH_LOCK_WAIT_MS}")
    try:
        with transaction.atomic():
            yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {previous}")
