"""What changed between two snapshots, and id indexes patched from the previous ones (incremental re-check)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from threatmodel.domain import COLLECTIONS, Snapshot


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """Ids added, removed and changed per collection between two snapshots."""

    added: Mapping[str, frozenset[str]] = field(default_factory=dict)
    removed: Mapping[str, frozenset[str]] = field(default_factory=dict)
    changed: Mapping[str, frozenset[str]] = field(default_factory=dict)
    info_changed: bool = False

    def ids(self, collection: str) -> frozenset[str]:
        return (
            self.added.get(collection, frozenset())
            | self.removed.get(collection, frozenset())
            | self.changed.get(collection, frozenset())
        )

    @property
    def empty(self) -> bool:
        return not self.info_changed and not any(self.ids(name) for name in COLLECTIONS)


def diff_snapshots(old: Snapshot, new: Snapshot) -> ChangeSet:
    """Which element ids differ. Fast when unchanged elements are the same objects (``replace_element``)."""
    added: dict[str, frozenset[str]] = {}
    removed: dict[str, frozenset[str]] = {}
    changed: dict[str, frozenset[str]] = {}
    for name in COLLECTIONS:
        before = getattr(old, name)
        after = getattr(new, name)
        if before is after:
            continue
        if len(before) == len(after):
            pairs = [(a, b) for a, b in zip(before, after, strict=True) if a is not b]
            if all(a.id == b.id for a, b in pairs):
                diff = frozenset(b.id for a, b in pairs if a != b)
                if diff:
                    changed[name] = diff
                continue
        old_by_id = {e.id: e for e in before}
        new_ids: set[str] = set()
        add: set[str] = set()
        chg: set[str] = set()
        for element in after:
            new_ids.add(element.id)
            previous = old_by_id.get(element.id)
            if previous is None:
                add.add(element.id)
            elif previous is not element and previous != element:
                chg.add(element.id)
        rem = frozenset(old_by_id.keys() - new_ids)
        if add:
            added[name] = frozenset(add)
        if rem:
            removed[name] = rem
        if chg:
            changed[name] = frozenset(chg)
    return ChangeSet(added, removed, changed, info_changed=old.info != new.info)


def patched_index(base: dict[str, Any], items: tuple[Any, ...], changes: ChangeSet, collection: str) -> dict[str, Any]:
    """The id index of ``items`` derived from the previous index (cheaper than rebuilding it)."""
    added = changes.added.get(collection, frozenset())
    removed = changes.removed.get(collection, frozenset())
    changed = changes.changed.get(collection, frozenset())
    if not (added or removed or changed):
        return base
    out = dict(base)
    for element_id in removed:
        out.pop(element_id, None)
    wanted = added | changed
    if len(wanted) * 8 < len(items):
        positions = {element_id: index_of_id(items, element_id) for element_id in wanted}
        for element_id, position in positions.items():
            out[element_id] = items[position]
    else:
        for item in items:
            if item.id in wanted:
                out[item.id] = item
    if added or removed:  # keep the index in snapshot (id) order, as a full build would
        out = {item.id: out[item.id] for item in items}
    return out


def index_of_id(items: tuple[Any, ...], element_id: str) -> int:
    """Binary search: snapshot collections are sorted by id."""
    low, high = 0, len(items)
    while low < high:
        middle = (low + high) // 2
        if items[middle].id < element_id:
            low = middle + 1
        else:
            high = middle
    return low
