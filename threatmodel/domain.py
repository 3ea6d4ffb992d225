"""The pure snapshot of a threat model: frozen dataclasses, no Django.

The engine, the importers/exporters and the DOT writer only ever see these types.
A ``Snapshot`` is the whole model at one revision; element collections are tuples
sorted by ``id`` so that iteration order (and therefore every output) is deterministic.

Every element has an ``id`` that is unique across *all* element kinds of one model
(so a finding fingerprint ``rule@a@b`` is unambiguous).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from typing import Any, TypeVar

from threatmodel.vocabulary import (
    Authentication,
    Authorization,
    BoundaryKind,
    BusinessCriticality,
    Classification,
    ComponentKind,
    ControlStatus,
    Encryption,
    GrantAction,
    IdentityKind,
    Impact,
    Likelihood,
    Logging,
    MeshMode,
    Provenance,
    Rating,
    ThreatCategory,
    ThreatStatus,
    TrustLevel,
)


@dataclass(frozen=True, slots=True)
class Position:
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class DataAsset:
    id: str
    name: str
    description: str = ""
    #: unclassified: nobody has decided yet (judged as internal, docs/scoring.md "Unspecified values")
    classification: Classification = Classification.UNCLASSIFIED
    confidentiality: Rating = Rating.MEDIUM
    integrity: Rating = Rating.MEDIUM
    availability: Rating = Rating.MEDIUM
    pii: bool = False
    credentials: bool = False
    tags: tuple[str, ...] = ()
    attributes: Mapping[str, Any] = field(default_factory=dict)
    foreign_id: str = ""


@dataclass(frozen=True, slots=True)
class TrustBoundary:
    id: str
    name: str
    kind: BoundaryKind = BoundaryKind.NETWORK_ZONE
    #: unspecified: judged from the kind (internet untrusted, third-party low, otherwise medium)
    trust_level: TrustLevel = TrustLevel.UNSPECIFIED
    parent: str | None = None
    description: str = ""
    tags: tuple[str, ...] = ()
    attributes: Mapping[str, Any] = field(default_factory=dict)
    foreign_id: str = ""
    position: Position | None = None


@dataclass(frozen=True, slots=True)
class Component:
    id: str
    name: str
    kind: ComponentKind = ComponentKind.SERVICE
    technology: str = ""
    boundary: str | None = None
    description: str = ""
    internet_facing: bool = False
    mesh: MeshMode = MeshMode.NONE
    #: unspecified: the model does not say; the component then requires what its inbound flows present
    authentication: Authentication = Authentication.UNSPECIFIED
    authorization: Authorization = Authorization.NONE
    encryption_at_rest: bool = False
    logging: Logging = Logging.BASIC
    data_stored: tuple[str, ...] = ()
    data_processed: tuple[str, ...] = ()
    identity: str | None = None
    tags: tuple[str, ...] = ()
    attributes: Mapping[str, Any] = field(default_factory=dict)
    foreign_id: str = ""
    position: Position | None = None


@dataclass(frozen=True, slots=True)
class DataFlow:
    id: str
    source: str
    target: str
    name: str = ""
    protocol: str = "https"
    port: int | None = None
    #: unspecified (the defaults below): the model does not say. The engine judges encryption from the protocol
    #: (https: tls, otherwise none), authentication and authorization as none; the gaps lower the coverage.
    encryption: Encryption = Encryption.UNSPECIFIED
    authentication: Authentication = Authentication.UNSPECIFIED
    authorization: Authorization = Authorization.UNSPECIFIED
    data_assets: tuple[str, ...] = ()
    bidirectional: bool = False
    provenance: Provenance = Provenance.DECLARED
    description: str = ""
    tags: tuple[str, ...] = ()
    attributes: Mapping[str, Any] = field(default_factory=dict)
    foreign_id: str = ""


@dataclass(frozen=True, slots=True)
class Identity:
    id: str
    name: str
    kind: IdentityKind = IdentityKind.WORKLOAD
    description: str = ""
    mfa: bool = False
    tags: tuple[str, ...] = ()
    attributes: Mapping[str, Any] = field(default_factory=dict)
    foreign_id: str = ""


@dataclass(frozen=True, slots=True)
class Grant:
    id: str
    identity: str
    target: str  # a component id, a data asset id, or "*" (wildcard target)
    actions: tuple[GrantAction, ...] = (GrantAction.READ,)
    scope: str = ""
    description: str = ""
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Control:
    id: str
    control: str  # id of a control in the catalog, e.g. "waf"
    target: str  # the element the control is applied to
    status: ControlStatus = ControlStatus.IMPLEMENTED
    description: str = ""
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Threat:
    """A threat a person recorded on one element (component, flow, boundary, data asset, identity, grant or
    control), beside the rule findings. Its ``id`` is the stable key of its finding (``manual.threat@<id>``)
    across revisions; ``controls`` are ids of ``Control`` elements of the model that answer it."""

    id: str
    target: str
    title: str
    category: ThreatCategory = ThreatCategory.TAMPERING
    description: str = ""
    likelihood: Likelihood = Likelihood.LIKELY
    impact: Impact = Impact.MEDIUM
    status: ThreatStatus = ThreatStatus.OPEN
    mitigation: str = ""
    controls: tuple[str, ...] = ()
    attributes: Mapping[str, Any] = field(default_factory=dict)
    foreign_id: str = ""

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise ValueError(f"threat {self.id!r}: the title is empty")
        if not self.target:
            raise ValueError(f"threat {self.id!r}: a threat names the element it is about")
        if len(set(self.controls)) != len(self.controls):
            raise ValueError(f"threat {self.id!r}: a control is linked twice")


Element = DataAsset | TrustBoundary | Component | DataFlow | Identity | Grant | Control | Threat

#: Collection name in a snapshot / native file -> element type. Order = dependency order.
COLLECTIONS: dict[str, type] = {
    "data_assets": DataAsset,
    "boundaries": TrustBoundary,
    "identities": Identity,
    "components": Component,
    "flows": DataFlow,
    "grants": Grant,
    "controls": Control,
    "threats": Threat,
}
#: Singular kind name used in change logs and diffs.
KIND_OF_COLLECTION: dict[str, str] = {
    "data_assets": "data_asset",
    "boundaries": "boundary",
    "identities": "identity",
    "components": "component",
    "flows": "flow",
    "grants": "grant",
    "controls": "control",
    "threats": "threat",
}
COLLECTION_OF_KIND: dict[str, str] = {v: k for k, v in KIND_OF_COLLECTION.items()}


@dataclass(frozen=True, slots=True)
class ModelInfo:
    name: str
    description: str = ""
    business_criticality: BusinessCriticality = BusinessCriticality.IMPORTANT
    tags: tuple[str, ...] = ()
    attributes: Mapping[str, Any] = field(default_factory=dict)


E = TypeVar("E")


def _sorted(items: Iterable[E]) -> tuple[E, ...]:
    return tuple(sorted(items, key=lambda e: e.id))  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Snapshot:
    """A whole threat model at one revision."""

    info: ModelInfo
    revision: int = 0
    data_assets: tuple[DataAsset, ...] = ()
    boundaries: tuple[TrustBoundary, ...] = ()
    identities: tuple[Identity, ...] = ()
    components: tuple[Component, ...] = ()
    flows: tuple[DataFlow, ...] = ()
    grants: tuple[Grant, ...] = ()
    controls: tuple[Control, ...] = ()
    threats: tuple[Threat, ...] = ()

    @classmethod
    def build(cls, info: ModelInfo, revision: int = 0, **collections: Iterable[Any]) -> Snapshot:
        """Build a snapshot with every collection sorted by id."""
        unknown = set(collections) - set(COLLECTIONS)
        if unknown:
            raise TypeError(f"unknown collections: {sorted(unknown)}")
        return cls(info=info, revision=revision, **{k: _sorted(v) for k, v in collections.items()})

    # -- indexes (computed once per snapshot) ---------------------------------------------
    @cached_property
    def component_by_id(self) -> dict[str, Component]:
        return {c.id: c for c in self.components}

    @cached_property
    def boundary_by_id(self) -> dict[str, TrustBoundary]:
        return {b.id: b for b in self.boundaries}

    @cached_property
    def data_asset_by_id(self) -> dict[str, DataAsset]:
        return {d.id: d for d in self.data_assets}

    @cached_property
    def identity_by_id(self) -> dict[str, Identity]:
        return {i.id: i for i in self.identities}

    @cached_property
    def flow_by_id(self) -> dict[str, DataFlow]:
        return {f.id: f for f in self.flows}

    @cached_property
    def threats_by_target(self) -> dict[str, tuple[Threat, ...]]:
        index: dict[str, list[Threat]] = {}
        for threat in self.threats:
            index.setdefault(threat.target, []).append(threat)
        return {key: tuple(items) for key, items in index.items()}

    @cached_property
    def element_by_id(self) -> dict[str, Any]:
        index: dict[str, Any] = {}
        for name in COLLECTIONS:
            for element in getattr(self, name):
                index[element.id] = element
        return index

    def boundary_chain(self, boundary_id: str | None) -> tuple[str, ...]:
        """The boundary and its ancestors, innermost first."""
        chain: list[str] = []
        seen: set[str] = set()
        current = boundary_id
        while current is not None and current not in seen and current in self.boundary_by_id:
            seen.add(current)
            chain.append(current)
            current = self.boundary_by_id[current].parent
        return tuple(chain)

    def with_elements(self, collection: str, elements: Iterable[Any]) -> Snapshot:
        """A copy with one collection replaced (kept sorted)."""
        changes: dict[str, Any] = {collection: _sorted(elements)}
        return replace(self, **changes)

    def replace_element(self, element: Any) -> Snapshot:
        """A copy where the element with the same id and type is replaced."""
        for name, kind in COLLECTIONS.items():
            if isinstance(element, kind):
                current: tuple[Any, ...] = getattr(self, name)
                items = [element if e.id == element.id else e for e in current]  # type: ignore[attr-defined]
                changes: dict[str, Any] = {name: tuple(items)}
                return replace(self, **changes)
        raise TypeError(f"not an element: {element!r}")

    def without_elements(self, ids: Iterable[str]) -> Snapshot:
        drop = set(ids)
        changes: dict[str, Any] = {
            name: tuple(e for e in getattr(self, name) if e.id not in drop) for name in COLLECTIONS
        }
        return replace(self, **changes)


def field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind))
