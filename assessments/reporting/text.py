"""Plain-text report for terminals (pure Python): scores, findings, attack paths and the remediation plan.

The CLI prefers the engine's own ``render_text`` when it exists; this renderer works from the report model
and is used otherwise (and shows triage decisions, which the engine does not know about).
"""

from __future__ import annotations

from assessments.reporting.model import ReportModel
from threatmodel.vocabulary import SEVERITY_LABELS


def write_text(report: ReportModel, *, max_findings: int = 0) -> str:
    out: list[str] = []
    out.append(f"{report.title}")
    out.append(
        f"Model: {report.model_name}   revision {report.revision}   generated {report.generated_at:%Y-%m-%d %H:%M} UTC"
    )
    out.append("")
    out.append(f"Overall score: {report.score_line}")
    if not report.assessed:
        out.append(f"  {report.verdict}")
    for entry in report.principles:
        out.append(f"  {entry.name:<28} {entry.score:5.1f}  {entry.stage}")
    if report.pillars:
        out.append("ZTMM pillars:")
        for entry in report.pillars:
            out.append(f"  {entry.name:<28} {entry.score:5.1f}  {entry.stage}")
    out.append("")
    out.append("Open findings: " + ", ".join(f"{label} {count}" for _s, label, count in report.severity_rows))
    out.append("")
    shown = report.findings if max_findings <= 0 else report.findings[:max_findings]
    out.append(f"Findings ({len(report.findings)}):")
    for view in shown:
        f = view.finding
        tag = "" if view.triage == "open" else f" [{view.triage_label}]"
        out.append(f"  [{SEVERITY_LABELS.get(f.severity, f.severity):<8}] {f.rule}: {f.title}{tag}")
        out.append(f"             {f.id}")
        for key, value in view.evidence:
            out.append(f"             {key}: {value}")
    if len(shown) < len(report.findings):
        out.append(f"  ... {len(report.findings) - len(shown)} more")
    out.append("")
    out.append(f"Attack paths ({len(report.result.attack_paths)}):")
    for path in report.attack_paths:
        out.append(f"  {' -> '.join(h.name for h in path.hops)}  (cost {path.path.cost:.2f})")
    out.append("")
    out.append("Remediation plan (by score gain):")
    for step in report.plan:
        out.append(
            f"  {step.rank}. {step.step.title}  (+{step.step.gain:.1f}: "
            f"{step.step.score_before:.1f} -> {step.step.score_after:.1f})"
        )
    return "\n".join(out) + "\n"
