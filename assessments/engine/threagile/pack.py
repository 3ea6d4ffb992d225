"""The per-model switch that runs the Threagile pack next to the built-in rules of an assessment.

A model opts in with ``attributes: {rule_packs: {threagile: threagile-fixed}}`` (or ``threagile-compatible``);
``with_threagile_pack`` then adds the pack's findings (``findings.threagile_findings``) to the engine's JSON
result, so that runs persist them, triage tracks them by fingerprint and reports list them. They are not part of
the posture score (the score is the built-in rules'); the summary counts include them and ``rule_packs`` in the
result says what ran.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assessments.engine.codec import finding_to_dict
from assessments.engine.threagile.context import Mode
from assessments.engine.threagile.findings import threagile_findings
from threatmodel.domain import Snapshot
from threatmodel.invariants import ModelValidationError

ATTRIBUTE = "rule_packs"
PACK = "threagile"


def threagile_mode(snapshot: Snapshot) -> Mode | None:
    """The mode the model asks for, or None when the pack is off. Raises ``ValueError`` for a bad setting."""
    attributes = snapshot.info.attributes if isinstance(snapshot.info.attributes, Mapping) else {}
    packs = attributes.get(ATTRIBUTE)
    if packs is None:
        return None
    if not isinstance(packs, Mapping):
        raise ValueError(f"model attributes.{ATTRIBUTE}: expected a mapping like {{threagile: threagile-fixed}}")
    value = packs.get(PACK)
    if value in (None, False, "", "off"):
        return None
    if value is True:
        return Mode.FIXED
    try:
        return Mode(str(value))
    except ValueError:
        choices = ", ".join(m.value for m in Mode)
        raise ValueError(f"model attributes.{ATTRIBUTE}.{PACK}: {value!r} is not one of {choices}, off") from None


def with_threagile_pack(snapshot: Snapshot, result: dict[str, Any]) -> dict[str, Any]:
    """The engine's JSON result with the Threagile pack's findings added when the model switched it on.

    A bad setting, or a model the pack cannot read, does not fail the assessment: the result's ``rule_packs``
    says what is wrong (the built-in findings are still there)."""
    try:
        mode = threagile_mode(snapshot)
        if mode is None:
            return result
        findings = threagile_findings(snapshot, mode)
    except ModelValidationError as exc:
        issues = "; ".join(str(i) for i in exc.issues[:10])
        return {**result, "rule_packs": {PACK: {"error": f"the model cannot be exported to Threagile: {issues}"}}}
    except ValueError as exc:
        return {**result, "rule_packs": {PACK: {"error": str(exc)}}}
    known = {f.get("id") for f in result.get("findings", [])}
    added = [finding_to_dict(f) for f in findings if f.id not in known]
    summary = dict(result.get("summary") or {})
    by_severity = dict(summary.get("by_severity") or {})
    for item in added:
        by_severity[item["severity"]] = by_severity.get(item["severity"], 0) + 1
    summary.update(
        findings=int(summary.get("findings", 0)) + len(added),
        open=int(summary.get("open", 0)) + len(added),
        by_severity=by_severity,
    )
    return {
        **result,
        "summary": summary,
        "findings": [*result.get("findings", []), *added],
        "rule_packs": {PACK: {"mode": mode.value, "findings": len(added)}},
    }
