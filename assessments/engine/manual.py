"""Manual threats as findings (pure): the threats people recorded in the model, beside the rule findings.

A threat with status ``open`` or ``accepted`` is an open finding of the rule ``manual.threat``; a ``mitigated``
one is a mitigated finding (listed, costs nothing); ``false-positive`` and ``not-applicable`` threats make no
finding. The fingerprint is ``manual.threat@<threat id>`` (the threat's id is kept across revisions, so triage
follows it), the primary element is the threat's target, and the severity is the likelihood x impact matrix of
every finding (``severity.severity_of``). Each finding is one check of the ``manual.threat`` row of the rule
totals, weighted like a rule check of its severity (docs/scoring.md, "Manual threats").
"""

from __future__ import annotations

from assessments.engine.results import EvidenceValue, Finding, fingerprint
from assessments.engine.severity import ELEMENT_FACTOR_HALVES, SEVERITY_POINTS
from catalog.packs.loader import RuleMeta
from threatmodel.domain import Snapshot, Threat
from threatmodel.vocabulary import (
    MANUAL_THREAT_RULE,
    SEVERITY_RANK,
    STRIDE_CATEGORIES,
    THREAT_CATEGORY_LABELS,
    Pillar,
    Principle,
    RuleScope,
    ThreatStatus,
    rated_severity,
)

#: Statuses whose threat is a finding; ``OPEN_STATUSES`` cost score (an accepted risk is still a risk: the
#: engine's score does not read triage, for rule findings either).
FINDING_STATUSES = frozenset({ThreatStatus.OPEN, ThreatStatus.ACCEPTED, ThreatStatus.MITIGATED})
OPEN_STATUSES = frozenset({ThreatStatus.OPEN, ThreatStatus.ACCEPTED})
#: Threat status -> the triage status its finding is given (``assessments.services.runs``).
TRIAGE_OF_STATUS: dict[str, str] = {ThreatStatus.ACCEPTED.value: "accepted"}

#: The rule record of manual threats: the score entry they count in, and what reports say about the rule.
MANUAL_META = RuleMeta(
    id=MANUAL_THREAT_RULE,
    title="Manual threat",
    family="manual",
    scope=RuleScope.MODEL.value,
    description="A threat a person recorded on an element of the model.",
    principle=Principle.ZERO_TRUST.value,
    pillar=Pillar.APPLICATIONS_AND_WORKLOADS.value,
    remediation="Apply the mitigation recorded with the threat.",
)
#: Element factor of a manual check (halves): 1, whatever data the target handles.
_FACTOR = ELEMENT_FACTOR_HALVES[0]


def severity_of(threat: Threat) -> str:
    return rated_severity(threat.likelihood.value, threat.impact.value)


def weight_of(severity: str) -> int:
    """Check weight of a manual finding: like a rule check of that severity (element factor 1)."""
    return SEVERITY_POINTS[severity] * _FACTOR


def threat_finding(threat: Threat) -> Finding:
    category = threat.category.value
    evidence: list[tuple[str, EvidenceValue]] = [
        ("threat", threat.id),
        ("category", THREAT_CATEGORY_LABELS[category]),
        ("status", threat.status.value),
    ]
    if threat.description:
        evidence.append(("description", threat.description))
    if threat.controls:
        evidence.append(("controls", tuple(threat.controls)))
    mitigated_by: tuple[str, ...] = ()
    if threat.status == ThreatStatus.MITIGATED:
        mitigated_by = tuple(threat.controls) or (threat.id,)
    return Finding(
        id=fingerprint(MANUAL_THREAT_RULE, threat.id),
        rule=MANUAL_THREAT_RULE,
        title=threat.title,
        severity=severity_of(threat),
        likelihood=threat.likelihood.value,
        impact=threat.impact.value,
        principle=MANUAL_META.principle,
        pillar=MANUAL_META.pillar,
        function="",
        stride=category if category in STRIDE_CATEGORIES else "",
        cwe="",
        elements=(threat.target,),
        evidence=tuple(evidence),
        remediation=threat.mitigation,
        mitigated_by=mitigated_by,
        family=MANUAL_META.family,
    )


def manual_findings(snapshot: Snapshot) -> tuple[Finding, ...]:
    """The findings of the snapshot's manual threats, in the threats' (id) order."""
    return tuple(threat_finding(t) for t in snapshot.threats if t.status in FINDING_STATUSES)


def manual_totals_row(findings: tuple[Finding, ...], width: int) -> list[int]:
    """The ``manual.threat`` row of the rule totals (layout: ``evaluate.Totals``)."""
    row = [0] * width
    for finding in findings:
        weight = weight_of(finding.severity)
        row[0] += 1
        row[1] += weight
        if finding.mitigated:
            row[4] += 1
        else:
            row[2] += 1
            row[3] += weight
            row[6 + SEVERITY_RANK[finding.severity]] += 1
    return row


def open_items(findings: tuple[Finding, ...]) -> list[tuple[Finding, str, int]]:
    """(finding, rule, weight) of the open manual findings, as the score explains them."""
    return [(f, f.rule, weight_of(f.severity)) for f in findings if not f.mitigated]
