"""Writes to teams, memberships and threat models. Every model write goes through
``changeset_apply`` (or the bulk ``model_create``), which checks the base revision, the schema and the
invariants, writes the rows, appends the change log and bumps the revision, all in one transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from catalog.packs.controls import control_ids
from threatmodel import models as m
from threatmodel.accounts import Account, RequestUser
from threatmodel.changes import (
    MODEL_KEY,
    MODEL_KIND,
    ElementChange,
    changes_between,
    normalize,
    parse_change,
)
from threatmodel.choices import ROLE_RANK, AuditAction, Role
from threatmodel.deletion import deletion_plan
from threatmodel.domain import COLLECTIONS, KIND_OF_COLLECTION, ModelInfo, Snapshot
from threatmodel.gcpause import gc_paused
from threatmodel.interchange import registry
from threatmodel.interchange.base import ImportResult
from threatmodel.interchange.native import info_from_dict, info_to_dict, snapshot_to_document
from threatmodel.interchange.schema import MAX_NAME
from threatmodel.invariants import Issue, ModelValidationError
from threatmodel.persistence import (
    ROW_MODEL,
    delete_links,
)
from threatmodel.revisions import DEPENDENCY_ORDER, apply_changes, create_whole_model
from threatmodel.selectors import model_info, snapshot_of_model
from threatmodel.services_audit import Origin, audit_record

MAX_CHANGES = 20_000
#: Duplicates are named "<name> (copy)", then "(copy 2)", ...
COPY_SUFFIX = "copy"


class RevisionConflict(Exception):
    """The write was based on an older revision than the model's current one."""

    def __init__(self, *, model_id: int, base_revision: int, current_revision: int):
        self.model_id = model_id
        self.base_revision = base_revision
        self.current_revision = current_revision
        super().__init__(
            f"the model changed since revision {base_revision}: it is now at revision {current_revision}; "
            "reload it and re-apply your edit"
        )


class TeamRuleError(ValueError):
    """A team/membership write that would break a rule (e.g. remove the last owner)."""


# -- teams ---------------------------------------------------------------------------------------


@transaction.atomic
def team_create(*, name: str, owner: Account, slug: str | None = None, origin: Origin | None = None) -> m.Team:
    base = slugify(slug or name)[:56] or "team"
    candidate, n = base, 1
    while m.Team.objects.filter(slug=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    team = m.Team.objects.create(name=name, slug=candidate)
    m.Membership.objects.create(team=team, user=owner, role=Role.OWNER)
    audit_record(action=AuditAction.TEAM_CREATED, actor=owner, team=team, target=f"team {team.slug}", origin=origin)
    return team


@transaction.atomic
def membership_set(
    *,
    team: m.Team,
    user: Account,
    role: str,
    actor: RequestUser | None = None,
    origin: Origin | None = None,
) -> m.Membership:
    """Add ``user`` to the team with ``role`` or change their role. Users join a team by accepting an
    invitation (``services_invitations``); owners change roles here."""
    if role not in ROLE_RANK:
        raise TeamRuleError(f"unknown role {role!r}")
    membership, created = m.Membership.objects.select_for_update().get_or_create(
        team=team, user=user, defaults={"role": role}
    )
    previous = None if created else membership.role
    if not created and membership.role != role:
        if membership.role == Role.OWNER and role != Role.OWNER:
            _ensure_other_owner(team, user)
        membership.role = role
        membership.save(update_fields=["role"])
    if created or previous != role:
        audit_record(
            action=AuditAction.MEMBERSHIP_ADDED if created else AuditAction.MEMBERSHIP_CHANGED,
            actor=actor,
            team=team,
            target=f"user {user.get_username()}",
            detail={"role": role} if created else {"role": role, "previous_role": previous},
            origin=origin,
        )
    return membership


@transaction.atomic
def membership_remove(
    *, team: m.Team, user: Account, actor: RequestUser | None = None, origin: Origin | None = None
) -> None:
    membership = m.Membership.objects.select_for_update().filter(team=team, user=user).first()
    if membership is None:
        return
    if membership.role == Role.OWNER:
        _ensure_other_owner(team, user)
    membership.delete()
    audit_record(
        action=AuditAction.MEMBERSHIP_REMOVED,
        actor=actor,
        team=team,
        target=f"user {user.get_username()}",
        detail={"role": membership.role},
        origin=origin,
    )


def _ensure_other_owner(team: m.Team, user: Account) -> None:
    if not m.Membership.objects.filter(team=team, role=Role.OWNER).exclude(user=user).exists():
        raise TeamRuleError("a team must keep at least one owner")


# -- models --------------------------------------------------------------------------------------


def read_upload(raw: bytes | str, filename: str) -> Snapshot:
    """An uploaded file of any importable format -> snapshot: the one reader behind every upload (page, API,
    ``tm_import``). Raises ``ModelValidationError`` naming each problem."""
    return _read_upload_result(raw, filename).snapshot


def _read_upload_result(raw: bytes | str, filename: str) -> ImportResult:
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    with gc_paused():  # a large file is millions of small acyclic objects: collections would find nothing
        return registry.read(data, filename=filename, known_controls=control_ids())


def model_name_issues(*, team: m.Team, name: str, exclude_pk: int | None = None) -> list[Issue]:
    """What is wrong with ``name`` as the name of a model of ``team``: blank, too long, or taken (names are
    compared without regard to case, so "Shop" and "shop" cannot both exist)."""
    if not isinstance(name, str) or not name.strip():
        return [Issue("name", "a model needs a name")]
    if len(name) > MAX_NAME:
        return [Issue("name", f"at most {MAX_NAME} characters ({len(name)} given)")]
    taken = m.ThreatModel.objects.filter(team=team, name__iexact=name.strip())
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    other = taken.values_list("name", flat=True).first()
    if other is not None:
        return [Issue("name", f"a model named {other!r} already exists in team {team.name!r}")]
    return []


def _require_name(team: m.Team, name: str, exclude_pk: int | None = None) -> str:
    issues = model_name_issues(team=team, name=name, exclude_pk=exclude_pk)
    if issues:
        raise ModelValidationError(issues)
    return name.strip()


def model_import(
    *,
    team: m.Team,
    raw: bytes | str,
    filename: str = "",
    user: RequestUser | None,
    message: str = "",
    name: str | None = None,
) -> m.ThreatModel:
    """Create a model from a file of any importable format (``threatmodel.interchange.registry``), named
    ``name`` or as the file says. All-or-nothing: raises ``ModelValidationError``."""
    return model_import_file(team=team, raw=raw, filename=filename, user=user, message=message, name=name).model


@dataclasses.dataclass(frozen=True)
class ImportOutcome:
    """A model created from a file, with the file's format and what the reader assumed where the file said
    nothing (a foreign OTM or Threat Dragon file has no authentication facts, say): shown to the importer."""

    model: m.ThreatModel
    format: str
    assumptions: tuple[Issue, ...]


def model_import_file(
    *,
    team: m.Team,
    raw: bytes | str,
    filename: str = "",
    user: RequestUser | None,
    message: str = "",
    name: str | None = None,
) -> ImportOutcome:
    """:func:`model_import`, answering the reader's assumptions too."""
    result = _read_upload_result(raw, filename)
    renamed = name is not None and bool(name.strip())
    fmt, assumptions, element_dicts = result.format, result.assumptions, result.element_dicts
    if element_dicts is not None:  # the reader's checked element dicts: stored as they are, no snapshot
        info = dataclasses.replace(result.info, name=name.strip()) if renamed and name else result.info
        del result  # the parsed file it keeps for a snapshot nobody asks for: its memory serves the rows instead
        model = _model_create_checked(
            team=team,
            info=info,
            element_dicts=element_dicts,
            user=user,
            message=message or f"Imported {filename}".strip(),
        )
    else:
        snapshot = _renamed(result.snapshot, name) if renamed and name else result.snapshot
        model = model_create(
            team=team, snapshot=snapshot, user=user, message=message or f"Imported {filename}".strip(), checked=True
        )
    return ImportOutcome(model=model, format=fmt, assumptions=assumptions)


def model_start(
    *,
    team: m.Team,
    user: RequestUser | None,
    name: str,
    template: Snapshot | None = None,
    template_title: str = "",
    description: str | None = None,
    business_criticality: str | None = None,
    tags: Sequence[str] | None = None,
) -> m.ThreatModel:
    """A new model named ``name``: blank, or a copy of a template's content (the given fields override the
    template's)."""
    name = _require_name(team, name)
    base = template if template is not None else Snapshot.build(info_from_dict({"name": name}))
    info = info_to_dict(base.info)
    info["name"] = name
    for key, value in (("description", description), ("business_criticality", business_criticality)):
        if value is not None:
            info[key] = value
    if tags is not None:
        info["tags"] = list(tags)
    normalized, issues = normalize(MODEL_KIND, info, "model")
    if issues or normalized is None:
        raise ModelValidationError([dataclasses.replace(i, path=i.path.removeprefix("model.")) for i in issues])
    snapshot = dataclasses.replace(base, info=info_from_dict(normalized))
    message = f"Created from the template {template_title}" if template is not None else "Created"
    return model_create(team=team, snapshot=snapshot, user=user, message=message)


def model_duplicate(*, model: m.ThreatModel, user: RequestUser | None, name: str | None = None) -> m.ThreatModel:
    """A new model in the same team with the current content of ``model`` (its own history starts at 1)."""
    new_name = name.strip() if name and name.strip() else _copy_name(model)
    snapshot = _renamed(snapshot_of_model(model=model), new_name)
    return model_create(
        team=model.team,
        snapshot=snapshot,
        user=user,
        message=f"Duplicated from {model.name} (revision {model.revision})",
    )


def _copy_name(model: m.ThreatModel) -> str:
    stem = model.name[: MAX_NAME - 12]
    n = 1
    while True:
        candidate = f"{stem} ({COPY_SUFFIX})" if n == 1 else f"{stem} ({COPY_SUFFIX} {n})"
        if not model_name_issues(team=model.team, name=candidate):
            return candidate
        n += 1


def _renamed(snapshot: Snapshot, name: str) -> Snapshot:
    return dataclasses.replace(snapshot, info=dataclasses.replace(snapshot.info, name=name.strip()))


def model_archive(*, model: m.ThreatModel) -> m.ThreatModel:
    """Archive: the model stays with its history and assessments, leaves the dashboard and becomes read-only."""
    if model.archived_at is None:
        model.archived_at = timezone.now()
        m.ThreatModel.objects.filter(pk=model.pk).update(archived_at=model.archived_at)
    return model


def model_restore(*, model: m.ThreatModel) -> m.ThreatModel:
    if model.archived_at is not None:
        model.archived_at = None
        m.ThreatModel.objects.filter(pk=model.pk).update(archived_at=None)
    return model


def model_update_info(
    *, model: m.ThreatModel, user: RequestUser | None, base_revision: int, fields: dict[str, Any], message: str = ""
) -> m.Revision:
    """Rename the model or change its description, criticality, tags or attributes, as one revision."""
    if not fields:
        raise ModelValidationError(
            [Issue("", "nothing to change: send name, description, business_criticality, tags or attributes")]
        )
    return changeset_apply(
        model=model,
        user=user,
        base_revision=base_revision,
        changes=[ElementChange("update", MODEL_KIND, MODEL_KEY, fields)],
        message=message,
    )


@transaction.atomic
def model_create(
    *,
    team: m.Team,
    snapshot: Snapshot,
    user: RequestUser | None,
    message: str = "Created",
    checked: bool = False,
) -> m.ThreatModel:
    """Create a model and all its elements as revision 1 (bulk writes). ``checked``: the snapshot is what
    ``registry.read`` answered with the catalog's controls, which has refused dangling references, boundary
    cycles and unknown controls already (see ``apply_changes``)."""
    if checked:
        document = snapshot_to_document(snapshot, compact=False)
        return _model_create_checked(
            team=team,
            info=snapshot.info,
            element_dicts={collection: document[collection] for collection in COLLECTIONS if collection in document},
            user=user,
            message=message,
        )
    with gc_paused():  # the element dicts, rows and change log of a whole model: no cycles to collect
        model, info = _new_model(team, snapshot.info, user)
        document = snapshot_to_document(snapshot, compact=False)
        changes = list(
            enumerate(
                ElementChange("create", kind, item["id"], item)
                for collection, kind in KIND_OF_COLLECTION.items()
                for item in document.get(collection, [])
            )
        )
        apply_changes(
            model=model,
            user=user,
            changes=changes,
            message=message,
            bulk=True,
            model_info_before=None,
            model_info_after=info,
        )
        return model


@transaction.atomic
def _model_create_checked(
    *,
    team: m.Team,
    info: ModelInfo,
    element_dicts: Mapping[str, list[dict[str, Any]]],
    user: RequestUser | None,
    message: str,
) -> m.ThreatModel:
    """:func:`model_create` of elements a reader has checked as a whole model (``registry.read`` with the
    catalog's controls: ids unique, references resolved, no boundary cycles, known controls), given as full native
    dicts by collection (``ImportResult.element_dicts``), stored as they are (``create_whole_model``)."""
    with gc_paused():  # the element dicts, rows and change log of a whole model: no cycles to collect
        model, info_dict = _new_model(team, info, user)
        elements = [
            (kind, item)
            for collection, kind in KIND_OF_COLLECTION.items()
            for item in element_dicts.get(collection, [])
        ]
        create_whole_model(model=model, user=user, elements=elements, message=message, model_info=info_dict)
        return model


def _new_model(team: m.Team, model_info: ModelInfo, user: RequestUser | None) -> tuple[m.ThreatModel, dict[str, Any]]:
    """The model's row (at revision 0, no elements yet) and its info as the change log holds it."""
    name = _require_name(team, model_info.name)
    info = {**info_to_dict(model_info), "name": name}
    try:
        with transaction.atomic():
            model = m.ThreatModel.objects.create(
                team=team,
                name=info["name"],
                description=info["description"],
                business_criticality=info["business_criticality"],
                tags=info["tags"],
                attributes=info["attributes"],
                revision=0,
                created_by=user if user and user.is_authenticated else None,
            )
    except IntegrityError:  # a concurrent create took the name between the check and the insert
        raise ModelValidationError([Issue("name", f"a model named {name!r} already exists in this team")]) from None
    return model, info


@transaction.atomic
def model_delete(*, model: m.ThreatModel, actor: RequestUser | None = None, origin: Origin | None = None) -> None:
    model_id = model.pk
    audit_record(
        action=AuditAction.MODEL_DELETED,
        actor=actor,
        team=model.team,
        target=f"model {model_id} {model.name!r}",
        detail={"model_id": model_id, "name": model.name, "revision": model.revision},
        origin=origin,
    )
    for kind in reversed(DEPENDENCY_ORDER):
        if kind in ("component", "flow"):
            delete_links(kind, list(ROW_MODEL[kind].objects.filter(model_id=model_id).values_list("pk", flat=True)))
        if kind == "boundary":
            m.TrustBoundary.objects.filter(model_id=model_id).update(parent=None)
        ROW_MODEL[kind].objects.filter(model_id=model_id).delete()
    model.delete()


def model_replace(
    *,
    model: m.ThreatModel,
    snapshot: Snapshot,
    user: RequestUser | None,
    base_revision: int,
    current: Snapshot,
    message: str = "",
) -> m.Revision | None:
    """Make the model equal to ``snapshot`` as one new revision (e.g. re-import of its file)."""
    changes = changes_between(current, snapshot)
    if not changes:
        return None
    return changeset_apply(
        model=model, user=user, base_revision=base_revision, changes=changes, message=message or "Replaced from file"
    )


def changeset_parse(raw_changes: Any) -> list[ElementChange]:
    """Untrusted JSON list -> changes, or ``ModelValidationError`` naming each bad entry."""
    if not isinstance(raw_changes, list):
        raise ModelValidationError([Issue("changes", "must be a list")])
    if len(raw_changes) > MAX_CHANGES:
        raise ModelValidationError([Issue("changes", f"at most {MAX_CHANGES} changes per change set")])
    changes, issues = [], []
    for i, raw in enumerate(raw_changes):
        change, problems = parse_change(raw, f"changes[{i}]")
        issues.extend(problems)
        if change:
            changes.append(change)
    if issues:
        raise ModelValidationError(issues)
    return changes


def changeset_apply(
    *,
    model: m.ThreatModel,
    user: RequestUser | None,
    base_revision: int,
    changes: Sequence[ElementChange],
    message: str = "",
    coalesce: bool = False,
) -> m.Revision:
    """Apply element edits atomically on top of ``base_revision``; refuse stale writes.

    ``coalesce``: an editor change set, which merges into the same author's previous editor change set when it
    follows within ``REVISION_COALESCE_SECONDS`` (the revision then moves to the next number, so other writers
    based on it are still refused as stale); its message is written from what it changes.
    """
    if model.revision > base_revision:  # revisions only grow: stale already, refused without waiting for the lock
        raise RevisionConflict(model_id=model.pk, base_revision=base_revision, current_revision=model.revision)
    return _changeset_apply_locked(
        model=model, user=user, base_revision=base_revision, changes=changes, message=message, coalesce=coalesce
    )


@transaction.atomic
def _changeset_apply_locked(
    *,
    model: m.ThreatModel,
    user: RequestUser | None,
    base_revision: int,
    changes: Sequence[ElementChange],
    message: str,
    coalesce: bool,
) -> m.Revision:
    """``changeset_apply`` once a stale write known from ``model`` is refused (that check opens no transaction)."""
    locked = m.ThreatModel.objects.select_for_update().get(pk=model.pk)
    if locked.revision != base_revision:
        raise RevisionConflict(model_id=locked.pk, base_revision=base_revision, current_revision=locked.revision)
    if locked.archived_at is not None:
        raise ModelValidationError([Issue("model", "the model is archived (read-only); restore it to edit")])
    if not changes:
        raise ModelValidationError([Issue("changes", "a change set needs at least one change")])
    info_before = model_info(locked)
    info_after = info_before
    element_changes = []
    name_path = "name"
    for i, change in enumerate(changes):
        if change.kind == MODEL_KIND:
            if "name" in change.data:
                name_path = f"changes[{i}].data.name"
            normalized, issues = normalize(MODEL_KIND, {**info_after, **change.data}, f"changes[{i}].data")
            if issues or normalized is None:
                raise ModelValidationError(issues)
            info_after = normalized
        else:
            element_changes.append((i, change))
    if info_after["name"] != info_before["name"]:
        issues = model_name_issues(team=locked.team, name=info_after["name"], exclude_pk=locked.pk)
        if issues:
            raise ModelValidationError([dataclasses.replace(issue, path=name_path) for issue in issues])
        info_after = {**info_after, "name": info_after["name"].strip()}
    revision = apply_changes(
        model=locked,
        user=user,
        changes=element_changes,
        message=message,
        bulk=False,
        model_info_before=info_before,
        model_info_after=info_after,
        coalesce=coalesce,
    )
    model.revision = locked.revision
    for name in ("name", "description", "business_criticality", "tags", "attributes"):
        setattr(model, name, getattr(locked, name))
    return revision


def element_changes_for_delete(snapshot: Snapshot, ids: Iterable[str]) -> list[ElementChange]:
    """Delete elements together with what refers to them (``threatmodel.deletion``): dependent flows, grants and
    controls go, members move to the surviving parent boundary, identity and data references are cleared."""
    return list(deletion_plan(snapshot, ids).changes)


__all__ = [
    "COLLECTIONS",
    "ImportOutcome",
    "RevisionConflict",
    "TeamRuleError",
    "changeset_apply",
    "changeset_parse",
    "element_changes_for_delete",
    "membership_remove",
    "membership_set",
    "model_archive",
    "model_create",
    "model_delete",
    "model_duplicate",
    "model_import",
    "model_import_file",
    "model_name_issues",
    "model_replace",
    "model_restore",
    "model_start",
    "model_update_info",
    "read_upload",
    "team_create",
]
