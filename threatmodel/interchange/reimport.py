"""Re-importing a newer version of a file into an existing model. Pure Python.

:func:`align` maps the elements of the incoming snapshot onto the model's current ones, so an unchanged
element keeps its id (and with it its finding fingerprints, hence its triage) and its position on the
diagram: an incoming element matches the current element of the same kind with the same id, else with the
same ``foreign_id`` (the id in the other tool), else with the same name (when the name is unique on both
sides). Every reference to a renamed element is rewritten. :func:`preview` is what changes: elements added,
removed and changed, field by field (``threatmodel.changes.ModelDiff``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from threatmodel.changes import ModelDiff, diff_snapshots
from threatmodel.domain import COLLECTIONS, KIND_OF_COLLECTION, Snapshot
from threatmodel.interchange.native import snapshot_from_document, snapshot_to_document

#: Fields holding one element id / a list of element ids, per collection.
_REF_FIELDS: dict[str, tuple[str, ...]] = {
    "boundaries": ("parent",),
    "components": ("boundary", "identity"),
    "flows": ("source", "target"),
    "grants": ("identity", "target"),
    "controls": ("target",),
}
_REF_LISTS: dict[str, tuple[str, ...]] = {
    "components": ("data_stored", "data_processed"),
    "flows": ("data_assets",),
}


def _unique_by(items: list[Any], key: Callable[[Any], str]) -> dict[str, str]:
    seen: dict[str, str] = {}
    duplicates: set[str] = set()
    for item in items:
        value = key(item)
        if not value:
            continue
        if value in seen:
            duplicates.add(value)
        seen[value] = item.id
    return {k: v for k, v in seen.items() if k not in duplicates}


def matches(current: Snapshot, incoming: Snapshot) -> dict[str, str]:
    """Incoming id -> current id, for every incoming element that matches a current one."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for collection in COLLECTIONS:
        now = list(getattr(current, collection))
        new = list(getattr(incoming, collection))
        ids = {e.id for e in now}
        by_foreign = _unique_by(now, lambda e: getattr(e, "foreign_id", ""))
        by_name = _unique_by(now, lambda e: getattr(e, "name", ""))
        new_names = _unique_by(new, lambda e: getattr(e, "name", ""))
        for element in new:
            if element.id in ids and element.id not in taken:
                target = element.id
            else:
                foreign = getattr(element, "foreign_id", "")
                name = getattr(element, "name", "")
                target = by_foreign.get(foreign) if foreign else None
                if target is None and name and new_names.get(name) == element.id:
                    target = by_name.get(name)
            if target is not None and target not in taken:
                mapping[element.id] = target
                taken.add(target)
    return mapping


def align(current: Snapshot, incoming: Snapshot) -> Snapshot:
    """``incoming`` with the ids of the current elements it matches, and their positions kept."""
    mapping = matches(current, incoming)
    # an incoming element that matched nothing keeps its id unless a current element owns it
    used = set(mapping.values())
    for collection in COLLECTIONS:
        for element in getattr(incoming, collection):
            if element.id not in mapping:
                new_id, counter = element.id, 2
                while new_id in used:
                    new_id, counter = f"{element.id}-{counter}", counter + 1
                mapping[element.id] = new_id
                used.add(new_id)
    if all(k == v for k, v in mapping.items()):
        renamed = incoming
    else:
        renamed = _renamed(incoming, mapping)
    return _keep_positions(current, renamed, set(mapping.values()) & set(current.element_by_id))


def _renamed(incoming: Snapshot, mapping: Mapping[str, str]) -> Snapshot:
    document = snapshot_to_document(incoming, compact=False)
    for collection in COLLECTIONS:
        for item in document.get(collection, []):
            item["id"] = mapping.get(item["id"], item["id"])
            for name in _REF_FIELDS.get(collection, ()):
                if item.get(name) not in (None, "*"):
                    item[name] = mapping.get(item[name], item[name])
            for name in _REF_LISTS.get(collection, ()):
                item[name] = [mapping.get(ref, ref) for ref in item.get(name) or []]
    return snapshot_from_document(document, revision=incoming.revision)


def _keep_positions(current: Snapshot, incoming: Snapshot, matched: set[str]) -> Snapshot:
    """The diagram is laid out in Trustmap: a matched element keeps where it was drawn."""

    def kept(element: Any) -> Any:
        before = current.element_by_id.get(element.id) if element.id in matched else None
        position = getattr(before, "position", None)
        return replace(element, position=position) if position is not None else element

    return replace(
        incoming,
        boundaries=tuple(kept(b) for b in incoming.boundaries),
        components=tuple(kept(c) for c in incoming.components),
    )


def preview(current: Snapshot, incoming: Snapshot) -> tuple[Snapshot, ModelDiff]:
    """The aligned incoming snapshot and what applying it would change."""
    aligned = align(current, incoming)
    aligned_at = Snapshot.build(
        aligned.info,
        revision=current.revision + 1,
        **{name: getattr(aligned, name) for name in KIND_OF_COLLECTION},
    )
    return aligned_at, diff_snapshots(current, aligned_at)
