"""Human-readable text and canonical JSON renderings of an assessment result."""

from __future__ import annotations

import json

from assessments.engine.codec import to_json_dict
from assessments.engine.results import AssessmentResult, severity_counts

TEXT_FINDINGS_LIMIT = 200
TEXT_PATHS_LIMIT = 10
TEXT_PLAN_LIMIT = 10


def result_to_json(result: AssessmentResult, *, indent: int | None = 2) -> str:
    """The documented JSON (docs/assessment-json.md); byte-identical for the same input."""
    return json.dumps(to_json_dict(result), sort_keys=True, indent=indent, ensure_ascii=False) + "\n"


def _coverage_lines(result: AssessmentResult) -> list[str]:
    """Grade and coverage beside the score (docs/scoring.md §3a): what the model lets the engine judge."""
    scores = result.scores
    coverage = scores.coverage
    if coverage is None:
        return []
    grade = f"Grade {scores.grade}" if scores.assessed and scores.grade else "No grade"
    lines = [
        f"{grade}; coverage {coverage.ratio:.0%} ({coverage.covered} of {coverage.total} details stated, "
        f"a grade needs {coverage.threshold:.0%})"
    ]
    for item in coverage.items:
        if item.covered < item.total:
            missing = ", ".join(item.missing) + (" ..." if item.total - item.covered > len(item.missing) else "")
            lines.append(f"  {item.name}: {item.covered}/{item.total} (missing: {missing})")
    if not scores.assessed:
        lines.append(scores.verdict)
    return lines


def render_text(result: AssessmentResult) -> str:
    """A plain-text report for the CLI: score, findings, attack paths and the plan."""
    lines: list[str] = []
    scores = result.scores
    counts = severity_counts(result.findings)
    lines.append(f"Assessment of {result.model} (revision {result.revision})")
    lines.append(f"Posture score: {scores.overall:.1f}/100 ({scores.stage})")
    lines.append(
        "  "
        + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        + (f"; {sum(1 for f in result.findings if f.mitigated)} mitigated" if result.findings else "no findings")
    )
    lines.extend(_coverage_lines(result))
    lines.append("")
    lines.append("Principles:")
    for entry in scores.principles:
        lines.append(f"  {entry.name:<28} {entry.score:5.1f}  {entry.stage}")
    lines.append("ZTMM pillars:")
    for entry in scores.pillars:
        lines.append(f"  {entry.name:<28} {entry.score:5.1f}  {entry.stage}")
    lines.append("")
    lines.append(f"Findings ({len(result.findings)}):")
    for finding in result.findings[:TEXT_FINDINGS_LIMIT]:
        flag = f" [mitigated by {', '.join(finding.mitigated_by)}]" if finding.mitigated else ""
        lines.append(f"  {finding.severity.upper():<8} {finding.id}{flag}")
        lines.append(f"           {finding.title}")
        evidence = "; ".join(f"{k}={_fmt(v)}" for k, v in finding.evidence)
        if evidence:
            lines.append(f"           evidence: {evidence}")
        lines.append(f"           fix: {finding.remediation}")
    if len(result.findings) > TEXT_FINDINGS_LIMIT:
        lines.append(f"  ... and {len(result.findings) - TEXT_FINDINGS_LIMIT} more (use --format json)")
    lines.append("")
    lines.append(f"Attack paths ({len(result.attack_paths)}):")
    for path in result.attack_paths[:TEXT_PATHS_LIMIT]:
        lines.append(f"  cost {path.cost:5.1f}  {' -> '.join(path.hops)}")
        if path.data_at_risk:
            lines.append(f"             data at risk: {', '.join(path.data_at_risk)}")
    lines.append("")
    lines.append("Remediation plan:")
    for number, step in enumerate(result.plan[:TEXT_PLAN_LIMIT], start=1):
        lines.append(f"  {number}. {step.title}  (+{step.gain:.2f}: {step.score_before:.2f} -> {step.score_after:.2f})")
    if not result.plan:
        lines.append("  nothing to do")
    return "\n".join(lines) + "\n"


def _fmt(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)
