"""The rows of a run's findings (``RunFinding``): the columns the findings page and the API filter and sort on,
taken from the engine's result, the snapshot it assessed and the model's previous run."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from assessments.choices import JobStatus
from assessments.models import AssessmentRun, RunFinding
from threatmodel.domain import Control, Grant, Snapshot, Threat

MAX_FINGERPRINT = 512


def element_boundaries(snapshot: Snapshot) -> dict[str, tuple[str, ...]]:
    """Per element id, the trust boundaries it sits in with their ancestors: a component's boundary chain, a
    boundary's own chain, a flow's both ends', a grant's / control's / threat's target's."""
    chain = snapshot.boundary_chain
    out: dict[str, tuple[str, ...]] = {}
    for boundary in snapshot.boundaries:
        out[boundary.id] = chain(boundary.id)
    for component in snapshot.components:
        out[component.id] = chain(component.boundary)
    for flow in snapshot.flows:
        out[flow.id] = _union(out.get(flow.source, ()), out.get(flow.target, ()))
    targeted: tuple[Grant | Control | Threat, ...] = (*snapshot.grants, *snapshot.controls, *snapshot.threats)
    for element in targeted:
        out[element.id] = out.get(element.target, ())
    return out


def _union(*groups: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({item for group in groups for item in group}))


def previous_first_seen(*, run: AssessmentRun) -> dict[str, int]:
    """First-seen revisions of the findings of the model's latest successful run before ``run`` (by revision)."""
    previous = (
        AssessmentRun.objects.filter(model_id=run.model_id, status=JobStatus.SUCCEEDED, revision__lte=run.revision)
        .exclude(pk=run.pk)
        .order_by("-revision", "-finished_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if previous is None:
        return {}
    rows = RunFinding.objects.filter(run_id=previous).values_list("fingerprint", "first_seen_revision", "run__revision")
    return {fingerprint: seen if seen is not None else revision for fingerprint, seen, revision in rows}


def finding_rows(
    *, run: AssessmentRun, findings: Iterable[Mapping[str, Any]], snapshot: Snapshot | None
) -> list[RunFinding]:
    """One row per distinct fingerprint, in the result's order. A finding the previous run had keeps its first-seen
    revision; a new one (or one back after a gap) is first seen at this run's revision."""
    seen_before = previous_first_seen(run=run)
    boundaries = element_boundaries(snapshot) if snapshot is not None else {}
    seen: set[str] = set()
    rows = []
    for ordinal, item in enumerate(findings):
        fingerprint = str(item.get("id", ""))[:MAX_FINGERPRINT]
        if not fingerprint or fingerprint in seen:
            continue
        seen.add(fingerprint)
        elements = [str(e) for e in item.get("elements") or []]
        rows.append(
            RunFinding(
                run_id=run.pk,
                fingerprint=fingerprint,
                rule=str(item.get("rule", ""))[:128],
                title=str(item.get("title", ""))[:300],
                severity=item.get("severity", "info"),
                principle=str(item.get("principle", ""))[:64],
                pillar=str(item.get("pillar", ""))[:64],
                elements=elements,
                mitigated_by=list(item.get("mitigated_by") or []),
                ordinal=ordinal,
                stride=str(item.get("stride") or "")[:32],
                cwe=str(item.get("cwe") or "")[:32],
                family=str(item.get("family") or "")[:64],
                remediation=str(item.get("remediation") or ""),
                evidence=dict(item.get("evidence") or {}),
                boundaries=list(_union(*(boundaries.get(e, ()) for e in elements))),
                first_seen_revision=seen_before.get(fingerprint, run.revision),
            )
        )
    return rows
