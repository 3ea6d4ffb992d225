"""Element changes and model diffs (pure).

A change set is a list of ``ElementChange``; the service layer applies it atomically on top of a
stated base revision. ``diff_snapshots`` compares two materialized revisions field by field, and
``changes_between`` turns such a diff back into a change set (used to re-import a file as a new
revision of an existing model).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import jsonschema

from threatmodel.domain import COLLECTION_OF_KIND, COLLECTIONS, KIND_OF_COLLECTION, Snapshot
from threatmodel.inputgate import ELEMENT_MAX_DEPTH, name_issues, value_issues
from threatmodel.interchange.native import (
    NAME_FIELDS,
    element_from_dict,
    element_to_dict,
    info_from_dict,
    info_to_dict,
)
from threatmodel.interchange.native_checks import _schema_message
from threatmodel.interchange.schema import ELEMENT_SCHEMAS, MODEL_SCHEMA
from threatmodel.invariants import Issue

Operation = Literal["create", "update", "delete"]
OPERATIONS: tuple[str, ...] = ("create", "update", "delete")
ELEMENT_KINDS: tuple[str, ...] = tuple(KIND_OF_COLLECTION.values())
MODEL_KIND = "model"
MODEL_KEY = "model"


@dataclass(frozen=True)
class ElementChange:
    op: Operation
    kind: str
    id: str
    data: Mapping[str, Any] = field(default_factory=dict)


_VALIDATORS = {
    kind: jsonschema.Draft202012Validator(ELEMENT_SCHEMAS[COLLECTION_OF_KIND[kind]]) for kind in ELEMENT_KINDS
}
_MODEL_VALIDATOR = jsonschema.Draft202012Validator(MODEL_SCHEMA["properties"]["model"])


def normalize(kind: str, data: Mapping[str, Any], path: str) -> tuple[dict[str, Any] | None, list[Issue]]:
    """Validate one element's native dict; return its full canonical form (every field present)."""
    validator = _MODEL_VALIDATOR if kind == MODEL_KIND else _VALIDATORS[kind]
    if not isinstance(data, Mapping):
        return None, [Issue(path, "must be an object")]
    gate = gate_issues(data, path)
    if gate:
        return None, gate
    errors = sorted(validator.iter_errors(dict(data)), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        return None, [
            Issue(
                path + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path), _schema_message(e)
            )
            for e in errors
        ]
    if kind == MODEL_KIND:
        return info_to_dict(info_from_dict(data)), []
    element = element_from_dict(COLLECTIONS[COLLECTION_OF_KIND[kind]], data)
    return element_to_dict(element), []


def gate_issues(data: Mapping[str, Any], path: str) -> list[Issue]:
    """The input gate for one element's data: what a model file could hold at an element's place (so anything
    accepted exports and re-imports), and a name without control or bidirectional characters."""
    issues = value_issues(dict(data), path, max_depth=ELEMENT_MAX_DEPTH)
    for key in NAME_FIELDS:
        if not issues and isinstance(data.get(key), str):
            issues = name_issues(data[key], f"{path}.{key}")
    return issues


def parse_change(raw: Any, path: str) -> tuple[ElementChange | None, list[Issue]]:
    """A change set entry from untrusted JSON: ``{"op", "kind", "id", "data"}``."""
    if not isinstance(raw, Mapping):
        return None, [Issue(path, "must be an object with op, kind, id and data")]
    issues = []
    op, kind, element_id, data = raw.get("op"), raw.get("kind"), raw.get("id"), raw.get("data", {})
    unknown = sorted(set(raw) - {"op", "kind", "id", "data"})
    if unknown:
        plural = "s " if len(unknown) > 1 else " "
        issues.append(Issue(path, "unknown field" + plural + ", ".join(map(repr, unknown))))
    if op not in OPERATIONS:
        issues.append(Issue(f"{path}.op", f"{op!r} is not one of {', '.join(OPERATIONS)}"))
    if kind not in (*ELEMENT_KINDS, MODEL_KIND):
        issues.append(Issue(f"{path}.kind", f"{kind!r} is not one of {', '.join((*ELEMENT_KINDS, MODEL_KIND))}"))
    if kind == MODEL_KIND:
        element_id = MODEL_KEY
        if op != "update":
            issues.append(Issue(f"{path}.op", "the model itself can only be updated"))
    elif not isinstance(element_id, str) or not element_id:
        issues.append(Issue(f"{path}.id", "an element id is required"))
    if not isinstance(data, Mapping):
        issues.append(Issue(f"{path}.data", "must be an object"))
    elif "id" in data and data["id"] != element_id:
        issues.append(Issue(f"{path}.data.id", "an element's id cannot be changed; delete and re-create it"))
    else:
        issues.extend(gate_issues(data, f"{path}.data"))
    if issues:
        return None, issues
    operation = cast(Operation, op)  # validated against OPERATIONS above
    return ElementChange(op=operation, kind=str(kind), id=str(element_id), data=dict(data)), []


# -- diffs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class ElementDiff:
    kind: str
    id: str
    name: str
    status: Literal["added", "removed", "changed"]
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class ModelDiff:
    from_revision: int
    to_revision: int
    elements: tuple[ElementDiff, ...]

    @property
    def added(self) -> list[ElementDiff]:
        return [e for e in self.elements if e.status == "added"]

    @property
    def removed(self) -> list[ElementDiff]:
        return [e for e in self.elements if e.status == "removed"]

    @property
    def changed(self) -> list[ElementDiff]:
        return [e for e in self.elements if e.status == "changed"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "from_revision": self.from_revision,
            "to_revision": self.to_revision,
            "summary": {"added": len(self.added), "removed": len(self.removed), "changed": len(self.changed)},
            "elements": [
                {
                    "kind": e.kind,
                    "id": e.id,
                    "name": e.name,
                    "status": e.status,
                    "fields": [{"field": f.field, "before": f.before, "after": f.after} for f in e.fields],
                }
                for e in self.elements
            ],
        }


def field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    names = sorted(set(before) | set(after))
    return tuple(FieldChange(n, before.get(n), after.get(n)) for n in names if before.get(n) != after.get(n))


def element_dicts(snapshot: Snapshot) -> dict[tuple[str, str], dict[str, Any]]:
    out: dict[tuple[str, str], dict[str, Any]] = {(MODEL_KIND, MODEL_KEY): info_to_dict(snapshot.info)}
    for collection, kind in KIND_OF_COLLECTION.items():
        for element in getattr(snapshot, collection):
            out[(kind, element.id)] = element_to_dict(element)
    return out


def diff_element_dicts(
    before: Mapping[tuple[str, str], Mapping[str, Any]],
    after: Mapping[tuple[str, str], Mapping[str, Any]],
    from_revision: int = 0,
    to_revision: int = 0,
) -> ModelDiff:
    order = {kind: i for i, kind in enumerate((MODEL_KIND, *ELEMENT_KINDS))}
    elements = []
    for kind, key in sorted(set(before) | set(after), key=lambda k: (order[k[0]], k[1])):
        a, b = before.get((kind, key)), after.get((kind, key))
        name = str((b or a or {}).get("name") or (b or a or {}).get("title") or key)
        if a is None and b is not None:
            elements.append(ElementDiff(kind, key, name, "added"))
        elif b is None and a is not None:
            elements.append(ElementDiff(kind, key, name, "removed"))
        elif a is not None and b is not None and a != b:
            elements.append(ElementDiff(kind, key, name, "changed", field_changes(a, b)))
    return ModelDiff(from_revision, to_revision, tuple(elements))


def diff_snapshots(a: Snapshot, b: Snapshot) -> ModelDiff:
    return diff_element_dicts(element_dicts(a), element_dicts(b), a.revision, b.revision)


def changes_between(a: Snapshot, b: Snapshot) -> list[ElementChange]:
    """The change set that turns ``a`` into ``b``: creates in dependency order, deletes in reverse."""
    before, after = element_dicts(a), element_dicts(b)
    diff = diff_element_dicts(before, after)
    creates, updates, deletes = [], [], []
    for e in diff.elements:
        if e.status == "added":
            creates.append(ElementChange("create", e.kind, e.id, after[(e.kind, e.id)]))
        elif e.status == "changed":
            updates.append(ElementChange("update", e.kind, e.id, {f.field: f.after for f in e.fields}))
        else:
            deletes.append(ElementChange("delete", e.kind, e.id))
    return creates + updates + list(reversed(deletes))


def summarize(changes: Sequence[ElementChange]) -> str:
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.op] = counts.get(change.op, 0) + 1
    return ", ".join(f"{n} {op}d" for op, n in sorted(counts.items()))
