"""Model invariants, checked the same way for file imports and for edits in the database.

Pure Python. The caller supplies a ``ModelIndex`` (which ids exist, of which kind, and how
boundaries nest); the checks return ``Issue`` objects whose ``path`` names the offending field,
for example ``components[3].boundary: unknown boundary 'dmz'``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Issue:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ModelValidationError(ValueError):
    """A model (file or change set) breaks the schema or an invariant; nothing was written."""

    def __init__(self, issues: Iterable[Issue]):
        self.issues = tuple(issues)
        super().__init__(
            "; ".join(str(i) for i in self.issues[:20])
            + (f" (and {len(self.issues) - 20} more)" if len(self.issues) > 20 else "")
        )


@dataclass
class ModelIndex:
    """Which element ids exist in a model, of which kind, and the boundary nesting."""

    kind_of_id: dict[str, str] = field(default_factory=dict)
    boundary_parent: dict[str, str | None] = field(default_factory=dict)

    def add(self, kind: str, element_id: str, parent: str | None = None) -> None:
        self.kind_of_id[element_id] = kind
        if kind == "boundary":
            self.boundary_parent[element_id] = parent

    def remove(self, element_id: str) -> None:
        kind = self.kind_of_id.pop(element_id, None)
        if kind == "boundary":
            self.boundary_parent.pop(element_id, None)

    def is_kind(self, element_id: str, *kinds: str) -> bool:
        return self.kind_of_id.get(element_id) in kinds


#: For each element kind, its reference fields -> the kinds they may point to.
REFERENCES: dict[str, dict[str, tuple[str, ...]]] = {
    "boundary": {"parent": ("boundary",)},
    "component": {
        "boundary": ("boundary",),
        "identity": ("identity",),
        "data_stored": ("data_asset",),
        "data_processed": ("data_asset",),
    },
    "flow": {"source": ("component",), "target": ("component",), "data_assets": ("data_asset",)},
    "grant": {"identity": ("identity",), "target": ("component", "data_asset")},
    "control": {"target": ("component", "flow", "boundary", "data_asset", "identity", "grant")},
    "threat": {
        "target": ("component", "flow", "boundary", "data_asset", "identity", "grant", "control"),
        "controls": ("control",),
    },
    "data_asset": {},
    "identity": {},
}
_KIND_WORD = {
    "boundary": "boundary",
    "component": "component",
    "identity": "identity",
    "data_asset": "data asset",
    "flow": "flow",
    "grant": "grant",
    "control": "control",
    "threat": "threat",
}


def reference_issues(kind: str, data: Mapping[str, Any], index: ModelIndex, path: str) -> list[Issue]:
    """Dangling or wrongly-typed references of one element (given as its native dict)."""
    issues: list[Issue] = []
    kind_of = index.kind_of_id.get  # index.is_kind, inlined: called for every reference of a whole model
    for field_name, allowed in REFERENCES[kind].items():
        value = data.get(field_name)
        if value is None or value == "" or value == []:
            continue
        values = value if isinstance(value, list | tuple) else [value]
        for position, ref in enumerate(values):
            if kind == "grant" and field_name == "target" and ref == "*":
                continue
            if kind_of(ref) not in allowed:
                sub = f"{path}.{field_name}" + (f"[{position}]" if isinstance(value, list | tuple) else "")
                word = _KIND_WORD[allowed[0]] if len(allowed) == 1 else " or ".join(_KIND_WORD[a] for a in allowed)
                actual = index.kind_of_id.get(ref)
                suffix = f" (it is a {_KIND_WORD.get(actual, actual)})" if actual else ""
                issues.append(Issue(sub, f"unknown {word} {ref!r}{suffix}"))
    if kind == "flow" and data.get("source") is not None and data.get("source") == data.get("target"):
        issues.append(Issue(f"{path}.target", "a flow cannot start and end at the same component"))
    return issues


def boundary_cycle_issues(index: ModelIndex, path_of: Mapping[str, str] | None = None) -> list[Issue]:
    """Boundary nesting must be a forest: report every cycle once."""
    issues: list[Issue] = []
    reported: set[str] = set()
    for start in sorted(index.boundary_parent):
        chain: list[str] = []
        seen: set[str] = set()
        current: str | None = start
        while current is not None and current in index.boundary_parent:
            if current in seen:
                cycle = chain[chain.index(current) :] + [current]
                members = frozenset(cycle)
                if not members & reported:
                    reported |= members
                    first = min(members)
                    where = (path_of or {}).get(first, f"boundaries[{first}]")
                    issues.append(
                        Issue(
                            f"{where}.parent",
                            "boundary nesting cycle " + " -> ".join(_rotate(cycle[:-1], first) + [first]),
                        )
                    )
                break
            seen.add(current)
            chain.append(current)
            current = index.boundary_parent[current]
    return issues


def _rotate(cycle: list[str], first: str) -> list[str]:
    i = cycle.index(first)
    return cycle[i:] + cycle[:i]
