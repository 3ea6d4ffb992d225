"""What deleting elements does to the elements that refer to them (pure), as the editor does it: flows, grants,
controls and threats that point at a deleted element go with it (a threat's links to deleted controls are
dropped); members of a deleted boundary move to its nearest surviving parent; a component's identity, or data
assets listed by components and flows, are cleared.

``deletion_plan`` gives the one change set that deletes cleanly and the references it resolves, so a client can
show what else changes and let the person go ahead (cascade) or cancel.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from threatmodel.changes import ElementChange
from threatmodel.domain import KIND_OF_COLLECTION, Snapshot

#: Kinds that cannot exist without what they point at: they are deleted with it.
DEPENDANTS = ("flow", "grant", "control", "threat")


@dataclass(frozen=True)
class Reference:
    """``kind``/``id`` (named ``name``) refers through ``field`` to ``target``, which is deleted; it is then
    ``deleted`` too or ``updated`` (the reference is cleared or moved)."""

    kind: str
    id: str
    name: str
    field: str
    target: str
    consequence: str

    def as_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "id": self.id,
            "name": self.name,
            "field": self.field,
            "target": self.target,
            "consequence": self.consequence,
        }


@dataclass(frozen=True)
class DeletionPlan:
    changes: tuple[ElementChange, ...]
    references: tuple[Reference, ...]


def _label(kind: str, element: Any, names: dict[str, str]) -> str:
    if kind == "flow":
        return f"{names.get(element.source, element.source)} → {names.get(element.target, element.target)}"
    if kind == "grant":
        target = "*" if element.target == "*" else names.get(element.target, element.target)
        return f"{names.get(element.identity, element.identity)} on {target}"
    if kind == "control":
        return f"{element.control} on {names.get(element.target, element.target)}"
    if kind == "threat":
        return f"{element.title} on {names.get(element.target, element.target)}"
    return str(getattr(element, "name", "") or element.id)


def _dependant_refs(kind: str, element: Any) -> list[tuple[str, str]]:
    if kind == "flow":
        return [("source", element.source), ("target", element.target)]
    if kind == "grant":
        return [("identity", element.identity), ("target", element.target)]
    return [("target", element.target)]


def deletion_plan(snapshot: Snapshot, ids: Iterable[str]) -> DeletionPlan:
    """The change set deleting ``ids`` and every reference to them, and those references."""
    requested = list(dict.fromkeys(ids))
    doomed = set(requested)
    names = {e.id: str(getattr(e, "name", "") or e.id) for c in KIND_OF_COLLECTION for e in getattr(snapshot, c)}
    references: list[Reference] = []
    deleted_dependants: list[tuple[str, str]] = []
    changed = True
    while changed:  # controls on a flow or grant that goes, and so on
        changed = False
        for collection in ("flows", "grants", "controls", "threats"):
            kind = KIND_OF_COLLECTION[collection]
            for element in getattr(snapshot, collection):
                if element.id in doomed:
                    continue
                hit = next(((f, t) for f, t in _dependant_refs(kind, element) if t in doomed), None)
                if hit is not None:
                    doomed.add(element.id)
                    deleted_dependants.append((kind, element.id))
                    label = _label(kind, element, names)
                    references.append(Reference(kind, element.id, label, hit[0], hit[1], "deleted"))
                    changed = True
    updates = _reference_updates(snapshot, doomed, names, references)
    kind_of = {e.id: kind for c, kind in KIND_OF_COLLECTION.items() for e in getattr(snapshot, c)}
    deletes = [ElementChange("delete", kind, key) for kind, key in deleted_dependants]
    deletes += [ElementChange("delete", kind_of[key], key) for key in requested if key in kind_of]
    return DeletionPlan(tuple(updates + deletes), tuple(references))


def _surviving_parent(snapshot: Snapshot, boundary_id: str | None, doomed: set[str]) -> str | None:
    parents = {b.id: b.parent for b in snapshot.boundaries}
    while boundary_id is not None and boundary_id in doomed:
        boundary_id = parents.get(boundary_id)
    return boundary_id


def _reference_updates(
    snapshot: Snapshot, doomed: set[str], names: dict[str, str], references: list[Reference]
) -> list[ElementChange]:
    """Updates of the surviving elements that point at a deleted one."""
    out: list[ElementChange] = []
    for boundary in snapshot.boundaries:
        if boundary.id not in doomed and boundary.parent in doomed:
            parent = _surviving_parent(snapshot, boundary.parent, doomed)
            references.append(
                Reference("boundary", boundary.id, names[boundary.id], "parent", boundary.parent, "updated")
            )
            out.append(ElementChange("update", "boundary", boundary.id, {"parent": parent}))
    for component in snapshot.components:
        if component.id in doomed:
            continue
        data: dict[str, Any] = {}
        if component.boundary in doomed:
            data["boundary"] = _surviving_parent(snapshot, component.boundary, doomed)
            references.append(
                Reference("component", component.id, names[component.id], "boundary", component.boundary, "updated")
            )
        if component.identity in doomed:
            data["identity"] = None
            references.append(
                Reference("component", component.id, names[component.id], "identity", component.identity, "updated")
            )
        for field_name in ("data_stored", "data_processed"):
            values = getattr(component, field_name)
            gone = [v for v in values if v in doomed]
            if gone:
                data[field_name] = [v for v in values if v not in doomed]
                references.extend(
                    Reference("component", component.id, names[component.id], field_name, v, "updated") for v in gone
                )
        if data:
            out.append(ElementChange("update", "component", component.id, data))
    out.extend(_threat_updates(snapshot, doomed, names, references))
    for flow in snapshot.flows:
        gone = [v for v in flow.data_assets if v in doomed]
        if flow.id not in doomed and gone:
            label = _label("flow", flow, names)
            references.extend(Reference("flow", flow.id, label, "data_assets", v, "updated") for v in gone)
            out.append(
                ElementChange(
                    "update", "flow", flow.id, {"data_assets": [v for v in flow.data_assets if v not in doomed]}
                )
            )
    return out


def _threat_updates(
    snapshot: Snapshot, doomed: set[str], names: dict[str, str], references: list[Reference]
) -> list[ElementChange]:
    """Surviving threats lose the links to deleted controls."""
    out = []
    for threat in snapshot.threats:
        gone = [v for v in threat.controls if v in doomed]
        if threat.id not in doomed and gone:
            label = _label("threat", threat, names)
            references.extend(Reference("threat", threat.id, label, "controls", v, "updated") for v in gone)
            kept = [v for v in threat.controls if v not in doomed]
            out.append(ElementChange("update", "threat", threat.id, {"controls": kept}))
    return out
