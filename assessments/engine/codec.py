"""The JSON codec of an assessment result: :func:`to_json_dict` writes it, :func:`result_from_json` reads it back.

The document is ``docs/assessment-json.md``'s (validated by ``docs/schema/assessment.schema.json``, which
``assessments.engine.json_schema`` builds). The encoder is deterministic: no timings, collections in the result's
order, floats rounded, so the same snapshot always serialises to the same bytes with
``json.dumps(..., sort_keys=True)``. The decoder rebuilds the frozen result types from a stored document (a report
of a stored run shows exactly what the run recorded); decoding then encoding gives the same document again
(tests/engine/test_codec.py). Pure Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any, TypeVar

from assessments.engine.results import (
    AssessmentResult,
    AttackPath,
    BlastRadius,
    Coverage,
    CoverageItem,
    Deduction,
    EvidenceValue,
    Finding,
    PlanStep,
    RuleOutcome,
    ScoreBreakdown,
    ScoreEntry,
    severity_counts,
)

T = TypeVar("T")

#: Version of the JSON document produced by :func:`to_json_dict`.
JSON_FORMAT_VERSION = 1

# -- encoding -----------------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 4)
    return value


def finding_to_dict(item: Finding) -> dict[str, Any]:
    return {
        "id": item.id,
        "rule": item.rule,
        "title": item.title,
        "severity": item.severity,
        "likelihood": item.likelihood,
        "impact": item.impact,
        "family": item.family,
        "principle": item.principle,
        "pillar": item.pillar,
        "function": item.function,
        "stride": item.stride,
        "cwe": item.cwe,
        "asvs": item.asvs,
        "tenet": item.tenet,
        "elements": list(item.elements),
        "evidence": {key: _plain(value) for key, value in item.evidence},
        "remediation": item.remediation,
        "mitigated": item.mitigated,
        "mitigated_by": list(item.mitigated_by),
    }


def _deduction(item: Deduction) -> dict[str, Any]:
    return {
        "finding": item.finding,
        "rule": item.rule,
        "elements": list(item.elements),
        "points": round(item.points, 3),
        "cap": round(item.cap, 3),
        "floor": round(item.floor, 3),
    }


def _coverage(item: Coverage | None) -> dict[str, Any] | None:
    if item is None:
        return None
    return {
        "ratio": round(item.ratio, 4),
        "covered": item.covered,
        "total": item.total,
        "threshold": item.threshold,
        "items": [
            {
                "key": i.key,
                "name": i.name,
                "covered": i.covered,
                "total": i.total,
                "hint": i.hint,
                "missing": list(i.missing),
            }
            for i in item.items
        ],
    }


def _entry(item: ScoreEntry) -> dict[str, Any]:
    return {
        "key": item.key,
        "name": item.name,
        "score": item.score,
        "stage": item.stage,
        "applicable": item.applicable,
        "failed": item.failed,
        "grade": item.grade,
        "cap": item.cap,
        "worst": item.worst,
        "deductions": [_deduction(d) for d in item.deductions],
    }


def _rule_outcome(item: RuleOutcome) -> dict[str, Any]:
    return {
        "id": item.rule,
        "title": item.title,
        "family": item.family,
        "principle": item.principle,
        "pillar": item.pillar,
        "severity": item.severity,
        "weight": item.weight,
        "applicable": item.applicable,
        "failed": item.failed,
        "mitigated": item.mitigated,
        "folded": item.folded,
        "passed": item.passed,
        "compliance": round(item.compliance * 100, 1),
    }


def to_json_dict(result: AssessmentResult) -> dict[str, Any]:
    """The documented JSON form (``docs/assessment-json.md``). Deterministic: no timings."""
    counts = severity_counts(result.findings)
    return {
        "format": JSON_FORMAT_VERSION,
        "model": {"name": result.model, "revision": result.revision},
        "summary": {
            "findings": len(result.findings),
            "open": sum(1 for f in result.findings if not f.mitigated),
            "mitigated": sum(1 for f in result.findings if f.mitigated),
            "by_severity": counts,
            "attack_paths": len(result.attack_paths),
        },
        "findings": [finding_to_dict(f) for f in result.findings],
        "attack_paths": [
            {
                "id": p.id,
                "entry": p.entry,
                "target": p.target,
                "rank": p.rank,
                "hops": list(p.hops),
                "flows": list(p.flows),
                "cost": round(p.cost, 3),
                "data_at_risk": list(p.data_at_risk),
                "weaknesses": list(p.weaknesses),
            }
            for p in result.attack_paths
        ],
        "blast_radius": [
            {
                "component": b.component,
                "data_assets": list(b.data_assets),
                "components": list(b.components),
                "reachable": b.reachable,
                "truncated": b.truncated,
            }
            for b in result.blast_radius
        ],
        "scores": {
            "overall": result.scores.overall,
            "stage": result.scores.stage,
            "grade": result.scores.grade,
            "assessed": result.scores.assessed,
            "verdict": result.scores.verdict,
            "coverage": _coverage(result.scores.coverage),
            "cap": result.scores.cap,
            "worst": result.scores.worst,
            "weakest_pillar": result.scores.weakest_pillar,
            "principles": [_entry(e) for e in result.scores.principles],
            "pillars": [_entry(e) for e in result.scores.pillars],
            "deductions": [_deduction(d) for d in result.scores.deductions],
        },
        "plan": [
            {
                "id": s.id,
                "title": s.title,
                "rule": s.rule,
                "action": s.action,
                "group": s.group,
                "elements": list(s.elements),
                "findings": list(s.findings),
                "score_before": s.score_before,
                "score_after": s.score_after,
                "gain": s.gain,
            }
            for s in result.plan
        ],
        "rules": [_rule_outcome(r) for r in result.scores.rules],
    }


# -- decoding -----------------------------------------------------------------------------------------------------


def _tuple(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in (value or ()))


def _evidence_value(value: Any) -> EvidenceValue:
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _plain_value(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_plain_value(v) for v in value)
    return value


def _make(cls: type[T], data: Mapping[str, Any], *, renames: Mapping[str, str] | None = None, **overrides: Any) -> T:
    """An instance of the frozen dataclass ``cls`` from its JSON object: known fields only, lists as tuples.

    Fields the JSON does not carry keep their defaults, and JSON keys the dataclass does not know are ignored,
    so stored runs stay readable when the engine adds fields.
    """
    renames = renames or {}
    values: dict[str, Any] = {}
    for item in fields(cls):  # type: ignore[arg-type]
        if item.name in overrides:
            values[item.name] = overrides[item.name]
            continue
        key = renames.get(item.name, item.name)
        if key in data:
            values[item.name] = _plain_value(data[key])
    return cls(**values)


def _deductions(items: Any) -> tuple[Deduction, ...]:
    return tuple(_make(Deduction, d) for d in items or ())


def _entries(items: Any) -> tuple[ScoreEntry, ...]:
    return tuple(_make(ScoreEntry, e, deductions=_deductions(e.get("deductions"))) for e in items or ())


def _coverage_from(doc: Any) -> Coverage | None:
    if not doc:
        return None
    items = tuple(_make(CoverageItem, i) for i in doc.get("items") or ())
    return _make(Coverage, doc, items=items)


def result_from_json(doc: Mapping[str, Any]) -> AssessmentResult:
    """Rebuild an ``AssessmentResult`` from the engine's documented JSON (``to_json_dict``).

    Used to render a report of a stored run exactly as it was recorded (``AssessmentRun.result``).
    """
    findings = tuple(
        _make(
            Finding,
            f,
            evidence=tuple((str(k), _evidence_value(v)) for k, v in (f.get("evidence") or {}).items()),
            mitigated_by=_tuple(f.get("mitigated_by")),
            elements=_tuple(f.get("elements")),
            title=str(f.get("title") or f["rule"]),
            tenet=int(f.get("tenet") or 0),
        )
        for f in doc.get("findings", ())
    )
    paths = tuple(_make(AttackPath, p) for p in doc.get("attack_paths", ()))
    blast = tuple(_make(BlastRadius, b) for b in doc.get("blast_radius", ()))
    rules = tuple(_make(RuleOutcome, r, renames={"rule": "id"}) for r in doc.get("rules", ()))
    scores_doc = doc.get("scores") or {}
    scores = _make(
        ScoreBreakdown,
        scores_doc,
        principles=_entries(scores_doc.get("principles")),
        pillars=_entries(scores_doc.get("pillars")),
        rules=rules,
        deductions=_deductions(scores_doc.get("deductions")),
        coverage=_coverage_from(scores_doc.get("coverage")),
    )
    plan = tuple(_make(PlanStep, step) for step in doc.get("plan", ()))
    model = doc.get("model") or {}
    rules_run = tuple(str(r) for r in doc.get("rules_run", ())) or tuple(r.rule for r in rules)
    return AssessmentResult(
        model=str(model.get("name", "")),
        revision=int(model.get("revision", 0)),
        findings=findings,
        attack_paths=paths,
        blast_radius=blast,
        scores=scores,
        plan=plan,
        rules_run=rules_run,
    )
