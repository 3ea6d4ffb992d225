"""Applying element changes to a stored model as one new revision: the steps behind every model write of
``threatmodel.services`` (``changeset_apply``, ``model_create``, ``model_replace``), which hold the lock and the
transaction.

:func:`apply_changes` resolves the changes in order against the model, checks what the changed model would
break (all problems reported at once, nothing written), writes the element rows, and records the revision with
its change log.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from catalog.packs.controls import control_ids
from threatmodel import models as m
from threatmodel.accounts import RequestUser
from threatmodel.bulkinsert import bulk_write_cache, insert_rows, update_column
from threatmodel.changelog import ChangeRow, log_delete, log_write, revision_rows
from threatmodel.changes import MODEL_KEY, MODEL_KIND, ElementChange, normalize
from threatmodel.domain import COLLECTION_OF_KIND, KIND_OF_COLLECTION
from threatmodel.hooks import revision_accepted
from threatmodel.invariants import (
    REFERENCES,
    Issue,
    ModelIndex,
    ModelValidationError,
    boundary_cycle_issues,
    reference_issues,
)
from threatmodel.messages import describe
from threatmodel.persistence import (
    LINK_COLUMNS,
    ROW_MODEL,
    KeyMap,
    delete_links,
    link_builder,
    links_differ,
    load_element_dicts,
    row_builder,
    row_columns,
    row_values,
)

#: Element kinds in the order their rows are written (a row may refer to rows of the kinds before it).
DEPENDENCY_ORDER: tuple[str, ...] = tuple(KIND_OF_COLLECTION.values())


def _index(keymap: KeyMap, parents: Mapping[int, int | None]) -> ModelIndex:
    """The model's index of ids from its full key map (``KeyMap.of_all_kinds``)."""
    index = ModelIndex()
    for kind in DEPENDENCY_ORDER:
        if kind == "boundary":
            for key, pk in keymap.keys(kind).items():
                index.add(kind, key, keymap.key(kind, parents.get(pk)))
        else:
            for key in keymap.keys(kind):
                index.add(kind, key)
    return index


Key = tuple[str, str]  # (element kind, element id)
ElementDict = dict[str, Any]


@dataclass
class _Resolved:
    """What a change set does, element by element: the state after it (None: deleted), the state before it and
    the path of the change that set it (for error messages)."""

    after: dict[Key, ElementDict | None] = field(default_factory=dict)
    before: dict[Key, ElementDict | None] = field(default_factory=dict)
    path: dict[Key, str] = field(default_factory=dict)


def apply_changes(
    *,
    model: m.ThreatModel,
    user: RequestUser | None,
    changes: Sequence[tuple[int, ElementChange]],
    message: str,
    bulk: bool,
    model_info_before: dict[str, Any] | None,
    model_info_after: dict[str, Any],
    coalesce: bool = False,
) -> m.Revision:
    """Validate the numbered element changes against the model, write the rows and record one revision (based on
    the model's current revision: the caller holds its lock and has refused stale writes).

    ``bulk`` is a whole model from a validated ``Snapshot`` into an empty model: no current state to load, no
    per-change normalization, no dangling references to look for. ``coalesce``: an editor change set, which
    merges into the author's previous one if that was one too and came within ``REVISION_COALESCE_SECONDS``;
    its message is written from what the (merged) revision changes. A whole model a reader has checked takes
    :func:`create_whole_model` instead.
    """
    numbered = list(changes)
    current: dict[Key, ElementDict]
    if bulk:
        index, current, keymap = ModelIndex(), {}, KeyMap(model.pk)
    else:
        index, current, keymap = _current_state(model.pk, numbered)
    resolved = _resolve(numbered, index, current, bulk=bulk)
    issues = _consistency_issues(model.pk, resolved, index, bulk=bulk)
    if issues:
        raise ModelValidationError(issues)
    _write_rows(model.pk, resolved.after, resolved.before, keymap)
    records = _change_records(resolved, model_info_before, model_info_after)
    if not records:
        raise ModelValidationError([Issue("changes", "the change set changes nothing")])
    previous = _coalescible_previous(model, user) if coalesce else None
    if previous is not None:
        return _merge_into(model, previous, records, model_info_after)
    if coalesce or not message:
        message = describe(records, _name_lookup(model.pk))
    return _record_revision(model, user, message, records, model_info_after, coalescible=coalesce, whole_model=bulk)


def create_whole_model(
    *,
    model: m.ThreatModel,
    user: RequestUser | None,
    elements: Sequence[tuple[str, ElementDict]],
    message: str,
    model_info: dict[str, Any],
) -> m.Revision:
    """Write every element of a new, empty model and record revision 1: what :func:`apply_changes` does with
    ``bulk``, without resolving one change per element or checking the model again. ``elements``: ``(kind, full
    native dict)`` in dependency order, from a reader that has checked them as a whole model (ids unique across
    kinds, references resolved, no boundary cycles, the catalog's controls); stored as they are, not copied."""
    by_kind: dict[str, list[tuple[str, ElementDict]]] = defaultdict(list)
    for kind, item in elements:
        by_kind[kind].append((item["id"], item))
    keymap = KeyMap(model.pk)
    with bulk_write_cache():
        for kind in DEPENDENCY_ORDER:  # every row is new: no state before, nothing to delete
            if by_kind.get(kind):
                _write_kind(model.pk, kind, by_kind[kind], {}, keymap)
        del by_kind, keymap  # before the creation log's text: its allocations reuse their memory (fewer page faults)
        records: list[ChangeRow] = [(MODEL_KIND, MODEL_KEY, "create", None, model_info)]
        records.extend((kind, item["id"], "create", None, item) for kind, item in elements)
        if not message:
            message = describe(records, _name_lookup(model.pk))
        return _record_revision(model, user, message, records, model_info, whole_model=True)


def _name_lookup(model_id: int) -> Callable[[str], str]:
    """Element id -> name for the messages (loaded on the first id the revision's own rows do not name)."""
    names: dict[str, str] = {}

    def name_of(key: str) -> str:
        if not names:
            for row in (m.Component, m.DataAsset, m.Identity, m.TrustBoundary):
                names.update(row.objects.filter(model_id=model_id).values_list("key", "name"))
            names.setdefault("", "")
        return names.get(key) or key

    return name_of


def _coalescible_previous(model: m.ThreatModel, user: RequestUser | None) -> m.Revision | None:
    """The model's latest revision if this author's change set may merge into it: an editor change set by the
    same person whose last change came less than ``REVISION_COALESCE_SECONDS`` ago. (The caller holds the model
    lock and has checked that the writer's base revision is the current one, so the author has seen it.)"""
    window = int(getattr(settings, "REVISION_COALESCE_SECONDS", 0))
    if window <= 0 or user is None or not user.is_authenticated:
        return None
    return (
        m.Revision.objects.select_for_update()
        .filter(
            model_id=model.pk,
            number=model.revision,
            coalescible=True,
            author_id=user.pk,
            last_change_at__gte=timezone.now() - timedelta(seconds=window),
        )
        .order_by("pk")  # not the default ordering: its join would lock the model's team row too (FOR UPDATE)
        .first()
    )


def merge_rows(earlier: Sequence[ChangeRow], later: Sequence[ChangeRow]) -> list[ChangeRow]:
    """The change log of two consecutive change sets as one: each element keeps its first ``before`` and its last
    ``after``; an element back where it started (added then deleted, changed then undone) drops out."""
    merged: dict[tuple[str, str], ChangeRow] = {(row[0], row[1]): row for row in earlier}
    for kind, key, action, before, after in later:
        first = merged.get((kind, key))
        if first is None:
            merged[(kind, key)] = (kind, key, action, before, after)
            continue
        before = first[3]
        if before == after:
            del merged[(kind, key)]
        else:
            action = "create" if before is None else ("delete" if after is None else "update")
            merged[(kind, key)] = (kind, key, action, before, after)
    return list(merged.values())


def _merge_into(
    model: m.ThreatModel, previous: m.Revision, records: Sequence[ChangeRow], model_info_after: dict[str, Any]
) -> m.Revision:
    """Fold the change set into the author's previous revision, which moves to the next number: writers based on
    the old number are refused as stale, as after any new revision, and history keeps one revision per action."""
    merged = merge_rows(revision_rows(revision=previous), records)
    log_delete(revision=previous)
    number = model.revision + 1
    previous.number = number
    previous.message = describe(merged, _name_lookup(model.pk))[:500]
    previous.change_count = len(merged)
    previous.last_change_at = timezone.now()
    previous.save(update_fields=["number", "message", "change_count", "last_change_at"])
    log_write(model_id=model.pk, revision=previous, records=merged, whole_model=False)
    _advance_model(model, number, model_info_after)
    previous.coalesced = True  # type: ignore[attr-defined]  # tells the caller the revision absorbed this one
    return previous


def _current_state(
    model_id: int, numbered: Sequence[tuple[int, ElementChange]]
) -> tuple[ModelIndex, dict[Key, ElementDict], KeyMap]:
    """The model's index of ids, the current dicts of the elements the changes touch (only those rows and their
    links are read), and the model's key map (one query for all kinds; the writes reuse it)."""
    touched: dict[str, set[str]] = defaultdict(set)
    for _, change in numbered:
        touched[change.kind].add(change.id)
    keymap, parents = KeyMap.of_all_kinds(model_id)
    index = _index(keymap, parents)
    existing = {kind: [key for key in keys if key in keymap.keys(kind)] for kind, keys in touched.items()}
    wanted = {kind: keys for kind, keys in existing.items() if keys}
    loaded = load_element_dicts(model_id, kinds=list(wanted), keys=wanted, keymap=keymap) if wanted else {}
    current = {(kind, item["id"]): item for kind, items in loaded.items() for item in items}
    return index, current, keymap


def _resolve(
    numbered: Sequence[tuple[int, ElementChange]],
    index: ModelIndex,
    current: Mapping[Key, ElementDict],
    *,
    bulk: bool,
) -> _Resolved:
    """Apply the changes in order to the touched elements (each sees the ones before it) and to ``index``;
    every change that cannot apply is reported (raised together)."""
    resolved = _Resolved()
    issues: list[Issue] = []
    for i, change in numbered:
        path = f"{COLLECTION_OF_KIND.get(change.kind, change.kind)}[{change.id}]" if bulk else f"changes[{i}]"
        key = (change.kind, change.id)
        existing = resolved.after[key] if key in resolved.after else current.get(key)
        resolved.before.setdefault(key, current.get(key))
        after, problems = _after_change(change, existing, index, path, bulk=bulk)
        if problems:
            issues.extend(problems)
            continue
        resolved.after[key] = after
        resolved.path[key] = path
        if after is None:
            index.remove(change.id)
        else:
            index.add(change.kind, change.id, after.get("parent") if change.kind == "boundary" else None)
    if issues:
        raise ModelValidationError(issues)
    return resolved


def _after_change(
    change: ElementChange, existing: ElementDict | None, index: ModelIndex, path: str, *, bulk: bool
) -> tuple[ElementDict | None, list[Issue]]:
    """One element after one change (None: deleted), or the problems that stop the change."""
    if change.op == "create":
        if existing is not None or change.id in index.kind_of_id:
            other = index.kind_of_id.get(change.id, change.kind)
            return None, [Issue(f"{path}.id", f"id {change.id!r} is already used by a {other} in this model")]
        if bulk:  # already validated and canonical (comes from a Snapshot)
            return dict(change.data), []
        return normalize(change.kind, {**change.data, "id": change.id}, f"{path}.data")
    if existing is None:
        return None, [Issue(f"{path}.id", f"no {change.kind} {change.id!r} in this model")]
    if change.op == "update":
        return normalize(change.kind, {**existing, **change.data, "id": change.id}, f"{path}.data")
    return None, []


def _consistency_issues(model_id: int, resolved: _Resolved, index: ModelIndex, *, bulk: bool) -> list[Issue]:
    """What the model would break once changed: references to missing elements, references left dangling by a
    deletion, boundary cycles, controls the catalog does not know."""
    issues: list[Issue] = []
    for (kind, key), after in resolved.after.items():
        if after is not None:
            issues.extend(reference_issues(kind, after, index, resolved.path[(kind, key)] + ".data"))
    deleted = {key for (kind, key), after in resolved.after.items() if after is None}
    if deleted and not bulk:
        issues.extend(_dangling_after_delete(model_id, deleted, resolved.after))
    if any(kind == "boundary" for kind, _ in resolved.after):
        boundary_paths = {key: path for (kind, key), path in resolved.path.items() if kind == "boundary"}
        issues.extend(boundary_cycle_issues(index, boundary_paths))
    controls = control_ids()
    for (kind, key), after in resolved.after.items():
        if kind == "control" and after is not None and after["control"] not in controls:
            issues.append(
                Issue(resolved.path[(kind, key)] + ".data.control", f"unknown catalog control {after['control']!r}")
            )
    return issues


def _change_records(
    resolved: _Resolved, model_info_before: dict[str, Any] | None, model_info_after: dict[str, Any]
) -> list[ChangeRow]:
    """The change log rows of the revision: the model's own fields first, then each element that changed."""
    records: list[ChangeRow] = []
    if model_info_before != model_info_after:
        action = "create" if model_info_before is None else "update"
        records.append((MODEL_KIND, MODEL_KEY, action, model_info_before, model_info_after))
    for (kind, key), after in resolved.after.items():
        before = resolved.before.get((kind, key))
        if before == after:
            continue
        action = "create" if before is None else ("delete" if after is None else "update")
        records.append((kind, key, action, before, after))
    return records


def _record_revision(
    model: m.ThreatModel,
    user: RequestUser | None,
    message: str,
    records: Sequence[ChangeRow],
    model_info_after: dict[str, Any],
    *,
    coalescible: bool = False,
    whole_model: bool = False,
) -> m.Revision:
    """The new revision with its change log (one document for a ``whole_model`` revision), and the model moved
    to it."""
    number = model.revision + 1
    author = user if user is not None and user.is_authenticated else None
    revision = m.Revision.objects.create(
        model=model,
        number=number,
        base_number=model.revision,
        author=author,
        message=message[:500],
        change_count=len(records),
        last_change_at=timezone.now(),
        coalescible=coalescible and author is not None,
    )
    log_write(model_id=model.pk, revision=revision, records=records, whole_model=whole_model)
    _advance_model(model, number, model_info_after)
    revision.coalesced = False  # type: ignore[attr-defined]
    return revision


#: The model's columns a new revision writes.
_ADVANCED_FIELDS = ("revision", "name", "description", "business_criticality", "tags", "attributes", "updated_at")


def _advance_model(model: m.ThreatModel, number: int, model_info_after: dict[str, Any]) -> None:
    model.revision = number
    for name, value in model_info_after.items():
        setattr(model, name, value)
    model.updated_at = timezone.now()  # what ``save`` would set (``auto_now``); the model has no save signals
    values = {name: getattr(model, name) for name in _ADVANCED_FIELDS}
    m.ThreatModel.objects.filter(pk=model.pk).update(**values)  # a plain UPDATE: no instance save machinery
    revision_accepted(model.pk, number)  # after commit: e.g. the assessments app schedules an assessment


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
    final: Mapping[Key, ElementDict | None],
    before_of: Mapping[Key, ElementDict | None],
    keymap: KeyMap,
) -> None:
    by_kind: dict[str, list[tuple[str, ElementDict | None]]] = defaultdict(list)
    for (kind, key), after in final.items():
        by_kind[kind].append((key, after))
    # 1. creations and updates, dependencies first (so rows may point at new rows)
    for kind in DEPENDENCY_ORDER:
        items = [(key, after) for key, after in by_kind.get(kind, []) if after is not None]
        if items:
            _write_kind(model_id, kind, items, before_of, keymap)
    # 2. deletions last, dependants first: updates above may have released references to deleted rows
    for kind in reversed(DEPENDENCY_ORDER):
        keys = [key for key, after in by_kind.get(kind, []) if after is None and before_of.get((kind, key))]
        if keys:
            _delete_kind(kind, keys, keymap)


def _write_kind(
    model_id: int,
    kind: str,
    items: list[tuple[str, ElementDict]],
    before_of: Mapping[Key, ElementDict | None],
    keymap: KeyMap,
) -> None:
    """Insert the new and update the existing elements of one kind, then their boundary parents and links."""
    row_model = ROW_MODEL[kind]
    if before_of:
        new = [(key, after) for key, after in items if before_of.get((kind, key)) is None]
        old = [(key, after) for key, after in items if before_of.get((kind, key)) is not None]
    else:  # a whole new model: every element is new
        new, old = items, []
    if new:
        build = row_builder(kind, keymap, json_text=True)
        columns = ("model_id", "key", *row_columns(kind))
        insert_rows(row_model, columns, ((model_id, key, *build(after)) for key, after in new), encoded=True)
        keymap.learn(kind, (key for key, _ in new))
    for key, after in old:
        row_model.objects.filter(pk=keymap.pk(kind, key)).update(**row_values(kind, after, keymap))
    if kind == "boundary":  # parents once every boundary of the change set exists
        parents = [
            (keymap.pk(kind, after.get("parent")), keymap.pk(kind, key))
            for key, after in items
            if after.get("parent") or (before_of.get((kind, key)) or {}).get("parent")
        ]
        update_column(m.TrustBoundary, "parent_id", parents)
    if kind in ("component", "flow"):
        # an updated row whose data asset lists stay the same keeps its link rows (same columns either way)
        relinked = [(key, after) for key, after in old if links_differ(kind, before_of[(kind, key)], after)]
        old_pks = [keymap.pk(kind, key) for key, _ in relinked]
        if old_pks:
            delete_links(kind, old_pks)  # type: ignore[arg-type]
        link_model = m.ComponentData if kind == "component" else m.FlowData
        pks, links = keymap.keys(kind), link_builder(kind, keymap)
        insert_rows(
            link_model, LINK_COLUMNS[kind], (row for key, after in [*new, *relinked] for row in links(pks[key], after))
        )


def _delete_kind(kind: str, keys: list[str], keymap: KeyMap) -> None:
    pks = [keymap.pk(kind, k) for k in keys]
    delete_links(kind, pks)  # type: ignore[arg-type]
    if kind == "boundary":
        m.TrustBoundary.objects.filter(pk__in=pks).update(parent=None)
    ROW_MODEL[kind].objects.filter(pk__in=pks).delete()
    for k in keys:
        keymap.forget(kind, k)
