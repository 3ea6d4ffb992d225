"""A faithful view of a Threagile model: frozen dataclasses, one per Threagile concept, no Django.

This is what the Threagile rule pack reads (``assessments.engine.threagile``) and what the Threagile writer
exports. Ids are Threagile's own ids; titles are the map keys of the YAML. Confidentiality, integrity,
availability and quantity are stored as their ordinal (see ``enums``) because the rules compare them; every other
closed value is stored as its current string spelling.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from threatmodel.interchange.threagile import enums


@dataclass(frozen=True, slots=True)
class DataAsset:
    id: str
    title: str
    description: str = ""
    usage: str = "business"
    tags: tuple[str, ...] = ()
    origin: str = ""
    owner: str = ""
    quantity: int = 0
    confidentiality: int = 0
    integrity: int = 0
    availability: int = 0
    justification_cia_rating: str = ""


@dataclass(frozen=True, slots=True)
class CommunicationLink:
    id: str
    source_id: str
    target_id: str
    title: str
    description: str = ""
    protocol: str = "unknown-protocol"
    authentication: str = "none"
    authorization: str = "none"
    tags: tuple[str, ...] = ()
    vpn: bool = False
    ip_filtered: bool = False
    readonly: bool = False
    usage: str = "business"
    data_assets_sent: tuple[str, ...] = ()
    data_assets_received: tuple[str, ...] = ()
    diagram_tweak_weight: int = 1
    diagram_tweak_constraint: bool = True


@dataclass(frozen=True, slots=True)
class TechnicalAsset:
    id: str
    title: str
    description: str = ""
    usage: str = "business"
    type: str = "external-entity"
    size: str = "system"
    technologies: tuple[str, ...] = ("unknown-technology",)
    machine: str = "physical"
    internet: bool = False
    multi_tenant: bool = False
    redundant: bool = False
    custom_developed_parts: bool = False
    out_of_scope: bool = False
    used_as_client_by_human: bool = False
    encryption: str = "none"
    justification_out_of_scope: str = ""
    owner: str = ""
    confidentiality: int = 0
    integrity: int = 0
    availability: int = 0
    justification_cia_rating: str = ""
    tags: tuple[str, ...] = ()
    data_assets_processed: tuple[str, ...] = ()
    data_assets_stored: tuple[str, ...] = ()
    data_formats_accepted: tuple[str, ...] = ()
    communication_links: tuple[CommunicationLink, ...] = ()
    diagram_tweak_order: int = 0

    @property
    def technology(self) -> str:
        """The first technology (v0.9 models have exactly one)."""
        return self.technologies[0] if self.technologies else "unknown-technology"


@dataclass(frozen=True, slots=True)
class TrustBoundary:
    id: str
    title: str
    description: str = ""
    type: str = "network-on-prem"
    tags: tuple[str, ...] = ()
    technical_assets_inside: tuple[str, ...] = ()
    trust_boundaries_nested: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SharedRuntime:
    id: str
    title: str
    description: str = ""
    tags: tuple[str, ...] = ()
    technical_assets_running: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CustomRisk:
    """One entry of ``risks_identified`` of a custom (individual) risk category."""

    title: str
    severity: str = "medium"
    exploitation_likelihood: str = "likely"
    exploitation_impact: str = "medium"
    data_breach_probability: str = "possible"
    data_breach_technical_assets: tuple[str, ...] = ()
    most_relevant_data_asset: str = ""
    most_relevant_technical_asset: str = ""
    most_relevant_communication_link: str = ""
    most_relevant_trust_boundary: str = ""
    most_relevant_shared_runtime: str = ""


@dataclass(frozen=True, slots=True)
class CustomRiskCategory:
    id: str
    title: str
    description: str = ""
    impact: str = ""
    asvs: str = ""
    cheat_sheet: str = ""
    action: str = ""
    mitigation: str = ""
    check: str = ""
    function: str = "business-side"
    stride: str = "spoofing"
    detection_logic: str = ""
    risk_assessment: str = ""
    false_positives: str = ""
    model_failure_possible_reason: bool = False
    cwe: int = 0
    risks_identified: tuple[CustomRisk, ...] = ()


@dataclass(frozen=True, slots=True)
class RiskTracking:
    synthetic_risk_id: str  # may contain "*" wildcards, one per @-segment
    status: str = "unchecked"
    justification: str = ""
    ticket: str = ""
    date: str = ""
    checked_by: str = ""


@dataclass(frozen=True)
class ThreagileModel:
    """A whole Threagile model. Collections keep the document's order; lookups go through the indexes."""

    title: str
    threagile_version: str = ""
    author: Mapping[str, str] = field(default_factory=dict)
    contributors: tuple[Mapping[str, str], ...] = ()
    date: str = ""
    business_criticality: str = "archive"
    management_summary_comment: str = ""
    application_description: Mapping[str, Any] = field(default_factory=dict)
    business_overview: Mapping[str, Any] = field(default_factory=dict)
    technical_overview: Mapping[str, Any] = field(default_factory=dict)
    questions: Mapping[str, str] = field(default_factory=dict)
    abuse_cases: Mapping[str, str] = field(default_factory=dict)
    security_requirements: Mapping[str, str] = field(default_factory=dict)
    tags_available: tuple[str, ...] = ()
    data_assets: tuple[DataAsset, ...] = ()
    technical_assets: tuple[TechnicalAsset, ...] = ()
    trust_boundaries: tuple[TrustBoundary, ...] = ()
    shared_runtimes: tuple[SharedRuntime, ...] = ()
    custom_risk_categories: tuple[CustomRiskCategory, ...] = ()
    risk_tracking: tuple[RiskTracking, ...] = ()
    diagram_tweaks: Mapping[str, Any] = field(default_factory=dict)

    # -- indexes ----------------------------------------------------------------------------------------------------
    @cached_property
    def data_asset_by_id(self) -> dict[str, DataAsset]:
        return {d.id: d for d in self.data_assets}

    @cached_property
    def asset_by_id(self) -> dict[str, TechnicalAsset]:
        return {a.id: a for a in self.technical_assets}

    @cached_property
    def boundary_by_id(self) -> dict[str, TrustBoundary]:
        return {b.id: b for b in self.trust_boundaries}

    @cached_property
    def runtime_by_id(self) -> dict[str, SharedRuntime]:
        return {r.id: r for r in self.shared_runtimes}

    @cached_property
    def links(self) -> tuple[CommunicationLink, ...]:
        return tuple(link for asset in self.technical_assets for link in asset.communication_links)

    @cached_property
    def link_by_id(self) -> dict[str, CommunicationLink]:
        return {link.id: link for link in self.links}

    @cached_property
    def sorted_asset_ids(self) -> tuple[str, ...]:
        return tuple(sorted(self.asset_by_id))

    @cached_property
    def incoming_links(self) -> dict[str, tuple[CommunicationLink, ...]]:
        """Links by target id, in document order."""
        out: dict[str, list[CommunicationLink]] = {}
        for link in self.links:
            out.setdefault(link.target_id, []).append(link)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def boundary_of_asset(self) -> dict[str, TrustBoundary]:
        """The boundary that directly contains each asset (an asset sits in at most one)."""
        return {asset_id: b for b in self.trust_boundaries for asset_id in b.technical_assets_inside}

    @cached_property
    def parent_of_boundary(self) -> dict[str, str]:
        return {child: b.id for b in self.trust_boundaries for child in b.trust_boundaries_nested}


def ordinal(values: tuple[str, ...], name: str) -> int:
    return values.index(name)


RATING_TABLES = {
    "confidentiality": enums.CONFIDENTIALITY,
    "integrity": enums.CRITICALITY,
    "availability": enums.CRITICALITY,
    "quantity": enums.QUANTITY,
}
