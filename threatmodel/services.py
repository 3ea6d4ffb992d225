"""Writes to teams, memberships and threat models. Every model write goes through
``changeset_apply`` (or the bulk ``model_create``), which checks the base revision, the schema and the
invariants, writes the rows, appends the change log and bumps the revision, all in one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.text import slugify

from catalog.packs.controls import control_ids
from threatmodel import models as m
from threatmodel.changes import (
    MODEL_KEY,
    MODEL_KIND,
    ElementChange,
    changes_between,
    normalize,
    parse_change,
    summarize,
)
from threatmodel.choices import ROLE_RANK, Role
from threatmodel.domain import COLLECTION_OF_KIND, COLLECTIONS, KIND_OF_COLLECTION, Snapshot
from threatmodel.interchange.native import info_to_dict, read_model, snapshot_to_document
from threatmodel.invariants import (
    REFERENCES,
    Issue,
    ModelIndex,
    ModelValidationError,
    boundary_cycle_issues,
    reference_issues,
)
from threatmodel.persistence import (
    ROW_MODEL,
    KeyMap,
    delete_links,
    fast_insert,
    link_rows,
    load_element_dicts,
    row_values,
)
from threatmodel.selectors import model_info

DEPENDENCY_ORDER: tuple[str, ...] = tuple(KIND_OF_COLLECTION.values())
MAX_CHANGES = 20_000


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
def team_create(*, name: str, owner: AbstractBaseUser, slug: str | None = None) -> m.Team:
    base = slugify(slug or name)[:56] or "team"
    candidate, n = base, 1
    while m.Team.objects.filter(slug=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    team = m.Team.objects.create(name=name, slug=candidate)
    m.Membership.objects.create(team=team, user=owner, role=Role.OWNER)
    return team


@transaction.atomic
def membership_set(*, team: m.Team, user: AbstractBaseUser, role: str) -> m.Membership:
    if role not in ROLE_RANK:
        raise TeamRuleError(f"unknown role {role!r}")
    membership, created = m.Membership.objects.select_for_update().get_or_create(
        team=team, user=user, defaults={"role": role}
    )
    if not created and membership.role != role:
        if membership.role == Role.OWNER and role != Role.OWNER:
            _ensure_other_owner(team, user)
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, team: m.Team, user: AbstractBaseUser) -> None:
    membership = m.Membership.objects.select_for_update().filter(team=team, user=user).first()
    if membership is None:
        return
    if membership.role == Role.OWNER:
        _ensure_other_owner(team, user)
    membership.delete()


def _ensure_other_owner(team: m.Team, user: AbstractBaseUser) -> None:
    if not m.Membership.objects.filter(team=team, role=Role.OWNER).exclude(user=user).exists():
        raise TeamRuleError("a team must keep at least one owner")


# -- models --------------------------------------------------------------------------------------


def model_import(
    *, team: m.Team, raw: bytes | str, filename: str = "", user: AbstractBaseUser | None, message: str = ""
) -> m.ThreatModel:
    """Create a model from a native file. All-or-nothing: raises ``ModelValidationError``."""
    snapshot = read_model(raw, filename, known_controls=control_ids())
    return model_create(team=team, snapshot=snapshot, user=user, message=message or f"Imported {filename}".strip())


@transaction.atomic
def model_create(
    *, team: m.Team, snapshot: Snapshot, user: AbstractBaseUser | None, message: str = "Created"
) -> m.ThreatModel:
    """Create a model and all its elements as revision 1 (bulk writes)."""
    if m.ThreatModel.objects.filter(team=team, name=snapshot.info.name).exists():
        raise ModelValidationError(
            [Issue("model.name", f"a model named {snapshot.info.name!r} already exists in team {team.slug!r}")]
        )
    info = info_to_dict(snapshot.info)
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
    document = snapshot_to_document(snapshot, compact=False)
    changes = list(
        enumerate(
            ElementChange("create", kind, item["id"], item)
            for collection, kind in KIND_OF_COLLECTION.items()
            for item in document.get(collection, [])
        )
    )
    _apply(
        model=model,
        user=user,
        base_revision=0,
        changes=changes,
        message=message,
        bulk=True,
        model_info_before=None,
        model_info_after=info,
    )
    return model


@transaction.atomic
def model_delete(*, model: m.ThreatModel) -> None:
    model_id = model.pk
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
    user: AbstractBaseUser | None,
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


@transaction.atomic
def changeset_apply(
    *,
    model: m.ThreatModel,
    user: AbstractBaseUser | None,
    base_revision: int,
    changes: Sequence[ElementChange],
    message: str = "",
) -> m.Revision:
    """Apply element edits atomically on top of ``base_revision``; refuse stale writes."""
    locked = m.ThreatModel.objects.select_for_update().get(pk=model.pk)
    if locked.revision != base_revision:
        raise RevisionConflict(model_id=locked.pk, base_revision=base_revision, current_revision=locked.revision)
    if not changes:
        raise ModelValidationError([Issue("changes", "a change set needs at least one change")])
    info_before = model_info(locked)
    info_after = info_before
    element_changes = []
    for i, change in enumerate(changes):
        if change.kind == MODEL_KIND:
            info_after, issues = normalize(MODEL_KIND, {**info_after, **change.data}, f"changes[{i}].data")
            if issues:
                raise ModelValidationError(issues)
        else:
            element_changes.append((i, change))
    revision = _apply(
        model=locked,
        user=user,
        base_revision=base_revision,
        changes=element_changes,
        message=message,
        bulk=False,
        model_info_before=info_before,
        model_info_after=info_after,
    )
    model.revision = locked.revision
    for name in ("name", "description", "business_criticality", "tags", "attributes"):
        setattr(model, name, getattr(locked, name))
    return revision


def _index(model_id: int) -> ModelIndex:
    index = ModelIndex()
    for kind in DEPENDENCY_ORDER:
        if kind == "boundary":
            parents = dict(m.TrustBoundary.objects.filter(model_id=model_id).values_list("pk", "parent_id"))
            keys = dict(m.TrustBoundary.objects.filter(model_id=model_id).values_list("pk", "key"))
            for pk, key in keys.items():
                index.add(kind, key, keys.get(parents[pk]) if parents[pk] else None)
        else:
            for key in ROW_MODEL[kind].objects.filter(model_id=model_id).values_list("key", flat=True):
                index.add(kind, key)
    return index


def _apply(
    *,
    model: m.ThreatModel,
    user: AbstractBaseUser | None,
    base_revision: int,
    changes: Sequence[tuple[int, ElementChange]],
    message: str,
    bulk: bool,
    model_info_before: dict[str, Any] | None,
    model_info_after: dict[str, Any],
) -> m.Revision:
    numbered = list(changes)
    index = ModelIndex() if bulk else _index(model.pk)
    touched: dict[str, set[str]] = defaultdict(set)
    for _, change in numbered:
        touched[change.kind].add(change.id)
    current = (
        {}
        if bulk
        else {
            (kind, item["id"]): item
            for kind, items in load_element_dicts(model.pk, kinds=list(touched), keys=touched).items()
            for item in items
        }
    )

    issues: list[Issue] = []
    final: dict[tuple[str, str], dict[str, Any] | None] = {}
    before_of: dict[tuple[str, str], dict[str, Any] | None] = {}
    path_of: dict[tuple[str, str], str] = {}
    for i, change in numbered:
        path = f"changes[{i}]" if not bulk else f"{COLLECTION_OF_KIND.get(change.kind, change.kind)}[{change.id}]"
        key = (change.kind, change.id)
        existing = final[key] if key in final else current.get(key)
        before_of.setdefault(key, current.get(key))
        if change.op == "create":
            if existing is not None or change.id in index.kind_of_id:
                other = index.kind_of_id.get(change.id, change.kind)
                issues.append(Issue(f"{path}.id", f"id {change.id!r} is already used by a {other} in this model"))
                continue
            if bulk:  # already validated and canonical (comes from a Snapshot)
                after, problems = dict(change.data), []
            else:
                after, problems = normalize(change.kind, {**change.data, "id": change.id}, f"{path}.data")
        elif existing is None:
            issues.append(Issue(f"{path}.id", f"no {change.kind} {change.id!r} in this model"))
            continue
        elif change.op == "update":
            after, problems = normalize(change.kind, {**existing, **change.data, "id": change.id}, f"{path}.data")
        else:
            after, problems = None, []
        if problems:
            issues.extend(problems)
            continue
        final[key] = after
        path_of[key] = path
        if after is None:
            index.remove(change.id)
        else:
            index.add(change.kind, change.id, after.get("parent") if change.kind == "boundary" else None)
    if issues:
        raise ModelValidationError(issues)

    for (kind, key), after in final.items():
        if after is not None:
            issues.extend(reference_issues(kind, after, index, path_of[(kind, key)] + ".data"))
    deleted = {key for (kind, key), after in final.items() if after is None}
    if deleted and not bulk:
        issues.extend(_dangling_after_delete(model.pk, deleted, final))
    if any(kind == "boundary" for kind, _ in final):
        issues.extend(
            boundary_cycle_issues(
                index,
                {k: path_of[("boundary", k)] for (kd, k) in final if kd == "boundary" and ("boundary", k) in path_of},
            )
        )
    controls = control_ids()
    for (kind, key), after in final.items():
        if kind == "control" and after is not None and after["control"] not in controls:
            issues.append(
                Issue(path_of[(kind, key)] + ".data.control", f"unknown catalog control {after['control']!r}")
            )
    if issues:
        raise ModelValidationError(issues)

    _write_rows(model.pk, final, before_of, bulk=bulk)

    number = model.revision + 1
    records: list[tuple[str, str, str, Any, Any]] = []
    if model_info_before != model_info_after:
        records.append(
            (
                MODEL_KIND,
                MODEL_KEY,
                "create" if model_info_before is None else "update",
                model_info_before,
                model_info_after,
            )
        )
    for (kind, key), after in final.items():
        before = before_of.get((kind, key))
        if before == after:
            continue
        action = "create" if before is None else ("delete" if after is None else "update")
        records.append((kind, key, action, before, after))
    if not records:
        raise ModelValidationError([Issue("changes", "the change set changes nothing")])
    revision = m.Revision.objects.create(
        model=model,
        number=number,
        base_number=base_revision,
        author=user if user is not None and user.is_authenticated else None,
        message=(message or summarize([c for _, c in numbered]) or "Edited model")[:500],
        change_count=len(records),
    )
    fast_insert(
        m.ChangeRecord,
        (
            {
                "model_id": model.pk,
                "revision_id": revision.pk,
                "revision_number": number,
                "seq": seq,
                "element_kind": kind,
                "element_key": key,
                "action": action,
                "before": before,
                "after": after,
            }
            for seq, (kind, key, action, before, after) in enumerate(records)
        ),
    )
    model.revision = number
    for name, value in model_info_after.items():
        setattr(model, name, value)
    model.save(
        update_fields=["revision", "name", "description", "business_criticality", "tags", "attributes", "updated_at"]
    )
    return revision


def _dangling_after_delete(
    model_id: int, deleted: set[str], final: Mapping[tuple[str, str], dict[str, Any] | None]
) -> list[Issue]:
    """Elements left untouched by the change set that still point at a deleted element."""
    rewritten = {key for (kind, key) in final}
    issues = []
    everything = load_element_dicts(model_id)
    for kind, items in everything.items():
        for item in items:
            if item["id"] in rewritten:
                continue
            for field_name in REFERENCES[kind]:
                value = item.get(field_name)
                refs = value if isinstance(value, list) else [value]
                for ref in refs:
                    if ref in deleted:
                        issues.append(
                            Issue(
                                f"{COLLECTION_OF_KIND.get(kind, kind)}[{item['id']}].{field_name}",
                                f"still refers to {ref!r}, which this change set deletes; "
                                f"delete or update {item['id']!r} in the same change set",
                            )
                        )
    return issues


def _write_rows(
    model_id: int,
    final: Mapping[tuple[str, str], dict[str, Any] | None],
    before_of: Mapping[tuple[str, str], dict[str, Any] | None],
    *,
    bulk: bool,
) -> None:
    keymap = KeyMap(model_id)
    by_kind: dict[str, list[tuple[str, dict[str, Any] | None]]] = defaultdict(list)
    for (kind, key), after in final.items():
        by_kind[kind].append((key, after))

    # 1. creations and updates, dependencies first (so rows may point at new rows); boundary parents are
    #    written once every boundary exists
    for kind in DEPENDENCY_ORDER:
        items = [(key, after) for key, after in by_kind.get(kind, []) if after is not None]
        if not items:
            continue
        row_model = ROW_MODEL[kind]
        new = [(key, after) for key, after in items if before_of.get((kind, key)) is None]
        old = [(key, after) for key, after in items if before_of.get((kind, key)) is not None]
        if new:
            fast_insert(
                row_model, ({"model_id": model_id, "key": key, **row_values(kind, after, keymap)} for key, after in new)
            )
            new_keys = {key for key, _ in new}
            for key, pk in row_model.objects.filter(model_id=model_id).values_list("key", "pk").iterator(5000):
                if key in new_keys:
                    keymap.remember(kind, key, pk)
        for key, after in old:
            row_model.objects.filter(pk=keymap.pk(kind, key)).update(**row_values(kind, after, keymap))
        if kind == "boundary":
            parents = [
                (key, after.get("parent"))
                for key, after in items
                if after.get("parent") or (before_of.get((kind, key)) or {}).get("parent")
            ]
            for key, parent in parents:
                m.TrustBoundary.objects.filter(pk=keymap.pk(kind, key)).update(parent_id=keymap.pk(kind, parent))
        if kind in ("component", "flow"):
            old_pks = [keymap.pk(kind, key) for key, _ in old]
            if old_pks:
                delete_links(kind, old_pks)  # type: ignore[arg-type]
            link_model = m.ComponentData if kind == "component" else m.FlowData
            fast_insert(
                link_model,
                (row for key, after in items for row in link_rows(kind, keymap.pk(kind, key), after, keymap)),
            )  # type: ignore[arg-type]

    # 2. deletions last, dependants first: updates above may have released references to deleted rows
    for kind in reversed(DEPENDENCY_ORDER):
        keys = [key for key, after in by_kind.get(kind, []) if after is None and before_of.get((kind, key))]
        if keys:
            pks = [keymap.pk(kind, k) for k in keys]
            delete_links(kind, pks)  # type: ignore[arg-type]
            if kind == "boundary":
                m.TrustBoundary.objects.filter(pk__in=pks).update(parent=None)
            ROW_MODEL[kind].objects.filter(pk__in=pks).delete()
            for k in keys:
                keymap.forget(kind, k)


def element_changes_for_delete(snapshot: Snapshot, ids: Iterable[str]) -> list[ElementChange]:
    """Delete elements together with everything that refers to them (flows, grants, controls...)."""
    doomed = set(ids)
    changed = True
    while changed:
        changed = False
        for collection, kind in KIND_OF_COLLECTION.items():
            for element in getattr(snapshot, collection):
                if element.id in doomed:
                    continue
                refs = _refs_of(kind, element)
                if kind in ("flow", "grant", "control") and refs & doomed:
                    doomed.add(element.id)
                    changed = True
    changes = []
    for collection, kind in reversed(list(KIND_OF_COLLECTION.items())):
        for element in getattr(snapshot, collection):
            if element.id in doomed:
                changes.append(ElementChange("delete", kind, element.id))
    return changes


def _refs_of(kind: str, element: Any) -> set[str]:
    out: set[str] = set()
    for name in REFERENCES[kind]:
        value = getattr(element, name, None)
        if isinstance(value, tuple):
            out.update(value)
        elif value:
            out.add(value)
    return out


__all__ = [
    "COLLECTIONS",
    "RevisionConflict",
    "TeamRuleError",
    "changeset_apply",
    "changeset_parse",
    "element_changes_for_delete",
    "membership_remove",
    "membership_set",
    "model_create",
    "model_delete",
    "model_import",
    "model_replace",
    "team_create",
]
