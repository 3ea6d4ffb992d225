"""Reads. Access checks live here, in one choke point: every team-scoped object is fetched through
``team_for_user`` / ``model_for_user``, which raise ``NotFound`` for non-members (so another team's
objects are indistinguishable from missing ones) and ``Forbidden`` for members lacking the role.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet

from threatmodel import changelog, hot_reads
from threatmodel import models as m
from threatmodel.accounts import RequestUser
from threatmodel.changes import MODEL_KEY, MODEL_KIND, ModelDiff, diff_element_dicts
from threatmodel.choices import ROLE_RANK, Role
from threatmodel.domain import COLLECTION_OF_KIND, COLLECTIONS, KIND_OF_COLLECTION, Snapshot
from threatmodel.interchange.native import element_from_dict, info_from_dict
from threatmodel.model_templates import TEMPLATES
from threatmodel.persistence import bulk_allocation, load_element_dicts


class NotFound(Exception):
    """The object does not exist, or the user may not know it exists."""


class Forbidden(Exception):
    """The user may see the object but lacks the role for this action."""


#: Whoever reads (the name other apps import).
User = RequestUser


def reader_id(user: User) -> int | None:
    """The user id whose memberships grant access (None for an anonymous user, who is a member of nothing)."""
    return user.pk if user.is_authenticated else None


def role_in_team(*, user: User, team_id: int) -> str | None:
    """The user's role in the team, or None for a non-member (runs on every API request: one indexed lookup)."""
    reader = reader_id(user)
    if reader is None:
        return None
    return hot_reads.membership_role(team_id=int(team_id), user_id=reader)


def has_role(*, user: User, team_id: int, role: str) -> bool:
    """Whether the user's role in the team is at least ``role`` (False for non-members)."""
    actual = role_in_team(user=user, team_id=team_id)
    return actual is not None and ROLE_RANK[Role(actual)] >= ROLE_RANK[Role(role)]


def require_role(*, user: User, team_id: int, role: str) -> str:
    """The user's role in the team, if it is at least ``role``. The one access check."""
    return require_role_found(role_in_team(user=user, team_id=team_id), role=role)


def require_role_found(actual: str | None, *, role: str) -> str:
    """``require_role`` on a role already read (``hot_reads.role_join``: with the row, in the same query)."""
    if actual is None:
        raise NotFound("not found")
    if ROLE_RANK[Role(actual)] < ROLE_RANK[Role(role)]:
        raise Forbidden(f"this needs the {role} role in the team; you are {actual}")
    return actual


def teams_for_user(*, user: User) -> QuerySet[m.Team]:
    if not user.is_authenticated:
        return m.Team.objects.none()
    return m.Team.objects.filter(memberships__user_id=user.pk).distinct().order_by("name")


def team_for_user(
    *, user: User, team_id: int | None = None, slug: str | None = None, role: str = Role.VIEWER
) -> m.Team:
    lookup = {"pk": team_id} if team_id is not None else {"slug": slug}
    team = m.Team.objects.filter(**lookup).first()
    if team is None:
        raise NotFound("team not found")
    require_role(user=user, team_id=team.pk, role=role)
    return team


def models_for_user(*, user: User) -> QuerySet[m.ThreatModel]:
    if not user.is_authenticated:
        return m.ThreatModel.objects.none()
    return m.ThreatModel.objects.filter(team__memberships__user_id=user.pk).select_related("team").distinct()


def search_models(*, user: User, query: str = "", archived: bool = False) -> QuerySet[m.ThreatModel]:
    """The user's active (or archived) models whose name contains ``query``, by team and name."""
    models = models_for_user(user=user).filter(archived_at__isnull=not archived)
    if query:
        models = models.filter(name__icontains=query)
    return models.order_by("team__name", "name", "pk")


def teams_with_role(*, user: User, role: str) -> list[m.Team]:
    """The user's teams in which they have at least ``role``."""
    allowed = {r for r, rank in ROLE_RANK.items() if rank >= ROLE_RANK[Role(role)]}
    if not user.is_authenticated:
        return []
    return list(
        m.Team.objects.filter(memberships__user_id=user.pk, memberships__role__in=allowed).distinct().order_by("name")
    )


def team_ids_with_role(*, user: User, role: str) -> set[int]:
    return {team.pk for team in teams_with_role(user=user, role=role)}


def last_revisions(*, models: list[m.ThreatModel]) -> dict[int, m.Revision]:
    """The current revision of each model (the caller has checked access to them): who changed it last, when, what."""
    rows = (
        m.Revision.objects.filter(model__in=models, number=F("model__revision"))
        .select_related("author")
        .order_by("model_id")
    )
    return {revision.model_id: revision for revision in rows}


def model_for_user(*, user: User, model_id: int | str, role: str = Role.VIEWER) -> m.ThreatModel:
    try:  # every model API request: no queryset, the reader's role read with the model
        found = hot_reads.model_with_team(model_id=int(model_id), user_id=reader_id(user))
    except (ValueError, TypeError):
        raise NotFound("model not found") from None
    if found is None:
        raise NotFound("model not found")
    model, actual = found
    require_role_found(actual, role=role)
    return model


def model_templates() -> list[dict[str, Any]]:
    """The templates "New model" offers, with how many elements of each collection they bring."""
    out = []
    for template in TEMPLATES:
        snapshot = template.snapshot()
        counts = {name: len(getattr(snapshot, name)) for name in COLLECTIONS}
        out.append({"slug": template.slug, "title": template.title, "summary": template.summary, "counts": counts})
    return out


def memberships_of_team(*, team: m.Team) -> QuerySet[m.Membership]:
    return m.Membership.objects.filter(team=team).select_related("user").order_by("user__username")


def revisions_of_model(*, model: m.ThreatModel) -> QuerySet[m.Revision]:
    return m.Revision.objects.filter(model=model).select_related("author").order_by("-number")


def revision_of_model(*, model: m.ThreatModel, number: int) -> m.Revision:
    revision = m.Revision.objects.filter(model=model, number=number).select_related("author").first()
    if revision is None:
        raise NotFound(f"revision {number} not found")
    return revision


# -- snapshots ---------------------------------------------------------------------------------


def snapshot_from_dicts(info: dict[str, Any], dicts: dict[str, list[dict[str, Any]]], revision: int) -> Snapshot:
    with bulk_allocation():
        return _snapshot_from_dicts(info, dicts, revision)


def _snapshot_from_dicts(info: dict[str, Any], dicts: dict[str, list[dict[str, Any]]], revision: int) -> Snapshot:
    collections = {
        COLLECTION_OF_KIND[kind]: [element_from_dict(COLLECTIONS[COLLECTION_OF_KIND[kind]], item) for item in items]
        for kind, items in dicts.items()
    }
    return Snapshot.build(info_from_dict(info), revision=revision, **collections)


def model_info(model: m.ThreatModel) -> dict[str, Any]:
    return {
        "name": model.name,
        "description": model.description,
        "business_criticality": model.business_criticality,
        "tags": list(model.tags),
        "attributes": dict(model.attributes),
    }


def snapshot_of_model(*, model: m.ThreatModel, revision: int | None = None) -> Snapshot:
    """The model as a pure snapshot: the current state from the tables, a past one from the change log."""
    if revision is None or revision == model.revision:
        return snapshot_from_dicts(model_info(model), load_element_dicts(model.pk), model.revision)
    if revision < 0 or revision > model.revision:
        raise NotFound(f"revision {revision} not found (the model is at revision {model.revision})")
    state = element_state_at(model=model, revision=revision)
    info = state.pop((MODEL_KIND, MODEL_KEY), None) or model_info(model)
    dicts: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KIND_OF_COLLECTION.values()}
    for (kind, _key), data in sorted(state.items()):
        dicts[kind].append(data)
    return snapshot_from_dicts(info, dicts, revision)


def element_state_at(*, model: m.ThreatModel, revision: int) -> dict[tuple[str, str], dict[str, Any]]:
    """Replay the append-only change log up to ``revision``: the last ``after`` of each element."""
    state: dict[tuple[str, str], dict[str, Any]] = {}
    for kind, key, after in changelog.afters_up_to(model_id=model.pk, revision=revision):
        if after is None:
            state.pop((kind, key), None)
        else:
            state[(kind, key)] = after
    return state


def revision_diff(*, model: m.ThreatModel, from_revision: int, to_revision: int) -> ModelDiff:
    for number in (from_revision, to_revision):
        if number < 0 or number > model.revision:
            raise NotFound(f"revision {number} not found (the model is at revision {model.revision})")
    low, high = sorted((from_revision, to_revision))
    at_low, at_high = _states_around(model=model, after=low, upto=high)
    before, after = (at_low, at_high) if from_revision <= to_revision else (at_high, at_low)
    return diff_element_dicts(before, after, from_revision, to_revision)


def _states_around(
    *, model: m.ThreatModel, after: int, upto: int
) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[tuple[str, str], dict[str, Any]]]:
    """The elements the revisions ``after`` < n <= ``upto`` touch, as they were at revision ``after`` and at
    ``upto``: each one's first ``before`` and last ``after`` in those records (what a replay of the whole change
    log gives for them; the elements they do not touch are equal on both sides). Reads only those records, so a
    409's diff costs what changed since the writer's revision, not the model's whole history."""
    first: dict[tuple[str, str], Any] = {}
    last: dict[tuple[str, str], Any] = {}
    for kind, key, was, now in changelog.changes_between(model_id=model.pk, after=after, upto=upto):
        first.setdefault((kind, key), was)
        last[(kind, key)] = now
    return (
        {k: v for k, v in first.items() if v is not None},
        {k: v for k, v in last.items() if v is not None},
    )


def changes_of_revision(*, revision: m.Revision) -> list[m.ChangeRecord]:
    """The change log of one revision, in ``seq`` order (``threatmodel.changelog`` reads either form)."""
    return changelog.revision_records(revision=revision)


def keys_changed_in_revision(*, revision: m.Revision, kind: str) -> list[str]:
    """The keys of the elements of ``kind`` that ``revision`` changes."""
    return changelog.revision_keys(revision=revision, kind=kind)
