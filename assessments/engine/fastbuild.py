"""Fast construction of the engine's frozen result objects: the one module that builds objects by a trick.

Why: a frozen dataclass's ``__init__`` sets every field through ``object.__setattr__`` (the class's own
``__setattr__`` refuses), which makes a ``Finding`` (18 fields) several times dearer to build than a plain slotted
object, and a full analysis of a large model builds one per finding and several ``Deduction`` entries per open
finding. So this module builds a *mutable twin* of the frozen class (same fields in the same order, same slot
layout, checked when the twin is made), fills it positionally, and then sets its ``__class__`` to the frozen
class. From then on the object *is* an instance of the frozen class: same type, equality, hash, repr, pickling
and immutability (tests/engine/test_fastbuild.py). Only the public object model is used (``__class__``
assignment between classes of the same layout is documented Python behaviour).

Everything else in the engine builds its objects plainly. The trick stays only while the paired benchmark in
benchmarks/NOTES.md ("Fast builders") shows it pays; to drop it, make these functions call the frozen classes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields, make_dataclass
from typing import Any

from assessments.engine.results import BlastRadius, Deduction, Finding
from catalog.packs.loader import RuleMeta


def mutable_twin(cls: type) -> type:
    """A mutable slotted dataclass with the fields and the slot layout of the frozen slotted dataclass ``cls``."""
    twin = make_dataclass(
        f"_{cls.__name__}Twin", [(f.name, f.type) for f in fields(cls)], slots=True, repr=False, eq=False
    )
    if twin.__slots__ != cls.__slots__:  # type: ignore[attr-defined]
        raise TypeError(f"{cls.__name__}: slot layout differs from its twin")
    return twin


_FindingTwin = mutable_twin(Finding)
_DeductionTwin = mutable_twin(Deduction)


def make_finding(  # noqa: PLR0913 - one positional field each, the hot path of every analysis
    meta: RuleMeta,
    finding_id: str,
    severity: str,
    likelihood: str,
    impact: str,
    elements: tuple[str, ...],
    evidence: tuple[tuple[str, Any], ...],
    mitigated_by: tuple[str, ...],
    title: str = "",
) -> Finding:
    """A finding of the rule ``meta``: the fields that vary between its findings given, the others the rule's
    (parallel._pack sends exactly these; tests/engine/test_parallel.py would see a field it dropped)."""
    finding = _FindingTwin(
        finding_id,
        meta.id,
        title or meta.title,
        severity,
        likelihood,
        impact,
        meta.principle,
        meta.pillar,
        meta.function,
        meta.stride,
        meta.cwe,
        elements,
        evidence,
        meta.remediation,
        mitigated_by,
        meta.asvs,
        meta.tenet,
        meta.family,
    )
    finding.__class__ = Finding
    return finding  # type: ignore[no-any-return]  # a Finding now (typing.cast would cost a call per finding)


def make_deductions(
    items: Iterable[tuple[Finding, str, int]],
    scale: float,
    cap_severity: str | None = None,
    cap_scale: float = 0.0,
    floor_rules: frozenset[str] = frozenset(),
    floor_scale: float = 0.0,
) -> tuple[Deduction, ...]:
    """One deduction per open ``(finding, rule, weight)`` item: ``scale * weight`` points of risk, plus
    ``cap_scale * weight`` when the finding has ``cap_severity``, plus ``floor_scale * weight`` when its rule is
    in ``floor_rules`` (docs/scoring.md §3)."""
    built: list[Any] = []
    append = built.append
    twin = _DeductionTwin
    if not cap_scale and not floor_scale:  # the common case (no cap or floor part): one multiplication each
        for finding, rule, weight in items:
            item = twin(finding.id, rule, finding.elements, scale * weight, 0.0, 0.0)
            item.__class__ = Deduction
            append(item)
        return tuple(built)
    for finding, rule, weight in items:
        cap = cap_scale * weight if cap_scale and finding.severity == cap_severity else 0.0
        floor = floor_scale * weight if floor_scale and rule in floor_rules else 0.0
        item = twin(finding.id, rule, finding.elements, scale * weight + cap + floor, cap, floor)
        item.__class__ = Deduction
        append(item)
    return tuple(built)


def blast_radius_from_rows(rows: Iterable[tuple[Any, ...]]) -> tuple[BlastRadius, ...]:
    """Blast-radius entries from rows of their fields in order (what the forked worker sends)."""
    return tuple([BlastRadius(*row) for row in rows])
