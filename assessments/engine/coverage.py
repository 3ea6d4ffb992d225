"""Model coverage: how much of the system the model states in enough detail for the engine to judge.

A rule can only fail on what the model says, so a model that says little scores well for no reason ("absence
looks like compliance"). Coverage counts, per kind of detail, the elements that state it; under
``COVERAGE_THRESHOLD`` (or with no component and no flow) the score carries no grade (docs/scoring.md §4).
Pure function of the snapshot: the same model always has the same coverage, whatever the order or the ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from assessments.engine.results import Coverage, CoverageItem
from threatmodel.domain import Snapshot
from threatmodel.vocabulary import (
    STORAGE_KINDS,
    WORKLOAD_KINDS,
    Authentication,
    Authorization,
    Classification,
    ComponentKind,
    Encryption,
    TrustLevel,
)

#: Share of the coverage items a model must state to get a grade.
COVERAGE_THRESHOLD = 0.6
#: Elements listed as missing per item (the editor and the reports show them).
MISSING_LISTED = 10

#: Components whose data and authentication the model should state: our workloads and our stores.
JUDGED_KINDS = WORKLOAD_KINDS | STORAGE_KINDS | {ComponentKind.IDENTITY_PROVIDER}
#: Components that should run as an identity of their own (load balancers are infrastructure, not callers).
IDENTITY_KINDS = WORKLOAD_KINDS - {ComponentKind.LOAD_BALANCER}


def _item(key: str, name: str, hint: str, elements: Iterable[Any], states: Callable[[Any], bool]) -> CoverageItem:
    covered = 0
    total = 0
    missing: list[str] = []
    for element in elements:
        total += 1
        if states(element):
            covered += 1
        else:
            missing.append(element.id)
    missing.sort()
    return CoverageItem(key, name, covered, total, hint, tuple(missing[:MISSING_LISTED]))


def model_coverage(snapshot: Snapshot) -> Coverage:
    """The coverage of ``snapshot`` (items with nothing to count are left out)."""
    judged = [c for c in snapshot.components if c.kind in JUDGED_KINDS]
    workloads = [c for c in snapshot.components if c.kind in IDENTITY_KINDS]
    items = (
        _item(
            "flow-data",
            "Flows that declare the data they carry",
            "list the data assets each flow carries (data_assets)",
            snapshot.flows,
            lambda f: bool(f.data_assets),
        ),
        _item(
            "flow-encryption",
            "Flows with a stated encryption",
            "set each flow's encryption (none, tls, mtls) instead of unspecified",
            snapshot.flows,
            lambda f: f.encryption is not Encryption.UNSPECIFIED,
        ),
        _item(
            "flow-authentication",
            "Flows with a stated authentication",
            "set each flow's authentication (none, mtls, jwt, api-key...) instead of unspecified",
            snapshot.flows,
            lambda f: f.authentication is not Authentication.UNSPECIFIED,
        ),
        _item(
            "flow-authorization",
            "Flows with a stated authorization",
            "set each flow's authorization (none, network, role, attribute) instead of unspecified",
            snapshot.flows,
            lambda f: f.authorization is not Authorization.UNSPECIFIED,
        ),
        _item(
            "component-data",
            "Workloads and stores that declare their data",
            "list the data each workload processes and each store keeps (data_processed, data_stored)",
            judged,
            lambda c: bool(c.data_stored or c.data_processed),
        ),
        _item(
            "component-authentication",
            "Workloads and stores with a stated authentication",
            "set what each workload and store requires from callers (authentication)",
            judged,
            lambda c: c.authentication is not Authentication.UNSPECIFIED,
        ),
        _item(
            "component-identity",
            "Workloads running as an identity",
            "give each workload its identity (a service account or workload identity)",
            workloads,
            lambda c: c.identity is not None,
        ),
        _item(
            "data-classified",
            "Data assets with a classification",
            "classify each data asset (public, internal, confidential, restricted)",
            snapshot.data_assets,
            lambda a: a.classification is not Classification.UNCLASSIFIED,
        ),
        _item(
            "component-boundary",
            "Components placed in a trust boundary",
            "draw the trust boundaries (internet, DMZ, cluster, namespaces) and place each component in one",
            snapshot.components,
            lambda c: c.boundary is not None,
        ),
        _item(
            "boundary-trust",
            "Trust boundaries with a stated trust level",
            "set each trust boundary's trust level (untrusted, low, medium, high) instead of unspecified",
            snapshot.boundaries,
            lambda b: b.trust_level is not TrustLevel.UNSPECIFIED,
        ),
    )
    kept = tuple(item for item in items if item.total)
    covered = sum(item.covered for item in kept)
    total = sum(item.total for item in kept)
    ratio = covered / total if total else 0.0
    return Coverage(ratio=ratio, covered=covered, total=total, threshold=COVERAGE_THRESHOLD, items=kept)


def assessable(snapshot: Snapshot, coverage: Coverage) -> bool:
    """Whether the model states enough to be graded: it has flows and components, and enough coverage."""
    return bool(snapshot.flows) and bool(snapshot.components) and coverage.ratio >= coverage.threshold


def what_to_add(snapshot: Snapshot, coverage: Coverage) -> str:
    """The sentence shown instead of a grade: what the model lacks, least covered first."""
    if not snapshot.components or not snapshot.flows:
        return (
            "Not enough detail to assess: add the components of the system and the data flows between them "
            "(with their protection and the data they carry)."
        )
    gaps = sorted((item for item in coverage.items if item.covered < item.total), key=lambda i: (i.ratio, i.key))
    hints = "; ".join(f"{item.hint} ({item.total - item.covered} of {item.total} missing)" for item in gaps[:3])
    return (
        f"Not enough detail to assess: the model states {coverage.ratio:.0%} of what the engine needs "
        f"(at least {coverage.threshold:.0%} is required). To add: {hints}."
    )
