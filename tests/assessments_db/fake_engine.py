"""A tiny stand-in for ``assessments.engine.assess`` used only while the real engine is not importable.

It fires one finding per unauthenticated flow and scores 100 minus 5 per finding, with the result types of
``assessments.engine.results`` so the JSON form is the real one.
"""

from __future__ import annotations

from typing import Any

from assessments.engine.results import (
    PILLARS,
    PRINCIPLES,
    AssessmentResult,
    Finding,
    ScoreBreakdown,
    ScoreEntry,
)


def fake_assess(snapshot: Any, *, custom_rules: Any = (), **_: Any) -> AssessmentResult:
    findings = tuple(
        Finding(id=f"zt.unauthenticated-flow@{flow.id}", rule="zt.unauthenticated-flow", title="Unauthenticated flow",
                severity="high", likelihood="likely", impact="high", principle="zero-trust", pillar="identity",
                function="", stride="S", cwe="CWE-306", elements=(flow.id,),
                evidence=(("authentication", str(flow.authentication)),), remediation="Authenticate it.",
                family="zero-trust")
        for flow in snapshot.flows if str(flow.authentication) == "none")
    overall = max(0.0, 100.0 - 5 * len(findings))
    stage = "advanced" if overall >= 70 else "initial"
    principles = tuple(ScoreEntry(key, name, overall if key == "zero-trust" else 100.0, stage, 10, 0)
                       for key, name in PRINCIPLES.items())
    pillars = tuple(ScoreEntry(key, name, overall if key == "identity" else 100.0, stage, 10, 0)
                    for key, name in PILLARS.items())
    return AssessmentResult(model=snapshot.info.name, revision=snapshot.revision, findings=findings,
                            attack_paths=(), blast_radius=(),
                            scores=ScoreBreakdown(overall=overall, stage=stage, principles=principles,
                                                  pillars=pillars),
                            plan=(), rules_run=("zt.unauthenticated-flow",))
