"""Live pulls of a model's observed traffic from Kiali: configure, pull now, pull what is due.

A pull fetches the graph (``threatmodel.kiali_http``: timeouts, size limit), parses it like an upload and adds an
observation (``services_mesh.mesh_observation_attach``) with its time; the design is never touched. Every pull's
outcome is recorded on the ``MeshLiveSource`` row (status, error code and message), shown on the conformance page
and answered by the API. The token is encrypted at rest and never leaves the server.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from threatmodel import models as m
from threatmodel.accounts import RequestUser
from threatmodel.fieldcrypt import decrypt_text, encrypt_text
from threatmodel.interchange.kiali import GRAPH_TYPES
from threatmodel.invariants import Issue, ModelValidationError
from threatmodel.kiali_http import KialiFetchError, Limits, check_base_url, fetch, graph_url, host_not_allowed
from threatmodel.services_mesh import mesh_observation_attach

LOGGER = logging.getLogger(__name__)

_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
MAX_NAMESPACES = 100
MAX_TOKEN_LENGTH = 8192
#: Models pulled by one sweep at most (each pull may take up to the read timeout).
PULLS_PER_SWEEP = 20


def _issues(
    *,
    base_url: str,
    auth: str,
    token: str | None,
    has_token: bool,
    namespaces: Sequence[str],
    graph_type: str,
    duration_seconds: int,
    interval_minutes: int,
) -> list[Issue]:
    issues = []
    problem = (
        (check_base_url(base_url) or host_not_allowed(base_url, settings.KIALI_ALLOWED_HOSTS))
        if base_url
        else "required"
    )
    if problem:
        issues.append(Issue("base_url", problem))
    if len(base_url) > 500:
        issues.append(Issue("base_url", "at most 500 characters"))
    if auth not in m.MeshLiveSource.Auth.values:
        issues.append(Issue("auth", f"one of {', '.join(m.MeshLiveSource.Auth.values)}"))
    if auth == m.MeshLiveSource.Auth.BEARER and not (token or has_token):
        issues.append(Issue("token", "a bearer token is required for auth 'bearer'"))
    if token is not None and (len(token) > MAX_TOKEN_LENGTH or any(c in token for c in "\r\n")):
        issues.append(Issue("token", f"one line of at most {MAX_TOKEN_LENGTH} characters"))
    issues.extend(_namespace_issues(namespaces))
    if graph_type not in GRAPH_TYPES:
        issues.append(Issue("graph_type", f"one of {', '.join(GRAPH_TYPES)}"))
    if not 60 <= duration_seconds <= 86_400:
        issues.append(Issue("duration_seconds", "between 60 and 86400"))
    if not 0 <= interval_minutes <= 10_080:
        issues.append(Issue("interval_minutes", "between 0 (only when asked) and 10080 (a week)"))
    return issues


def _namespace_issues(namespaces: Sequence[str]) -> list[Issue]:
    issues = []
    if not namespaces:
        issues.append(Issue("namespaces", "name at least one namespace to graph"))
    if len(namespaces) > MAX_NAMESPACES:
        issues.append(Issue("namespaces", f"at most {MAX_NAMESPACES}"))
    for index, name in enumerate(namespaces):
        if not isinstance(name, str) or not _NAMESPACE.match(name):
            issues.append(Issue(f"namespaces[{index}]", "not a Kubernetes namespace name"))
    return issues


def live_source_of_model(*, model: m.ThreatModel) -> m.MeshLiveSource | None:
    return m.MeshLiveSource.objects.filter(model=model).first()


@transaction.atomic
def mesh_live_configure(
    *,
    model: m.ThreatModel,
    base_url: str,
    auth: str = m.MeshLiveSource.Auth.NONE,
    token: str | None = None,
    namespaces: Sequence[str],
    graph_type: str = "workload",
    duration_seconds: int = 600,
    interval_minutes: int = 60,
) -> m.MeshLiveSource:
    """Set (or change) where the model's traffic is pulled from. ``token``: ``None`` keeps the stored one; auth
    ``none`` forgets it. The first scheduled pull is due at once when an interval is set."""
    live = m.MeshLiveSource.objects.select_for_update().filter(model=model).first()
    base_url = base_url.strip()
    names = [n.strip() if isinstance(n, str) else n for n in namespaces]
    issues = _issues(
        base_url=base_url,
        auth=auth,
        token=token,
        has_token=bool(live and live.token_encrypted),
        namespaces=names,
        graph_type=graph_type,
        duration_seconds=duration_seconds,
        interval_minutes=interval_minutes,
    )
    if issues:
        raise ModelValidationError(issues)
    if live is None:
        live = m.MeshLiveSource(model=model)
    live.base_url = base_url
    live.auth = auth
    if auth == m.MeshLiveSource.Auth.NONE:
        live.token_encrypted = ""
    elif token:
        live.token_encrypted = encrypt_text(token)
    live.namespaces = sorted(set(names))
    live.graph_type = graph_type
    live.duration_seconds = duration_seconds
    live.interval_minutes = interval_minutes
    live.next_pull_at = timezone.now() if interval_minutes else None
    live.save()
    return live


def mesh_live_remove(*, model: m.ThreatModel) -> None:
    m.MeshLiveSource.objects.filter(model=model).delete()


def _limits() -> Limits:
    return Limits(
        connect_timeout=settings.MESH_PULL_CONNECT_TIMEOUT,
        read_timeout=settings.MESH_PULL_READ_TIMEOUT,
        max_bytes=settings.MESH_PULL_MAX_BYTES,
    )


def _record_failure(live: m.MeshLiveSource, code: str, message: str, at: datetime) -> m.MeshLiveSource:
    live.last_pulled_at = at
    live.last_status = m.MeshLiveSource.Status.ERROR
    live.last_error_code = code
    live.last_error = message[:2000]
    live.save(update_fields=["last_pulled_at", "last_status", "last_error_code", "last_error", "updated_at"])
    LOGGER.info("mesh pull for model %s failed (%s): %s", live.model_id, code, message)
    return live


def mesh_live_pull(*, live: m.MeshLiveSource, user: RequestUser | None = None) -> m.MeshLiveSource:
    """Pull the graph now. On success an observation is added and ``last_status`` is ``ok``; on failure it is
    ``error`` with ``last_error_code`` (``unreachable``, ``timeout``, ``http-status``, ``too-large``,
    ``not-a-graph``, ``token-unreadable``, ``invalid-url``, ``host-not-allowed``: the host is no longer one
    ``KIALI_ALLOWED_HOSTS`` allows, nothing is sent) and a message. Never raises for Kiali's faults."""
    started = timezone.now()
    refused = host_not_allowed(live.base_url, settings.KIALI_ALLOWED_HOSTS)
    if refused:
        return _record_failure(live, "host-not-allowed", refused, started)
    token = None
    if live.auth == m.MeshLiveSource.Auth.BEARER:
        token = decrypt_text(live.token_encrypted)
        if token is None:
            return _record_failure(
                live,
                "token-unreadable",
                "the stored token cannot be decrypted (FIELD_ENCRYPTION_KEY or DJANGO_SECRET_KEY changed); "
                "enter it again",
                started,
            )
    url = graph_url(live.base_url, list(live.namespaces), live.graph_type, f"{live.duration_seconds}s")
    try:
        raw = fetch(url, token, _limits())
    except KialiFetchError as exc:
        return _record_failure(live, exc.code, exc.message, started)
    try:
        with transaction.atomic():
            source = mesh_observation_attach(
                model=live.model,
                raw=raw,
                filename=f"kiali-{started:%Y%m%dT%H%M%SZ}.json",
                fmt="kiali",
                user=user,
                received_at=started,
                pulled_from=url,
            )
    except ModelValidationError as exc:
        first = exc.issues[0] if exc.issues else Issue("", "not a Kiali graph")
        return _record_failure(live, "not-a-graph", f"Kiali's answer is not a usable graph: {first}", started)
    live.last_pulled_at = started
    live.last_status = m.MeshLiveSource.Status.OK
    live.last_error_code = ""
    live.last_error = ""
    live.last_observation = source
    live.save(
        update_fields=[
            "last_pulled_at", "last_status", "last_error_code", "last_error", "last_observation", "updated_at"
        ]
    )  # fmt: skip
    return live


def mesh_live_pull_due(*, now: datetime | None = None) -> list[int]:
    """Pull every model whose scheduled pull is due (Celery beat, or the in-process runner's sweep); the ids of
    the models pulled. Each row is claimed by moving its ``next_pull_at`` first, so two sweepers never pull the
    same model twice."""
    now = now or timezone.now()
    due = (
        m.MeshLiveSource.objects.filter(interval_minutes__gt=0)
        .filter(Q(next_pull_at__lte=now) | Q(next_pull_at__isnull=True))
        .filter(model__archived_at__isnull=True)
        .order_by("next_pull_at", "pk")
        .values_list("pk", "next_pull_at", "interval_minutes")[:PULLS_PER_SWEEP]
    )
    pulled = []
    for pk, previous, minutes in list(due):
        claimed = m.MeshLiveSource.objects.filter(pk=pk, next_pull_at=previous).update(
            next_pull_at=now + timedelta(minutes=minutes)
        )
        if not claimed:
            continue
        live = m.MeshLiveSource.objects.select_related("model").get(pk=pk)
        mesh_live_pull(live=live)
        pulled.append(live.model_id)
    return pulled
