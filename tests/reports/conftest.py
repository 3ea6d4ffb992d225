"""Fixtures of the report tests: the demo model, its assessment, and hand-made results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assessments.engine.results import (
    AssessmentResult,
    AttackPath,
    BlastRadius,
    Deduction,
    Finding,
    PlanStep,
    RuleOutcome,
    ScoreBreakdown,
    ScoreEntry,
    fingerprint,
)
from assessments.reporting.model import HistoryPoint, ReportInputs, TriageDecision, build_report_model
from threatmodel.domain import Component, Snapshot
from threatmodel.interchange.native import read_model

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "threatmodel" / "demo" / "online-shop.yaml"
HOSTILE = '<img src="http://127.0.0.1:9/x">'
FIXED_NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def engine_assess():
    """The real engine's ``assess`` when it is importable, else None."""
    try:
        from assessments.engine import assess  # type: ignore[attr-defined]
    except ImportError:
        return None
    return assess


def _finding(
    rule: str,
    title: str,
    severity: str,
    elements: tuple[str, ...],
    *,
    stride: str,
    cwe: str,
    principle: str,
    pillar: str,
    evidence: tuple = (),
    family: str = "",
    mitigated_by: tuple = (),
) -> Finding:
    return Finding(
        id=fingerprint(rule, *elements),
        rule=rule,
        title=title,
        severity=severity,
        likelihood="likely",
        impact="high",
        principle=principle,
        pillar=pillar,
        function="Authentication",
        stride=stride,
        cwe=cwe,
        elements=elements,
        evidence=evidence,
        remediation=f"Fix {title.lower()}.",
        mitigated_by=mitigated_by,
        asvs="V1.2.2",
        tenet=6,
        family=family or principle,
    )


def sample_result(snapshot: Snapshot) -> AssessmentResult:
    """A plausible hand-made result over real element ids of ``snapshot`` (used when no engine is present)."""
    findings: list[Finding] = []
    for flow in snapshot.flows:
        if str(flow.authentication) == "none":
            findings.append(
                _finding(
                    "zt.flow-unauthenticated",
                    "Unauthenticated data flow",
                    "high",
                    (flow.id,),
                    stride="spoofing",
                    cwe="CWE-306",
                    principle="zero-trust",
                    pillar="identity",
                    evidence=(
                        ("authentication", "none"),
                        ("protocol", flow.protocol),
                        ("path", (flow.source, flow.target)),
                    ),
                )
            )
        if str(flow.encryption) == "none":
            findings.append(
                _finding(
                    "enc.plaintext-sensitive",
                    "Plaintext protocol carrying sensitive data",
                    "critical" if flow.data_assets else "medium",
                    (flow.id,),
                    stride="information-disclosure",
                    cwe="CWE-319",
                    principle="encryption",
                    pillar="data",
                    evidence=(("encryption", "none"), ("data_assets", tuple(flow.data_assets))),
                )
            )
    for comp in snapshot.components:
        if comp.data_stored and not comp.encryption_at_rest:
            findings.append(
                _finding(
                    "enc.unencrypted-at-rest",
                    "Confidential data at rest unencrypted",
                    "medium",
                    (comp.id,),
                    stride="information-disclosure",
                    cwe="CWE-311",
                    principle="encryption",
                    pillar="data",
                    evidence=(("encryption_at_rest", False),),
                )
            )
        if str(comp.logging) != "audit" and str(comp.kind) not in ("human-user", "external-entity"):
            findings.append(
                _finding(
                    "vis.no-audit-log",
                    "Sensitive component without audit logging",
                    "low",
                    (comp.id,),
                    stride="repudiation",
                    cwe="CWE-778",
                    principle="visibility",
                    pillar="visibility-and-analytics",
                    evidence=(("logging", str(comp.logging)),),
                )
            )
    findings.append(
        _finding(
            "hyg.unconnected",
            "Unconnected element",
            "info",
            (snapshot.components[0].id,),
            stride="",
            cwe="",
            principle="visibility",
            pillar="governance",
            mitigated_by=("waf",),
        )
    )
    findings.sort(key=lambda f: f.sort_key)
    comps = [c for c in snapshot.components if isinstance(c, Component)]
    entry = next((c for c in comps if str(c.kind) == "human-user"), comps[0])
    target = next((c for c in comps if c.data_stored), comps[-1])
    out_flows = {f.source: f for f in snapshot.flows}
    hops, flows, current = [entry.id], [], entry.id
    for _ in range(6):
        flow = out_flows.get(current)
        if flow is None or flow.target in hops:
            break
        flows.append(flow.id)
        hops.append(flow.target)
        current = flow.target
    if len(hops) < 2:
        hops, flows = [entry.id, target.id], []
    paths = (
        AttackPath(
            id=f"path@{hops[0]}@{hops[-1]}",
            entry=hops[0],
            target=hops[-1],
            hops=tuple(hops),
            flows=tuple(flows),
            cost=2.5,
            data_at_risk=tuple(target.data_stored[:2]),
            weaknesses=tuple(f.id for f in findings[:2]),
            rank=1,
        ),
    )
    principles = tuple(
        ScoreEntry(
            key=k,
            name=n,
            score=s,
            stage=st,
            applicable=10,
            failed=3,
            deductions=(Deduction(findings[0].id, findings[0].rule, findings[0].elements, 2.0),),
        )
        for k, n, s, st in (
            ("zero-trust", "Zero trust", 48.0, "initial"),
            ("least-privilege", "Least privilege", 71.5, "advanced"),
            ("encryption", "Encryption and secrets", 39.0, "traditional"),
            ("segmentation", "Segmentation and exposure", 66.0, "advanced"),
            ("data-protection", "Data protection", 58.0, "initial"),
            ("visibility", "Visibility", 88.0, "optimal"),
        )
    )
    pillars = tuple(
        ScoreEntry(key=k, name=n, score=s, stage=st, applicable=5, failed=1)
        for k, n, s, st in (
            ("identity", "Identity", 52.0, "initial"),
            ("networks", "Networks", 61.0, "initial"),
            ("applications-and-workloads", "Applications & Workloads", 70.0, "advanced"),
            ("data", "Data", 45.0, "initial"),
            ("visibility-and-analytics", "Visibility & Analytics", 80.0, "advanced"),
        )
    )
    rule_ids = sorted({f.rule for f in findings} | {"lp.wildcard-grant"})
    outcomes = tuple(
        RuleOutcome(
            rule=r,
            title=r,
            family="zero-trust",
            principle="zero-trust",
            pillar="identity",
            severity="high",
            weight=1.0,
            applicable=10,
            failed=sum(1 for f in findings if f.rule == r and not f.mitigated),
            mitigated=sum(1 for f in findings if f.rule == r and f.mitigated),
        )
        for r in rule_ids
    )
    plan = (
        PlanStep(
            id="plan-1",
            title="Encrypt 2 plaintext flows in storefront",
            rule="enc.plaintext-sensitive",
            action="encrypt-flow",
            elements=tuple(f.elements[0] for f in findings[:2]),
            findings=tuple(f.id for f in findings[:2]),
            score_before=55.2,
            score_after=61.0,
            gain=5.8,
            group="ns-storefront",
        ),
        PlanStep(
            id="plan-2",
            title="Require authentication on 3 flows",
            rule="zt.flow-unauthenticated",
            action="require-flow-authentication",
            elements=tuple(f.elements[0] for f in findings[2:5]),
            findings=tuple(f.id for f in findings[2:5]),
            score_before=55.2,
            score_after=63.7,
            gain=8.5,
        ),
    )
    return AssessmentResult(
        model=snapshot.info.name,
        revision=snapshot.revision,
        findings=tuple(findings),
        attack_paths=paths,
        blast_radius=(
            BlastRadius(
                component=entry.id, data_assets=tuple(target.data_stored), components=(target.id,), reachable=4
            ),
        ),
        scores=ScoreBreakdown(
            overall=55.2,
            stage="initial",
            principles=principles,
            pillars=pillars,
            rules=outcomes,
            deductions=(Deduction(findings[0].id, findings[0].rule, findings[0].elements, 3.0),),
        ),
        plan=plan,
        rules_run=tuple(rule_ids),
    )


def assess_snapshot(snapshot: Snapshot) -> AssessmentResult:
    assess = engine_assess()
    return assess(snapshot) if assess is not None else sample_result(snapshot)


def triage_for(result: AssessmentResult) -> list[TriageDecision]:
    open_ids = [f.id for f in result.findings if not f.mitigated]
    decisions = []
    if open_ids:
        decisions.append(
            TriageDecision(
                open_ids[-1],
                "accepted",
                "Compensated by the WAF until the Q1 rewrite.",
                "alice",
                FIXED_NOW - timedelta(days=3),
                FIXED_NOW + timedelta(days=90),
            )
        )
    if len(open_ids) > 1:
        decisions.append(
            TriageDecision(
                open_ids[-2],
                "accepted",
                "Legacy partner integration, contract ends soon.",
                "bob",
                FIXED_NOW - timedelta(days=200),
                FIXED_NOW - timedelta(days=10),
            )
        )
    if len(open_ids) > 2:
        decisions.append(TriageDecision(open_ids[-3], "false_positive", "The flow is internal to the pod.", "carol"))
    return decisions


HISTORY = (
    HistoryPoint(1, 41.0, FIXED_NOW - timedelta(days=30)),
    HistoryPoint(3, 47.5, FIXED_NOW - timedelta(days=20)),
    HistoryPoint(4, 46.0, FIXED_NOW - timedelta(days=12)),
    HistoryPoint(6, 55.2, FIXED_NOW),
)


@pytest.fixture(scope="session")
def demo_snapshot() -> Snapshot:
    return read_model(DEMO.read_text(encoding="utf-8"), DEMO.name)


@pytest.fixture(scope="session")
def demo_result(demo_snapshot: Snapshot) -> AssessmentResult:
    return assess_snapshot(demo_snapshot)


@pytest.fixture(scope="session")
def demo_report(demo_snapshot: Snapshot, demo_result: AssessmentResult):
    return build_report_model(
        ReportInputs(
            demo_snapshot,
            demo_result,
            triage=triage_for(demo_result),
            history=HISTORY,
            author="Alice Reviewer",
            generated_at=FIXED_NOW,
        )
    )


def hostile_snapshot(snapshot: Snapshot) -> Snapshot:
    """The demo model where the model, a boundary, a component and a flow carry markup in their names."""
    from dataclasses import replace

    comps = [replace(c, name=HOSTILE, technology=HOSTILE) if i < 3 else c for i, c in enumerate(snapshot.components)]
    flows = [replace(f, name=HOSTILE, protocol="http") if i < 2 else f for i, f in enumerate(snapshot.flows)]
    bounds = [replace(b, name=HOSTILE) if i == 0 else b for i, b in enumerate(snapshot.boundaries)]
    info = replace(snapshot.info, name=f"Shop {HOSTILE}", description=f"<script>alert(1)</script>{HOSTILE}")
    return Snapshot.build(
        info,
        revision=snapshot.revision,
        data_assets=snapshot.data_assets,
        boundaries=bounds,
        identities=snapshot.identities,
        components=comps,
        flows=flows,
        grants=snapshot.grants,
        controls=snapshot.controls,
    )


#: A small model whose names carry markup (model, boundary, components, flow, data asset).
HOSTILE_YAML = """\
trustmap: 1
model:
  name: 'Tiny <img src="http://127.0.0.1:9/x"> shop'
  description: '<script>alert(1)</script><link rel="stylesheet" href="http://127.0.0.1:9/s.css">'
boundaries:
  - {id: internet, name: Internet, kind: internet, trust_level: untrusted}
  - {id: zone, name: '<img src="http://127.0.0.1:9/x">', kind: network-zone, trust_level: high}
data_assets:
  - {id: pii, name: '<img src="http://127.0.0.1:9/x">', classification: confidential, pii: true}
components:
  - {id: user, name: Customer, kind: human-user, boundary: internet}
  - {id: web, name: '<img src="http://127.0.0.1:9/x">', kind: web-frontend, boundary: zone, internet_facing: true,
     technology: '<style>@import url(http://127.0.0.1:9/i.css)</style>', data_processed: [pii]}
  - {id: db, name: 'DB "quoted" \\\\ back & <b>bold</b>', kind: datastore, boundary: zone, data_stored: [pii]}
flows:
  - {id: f1, name: '<img src="http://127.0.0.1:9/x">', source: user, target: web, protocol: http, encryption: none,
     data_assets: [pii]}
  - {id: f2, name: query, source: web, target: db, protocol: postgresql, encryption: none, data_assets: [pii]}
"""


def hostile_small() -> Snapshot:
    return read_model(HOSTILE_YAML, "hostile.yaml")
