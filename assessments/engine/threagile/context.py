"""What every Threagile rule needs: the model's derived facts, computed once per run, and the risk record.

``Context`` answers the questions the Threagile engine asks (highest data rating of an asset or link, which trust
boundary an asset sits in, whether a link crosses a network boundary, RAA) over one ``ThreagileModel``. The
answers are cached per run so that a rule pass stays linear in the model size; Threagile recomputes them in every
call. ``mode`` selects upstream-compatible answers or the corrected ones (``docs/threagile.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cached_property, lru_cache

from assessments.engine.threagile import kinds
from threatmodel.interchange.threagile import enums
from threatmodel.interchange.threagile.model import (
    CommunicationLink,
    DataAsset,
    TechnicalAsset,
    ThreagileModel,
    TrustBoundary,
)

CONFIDENTIAL = enums.CONFIDENTIALITY.index("confidential")
STRICTLY_CONFIDENTIAL = enums.CONFIDENTIALITY.index("strictly-confidential")
RESTRICTED = enums.CONFIDENTIALITY.index("restricted")
INTERNAL = enums.CONFIDENTIALITY.index("internal")
OPERATIONAL = enums.CRITICALITY.index("operational")
IMPORTANT = enums.CRITICALITY.index("important")
CRITICAL = enums.CRITICALITY.index("critical")
MISSION_CRITICAL = enums.CRITICALITY.index("mission-critical")

#: Fibonacci weights of the RAA formula (Threagile's "attacker attractiveness" scales).
_C_ASSET = (8, 13, 21, 34, 55)
_IA_ASSET = (5, 8, 13, 21, 34)
_C_DATA = (5, 8, 13, 21, 34)
_IA_DATA = (3, 5, 8, 13, 21)
_CIA_TRANSFER = (2, 3, 5, 8, 13)
_QUANTITY = (1, 2, 3, 5)

#: A boundary that is not there: Threagile's zero value (id "", type network-on-prem, no content).
NO_BOUNDARY = TrustBoundary(id="", title="")


UNLIKELY, LIKELY, VERY_LIKELY, FREQUENT = range(4)
LOW, MEDIUM, HIGH, VERY_HIGH = range(4)
IMPROBABLE, POSSIBLE, PROBABLE = range(3)


class Mode(StrEnum):
    COMPATIBLE = "threagile-compatible"
    FIXED = "threagile-fixed"


@dataclass(frozen=True, slots=True)
class Risk:
    category: str
    likelihood: int
    impact: int
    title: str
    synthetic_id: str
    severity: int = -1  # -1: from the matrix; custom risks state theirs
    most_relevant_data_asset: str = ""
    most_relevant_technical_asset: str = ""
    most_relevant_trust_boundary: str = ""
    most_relevant_shared_runtime: str = ""
    most_relevant_communication_link: str = ""
    data_breach_probability: int = 0
    data_breach_technical_assets: tuple[str, ...] = ()
    status: str = "unchecked"
    breach_assets_unset: bool = False  # a custom risk that lists none: Threagile writes null, not []

    def rated(self) -> Risk:
        if self.severity >= 0:
            return self
        return replace(self, severity=enums.severity_of(self.likelihood, self.impact))


def sensitive(conf: int, integ: int, avail: int) -> bool:
    """Confidential or higher, or critical or higher integrity or availability (Threagile's usual cut)."""
    return conf >= CONFIDENTIAL or integ >= CRITICAL or avail >= CRITICAL


def very_sensitive(conf: int, integ: int, avail: int) -> bool:
    return conf == STRICTLY_CONFIDENTIAL or integ == MISSION_CRITICAL or avail == MISSION_CRITICAL


class Context:
    def __init__(self, model: ThreagileModel, mode: Mode = Mode.COMPATIBLE) -> None:
        self.model = model
        self.mode = mode
        self.fixed = mode is Mode.FIXED
        self.assets = model.asset_by_id
        self.data = model.data_asset_by_id
        self.boundaries = model.boundary_by_id
        self.incoming = model.incoming_links

    @cached_property
    def sorted_assets(self) -> tuple[TechnicalAsset, ...]:
        """The technical assets in Threagile's iteration order (by id): what every per-asset rule walks."""
        return tuple(self.assets[asset_id] for asset_id in self.model.sorted_asset_ids)

    # -- ratings ----------------------------------------------------------------------------------------------------
    @cached_property
    def _asset_highest(self) -> dict[str, tuple[int, int, int]]:
        out: dict[str, tuple[int, int, int]] = {}
        for a in self.model.technical_assets:
            c, i, v = a.confidentiality, a.integrity, a.availability
            for d_id in (*a.data_assets_processed, *a.data_assets_stored):
                d = self.data[d_id]
                c, i, v = max(c, d.confidentiality), max(i, d.integrity), max(v, d.availability)
            out[a.id] = (c, i, v)
        return out

    def highest(self, asset: TechnicalAsset) -> tuple[int, int, int]:
        """Highest confidentiality, integrity and availability of the asset and the data it processes or stores."""
        return self._asset_highest.get(asset.id, (asset.confidentiality, asset.integrity, asset.availability))

    @cached_property
    def _link_highest(self) -> dict[str, tuple[int, int, int]]:
        out: dict[str, tuple[int, int, int]] = {}
        for link in self.model.links:
            c = i = v = 0
            for d_id in (*link.data_assets_sent, *link.data_assets_received):
                d = self.data[d_id]
                c, i, v = max(c, d.confidentiality), max(i, d.integrity), max(v, d.availability)
            out[link.id] = (c, i, v)
        return out

    def link_highest(self, link: CommunicationLink) -> tuple[int, int, int]:
        return self._link_highest[link.id]

    def group_highest(self, asset_ids: tuple[str, ...] | list[str]) -> tuple[int, int, int]:
        c = i = v = 0
        for asset_id in asset_ids:
            hc, hi, hv = self.highest(self.assets[asset_id])
            c, i, v = max(c, hc), max(i, hi), max(v, hv)
        return c, i, v

    @staticmethod
    def sensitivity_score(asset: TechnicalAsset | None) -> float:
        """Threagile's ``HighestSensitivityScore`` (the asset's own ratings only); the zero asset scores 18."""
        if asset is None:
            return float(_C_ASSET[0] + _IA_ASSET[0] + _IA_ASSET[0])
        return float(_C_ASSET[asset.confidentiality] + _IA_ASSET[asset.integrity] + _IA_ASSET[asset.availability])

    # -- boundaries -------------------------------------------------------------------------------------------------
    def boundary_of(self, asset_id: str) -> TrustBoundary:
        return self.model.boundary_of_asset.get(asset_id, NO_BOUNDARY)

    def parent_id(self, boundary_id: str) -> str:
        return self.model.parent_of_boundary.get(boundary_id, "")

    @staticmethod
    def is_network(boundary: TrustBoundary) -> bool:
        return boundary.type != "execution-environment"

    def network_boundary_of(self, asset_id: str) -> TrustBoundary:
        """The network segment of an asset. Threagile looks one level up from a non-network boundary; the fixed
        mode keeps walking up until it finds a network boundary (or none)."""
        boundary = self.boundary_of(asset_id)
        if self.is_network(boundary):
            return boundary
        boundary = self.boundaries.get(self.parent_id(boundary.id), NO_BOUNDARY)
        if self.fixed:
            seen = {boundary.id}
            while boundary.id and not self.is_network(boundary):
                boundary = self.boundaries.get(self.parent_id(boundary.id), NO_BOUNDARY)
                if boundary.id in seen:
                    break
                seen.add(boundary.id)
        return boundary

    def same_network_segment(self, left_id: str, right_id: str) -> bool:
        return self.network_boundary_of(left_id).id == self.network_boundary_of(right_id).id

    def same_execution_environment(self, left_id: str, right_id: str) -> bool:
        left, right = self.boundary_of(left_id), self.boundary_of(right_id)
        if left.type == "execution-environment" and right.type == "execution-environment":
            return left.id == right.id
        return False

    def crosses_network_boundary(self, link: CommunicationLink) -> bool:
        source = self.network_boundary_of(link.source_id)
        target = self.network_boundary_of(link.target_id)
        return source.id != target.id and self.is_network(target)

    def parent_chain(self, boundary_id: str) -> list[str]:
        chain: list[str] = []
        current = boundary_id
        while current and current not in chain:
            chain.append(current)
            current = self.parent_id(current)
        return chain

    def share_parent_boundary(self, left: TechnicalAsset, right: TechnicalAsset) -> bool:
        left_id, right_id = self.boundary_of(left.id).id, self.boundary_of(right.id).id
        if not left_id or not right_id:
            return not left_id and not right_id
        if left_id == right_id:
            return True
        return bool(set(self.parent_chain(left_id)) & set(self.parent_chain(right_id)))

    def assets_inside(self, boundary: TrustBoundary) -> list[str]:
        """All asset ids inside the boundary and its nested boundaries (depth first, document order)."""
        out: list[str] = []
        stack = [boundary.id]
        seen: set[str] = set()
        while stack:
            current = self.boundaries[stack.pop(0)]
            if current.id in seen:
                continue
            seen.add(current.id)
            out.extend(current.technical_assets_inside)
            stack[0:0] = list(current.trust_boundaries_nested)
        return out

    def tagged_traversing_up(self, asset: TechnicalAsset, tags: tuple[str, ...]) -> bool:
        if tagged(asset.tags, tags):
            return True
        current = self.boundary_of(asset.id).id
        for boundary_id in self.parent_chain(current) if current else []:
            if tagged(self.boundaries[boundary_id].tags, tags):
                return True
        return any(asset.id in r.technical_assets_running and tagged(r.tags, tags) for r in self.model.shared_runtimes)

    @cached_property
    def _neighbours(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for link in self.model.links:
            out.setdefault(link.source_id, set()).add(link.target_id)
            out.setdefault(link.target_id, set()).add(link.source_id)
        return out

    def directly_connected(self, left_id: str, right_id: str) -> bool:
        return right_id in self._neighbours.get(left_id, ())

    def processes_or_stores(self, asset: TechnicalAsset, data_id: str) -> bool:
        return data_id in asset.data_assets_processed or data_id in asset.data_assets_stored

    def data_asset(self, data_id: str) -> DataAsset:
        return self.data[data_id]

    # -- RAA --------------------------------------------------------------------------------------------------------
    def attractiveness(self, asset: TechnicalAsset) -> float:
        """Threagile's raw attacker attractiveness, summed in Threagile's order (float results match exactly)."""
        if asset.out_of_scope:
            return 0.0
        score = 0.0
        score += _C_ASSET[asset.confidentiality]
        score += _IA_ASSET[asset.integrity]
        score += _IA_ASSET[asset.availability]
        for d_id in (*asset.data_assets_processed, *asset.data_assets_stored):
            d = self.data[d_id]
            score += _C_DATA[d.confidentiality] * _QUANTITY[d.quantity]
            score += _IA_DATA[d.integrity] * _QUANTITY[d.quantity]
            score += _IA_DATA[d.availability]
        for link in asset.communication_links:
            for d_id in (*link.data_assets_sent, *link.data_assets_received):
                d = self.data[d_id]
                score += _CIA_TRANSFER[d.confidentiality] * _QUANTITY[d.quantity]
                score += _CIA_TRANSFER[d.integrity] * _QUANTITY[d.quantity]
                score += _CIA_TRANSFER[d.availability]
        return _technology_factor(asset, score)

    @cached_property
    def _raw_attractiveness(self) -> dict[str, float]:
        return {a.id: self.attractiveness(a) for a in self.model.technical_assets}

    @cached_property
    def _raa_range(self) -> tuple[float, float]:
        values = self._raw_attractiveness.values()
        low = min(values, default=0.0)
        high = max(values, default=0.0)
        if not low < high:
            high = low + 1
        return low, high - low

    def relative(self, attractiveness: float) -> float:
        low, spread = self._raa_range
        percent = (attractiveness - low) / spread * 100
        return 1.0 if percent <= 0 else percent

    @cached_property
    def raa(self) -> dict[str, float]:
        """RAA per asset: the raw score plus a third of the largest positive RAA gap to an outgoing neighbour
        (Threagile adds that percentage to the raw score before normalising; kept in both modes)."""
        raw = self._raw_attractiveness
        out: dict[str, float] = {}
        for asset in self.model.technical_assets:
            score = raw[asset.id]
            if not asset.out_of_scope:
                own = self.relative(raw[asset.id])
                adjustment = 0.0
                for link in asset.communication_links:
                    delta = self.relative(raw[link.target_id]) - own
                    if delta > 0 and delta / 3 > adjustment:
                        adjustment = delta / 3
                score += adjustment
            out[asset.id] = self.relative(score)
        return out


def _technology_factor(asset: TechnicalAsset, score: float) -> float:
    if kinds.has(asset, "load-balancer") or kinds.has(asset, "reverse-proxy"):
        score = score / 5.5
    if kinds.has(asset, "monitoring"):
        score = score / 5
    if kinds.has(asset, "container-platform"):
        score = score * 5
    if kinds.has(asset, "vault"):
        score = score * 2
    if kinds.has(asset, frozenset({"build-pipeline", "sourcecode-repository", "artifact-registry"})):
        score = score * 2
    if kinds.has(asset, kinds.IDENTITY_RELATED):
        score = score * 2.5
    elif asset.type == "datastore":
        score = score * 2
    if asset.multi_tenant:
        score = score * 1.5
    return score


@lru_cache(maxsize=256)
def _lowered(wanted: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w.strip().lower() for w in wanted)


def tagged(tags: tuple[str, ...], wanted: tuple[str, ...]) -> bool:
    """Threagile's case-insensitive ``IsTaggedWithAny``."""
    if not tags:
        return False
    lowered = _lowered(wanted)
    return any(t.strip().lower() in lowered for t in tags)


def tagged_base(tags: tuple[str, ...], base: str) -> bool:
    """``aws`` matches the tags ``aws`` and ``aws:<anything>``."""
    base = base.strip().lower()
    return any(t.strip().lower() == base or t.strip().lower().startswith(base + ":") for t in tags)
