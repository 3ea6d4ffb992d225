"""Designed (the model) x allowed (effective policy) x observed (traffic), per workload pair.

Categories (a pair can have several):
``conforming`` designed, allowed and observed; ``designed-allowed`` designed and allowed, no observation
attached; ``designed-allowed-unused`` designed and allowed, never seen;
``designed-but-blocked`` designed, denied by policy (broken policy); ``shadow-dependency`` observed, not
designed; ``over-permissive`` allowed, neither designed nor observed; ``designed-mtls-observed-plaintext``
the design says mTLS, traffic was (partly) plaintext; ``designed-mtls-not-enforced`` the design says mTLS but
the policy still accepts plaintext (PERMISSIVE, no sidecar); ``designed-authenticated-caller-unknown`` the
design wants authenticated callers of the target, traffic came from a caller without mesh identity.

Observed callers without identity are the pseudo workload ``(unknown)``; observed nodes that are not in the
manifests are ``observed:<node key>``. Output is sorted by (source, target).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from assessments.conformance.findings import PolicyFinding, policy_findings
from assessments.conformance.reachability import PairDecision, PortDecision, Reachability
from threatmodel.domain import Component, DataFlow, Snapshot
from threatmodel.gcpause import gc_paused
from threatmodel.interchange.observation import Observation, ObservedFlow, ObservedNode
from threatmodel.vocabulary import Authentication, Classification, Encryption

UNKNOWN = "(unknown)"
CATEGORIES = (
    "conforming",
    "designed-allowed",
    "designed-allowed-unused",
    "designed-but-blocked",
    "shadow-dependency",
    "over-permissive",
    "designed-mtls-observed-plaintext",
    "designed-mtls-not-enforced",
    "designed-authenticated-caller-unknown",
)


@dataclass(frozen=True, slots=True)
class ObservedPair:
    flows: tuple[ObservedFlow, ...]
    identityless: bool

    @property
    def mtls_percent(self) -> float | None:
        values = [f.mtls_percent for f in self.flows if f.mtls_percent is not None]
        return min(values) if values else None

    @property
    def plaintext_seen(self) -> bool:
        percent = self.mtls_percent
        return self.identityless or (percent is not None and percent < 100) or any(f.no_tls_reason for f in self.flows)


@dataclass(frozen=True, slots=True)
class Verdict:
    source: str
    target: str
    designed: bool
    allowed: bool | None  # None: a side is not in the manifests, so no policy decision exists
    observed: bool
    categories: tuple[str, ...]
    flows: tuple[str, ...] = ()  # designed flow ids
    decision: PairDecision | None = None
    observation: ObservedPair | None = None
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        decision = self.decision
        return {
            "source": self.source,
            "target": self.target,
            "designed": self.designed,
            "allowed": self.allowed,
            "observed": self.observed,
            "categories": list(self.categories),
            "flows": list(self.flows),
            "authz": decision.authz if decision else None,
            "mtls": decision.mtls if decision else None,
            "blocked_by": decision.blocked_by if decision else None,
            "observed_mtls_percent": self.observation.mtls_percent if self.observation else None,
            "observed_protocols": sorted({f.protocol for f in self.observation.flows}) if self.observation else [],
            "reasons": [r.as_dict() for p in (decision.ports if decision else ()) for r in p.reasons],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class ConformanceReport:
    verdicts: tuple[Verdict, ...]
    findings: tuple[PolicyFinding, ...]
    unmapped_components: tuple[str, ...]  # component ids of the design with no workload
    unresolved_nodes: tuple[str, ...]  # observed node keys with no workload in the manifests
    all_pairs: bool  # every ordered pair evaluated (small cluster) or scoped (see reachability.py)
    observed: bool
    counts: Mapping[str, int] = field(default_factory=dict)

    def with_category(self, category: str) -> list[Verdict]:
        return [v for v in self.verdicts if category in v.categories]

    def verdict(self, source: str, target: str) -> Verdict | None:
        return next((v for v in self.verdicts if v.source == source and v.target == target), None)


@dataclass
class _Designed:
    flows: list[DataFlow] = field(default_factory=list)
    wants_mtls: bool = False
    wants_authenticated: bool = False

    def add(self, flow: DataFlow) -> None:
        self.flows.append(flow)
        self.wants_mtls = self.wants_mtls or flow.encryption is Encryption.MTLS
        self.wants_authenticated = self.wants_authenticated or flow.authentication not in (
            Authentication.NONE,
            Authentication.UNSPECIFIED,
        )


def map_components(snapshot: Snapshot, reach: Reachability) -> dict[str, tuple[str, ...]]:
    """Component id -> workload keys: the Kubernetes attributes or foreign id, else the name in its namespace."""
    workloads = reach.workloads
    by_name: dict[str, list[str]] = defaultdict(list)
    by_app: dict[str, list[str]] = defaultdict(list)
    for key, workload in workloads.items():
        by_name[workload.name].append(key)
        app = workload.label_map.get("app") or workload.label_map.get("app.kubernetes.io/name")
        if app:
            by_app[app].append(key)
    result: dict[str, tuple[str, ...]] = {}
    for component in snapshot.components:
        keys = _explicit_keys(component, snapshot)
        if keys and all(k in workloads for k in keys):
            result[component.id] = keys
            continue
        namespace = (
            snapshot.boundary_by_id[component.boundary].name if component.boundary in snapshot.boundary_by_id else ""
        )
        for candidates in (by_name.get(component.name, []), by_app.get(component.name, [])):
            scoped = [k for k in candidates if k.split("/", 1)[0] == namespace] or candidates
            if scoped and len({k.split("/", 1)[0] for k in scoped}) == 1:
                result[component.id] = tuple(sorted(scoped))
                break
    return result


def _explicit_keys(component: Component, snapshot: Snapshot) -> tuple[str, ...]:
    kube = component.attributes.get("kubernetes")
    if isinstance(kube, Mapping) and kube.get("namespace") and kube.get("name"):
        return (f"{kube['namespace']}/{kube['name']}",)
    if component.foreign_id.startswith("k8s:"):
        parts = component.foreign_id[4:].split("/")
        if len(parts) == 3:
            return (f"{parts[0]}/{parts[2]}",)
    return ()


def designed_pairs(snapshot: Snapshot, reach: Reachability) -> list[tuple[str, str]]:
    """The design's flows as workload pairs (both ends mapped to workloads of the manifests), sorted."""
    mapping = map_components(snapshot, reach)
    pairs = set()
    for flow in snapshot.flows:
        for source in mapping.get(flow.source, ()):
            for target in mapping.get(flow.target, ()):
                if source != target:
                    pairs.add((source, target))
                    if flow.bidirectional:
                        pairs.add((target, source))
    return sorted(pairs)


def resolve_node(node: ObservedNode, reach: Reachability) -> tuple[str, ...]:
    """Observed node -> workload keys (empty when the manifests do not have it)."""
    index = reach.index
    if node.identityless and node.kind == "unknown":
        return ()
    if node.kind == "workload" or (node.kind == "app" and node.workload):
        key = f"{node.namespace}/{node.workload or node.name}"
        if key in index.workloads:
            return (key,)
    if node.kind == "app":
        found = [
            w.key
            for w in index.by_namespace.get(node.namespace, [])
            if w.label_map.get("app") == node.app and (not node.version or w.label_map.get("version") == node.version)
        ]
        return tuple(sorted(found))
    if node.kind == "service":
        return tuple(sorted(w.key for w in index.by_service.get(f"{node.namespace}/{node.service or node.name}", [])))
    return ()


def _observed_pairs(
    observation: Observation, reach: Reachability
) -> tuple[dict[tuple[str, str], list[ObservedFlow]], set[tuple[str, str]], list[str]]:
    nodes = {n.key: n for n in observation.nodes}
    pairs: dict[tuple[str, str], list[ObservedFlow]] = defaultdict(list)
    identityless: set[tuple[str, str]] = set()
    unresolved: set[str] = set()
    resolved: dict[str, tuple[str, ...]] = {}
    for key, node in nodes.items():
        found = resolve_node(node, reach)
        if node.kind == "unknown":
            resolved[key] = (UNKNOWN,)
        elif found:
            resolved[key] = found
        else:
            unresolved.add(key)
            resolved[key] = (f"observed:{key}",)
    for flow in observation.flows:
        source_node = nodes.get(flow.source)
        if flow.waypoint == "from":
            continue  # ambient: the waypoint's leg; the caller's leg (direction "to") carries the pair
        for source in resolved.get(flow.source, ()):
            for target in resolved.get(flow.target, ()):
                if source == target:
                    continue
                pairs[(source, target)].append(flow)
                if source_node is not None and source_node.identityless:
                    identityless.add((source, target))
    return pairs, identityless, sorted(unresolved)


def _restricted_namespaces(snapshot: Snapshot, mapping: Mapping[str, tuple[str, ...]]) -> frozenset[str]:
    restricted = {d.id for d in snapshot.data_assets if d.classification is Classification.RESTRICTED}
    namespaces: set[str] = set()
    for component in snapshot.components:
        if restricted & (set(component.data_stored) | set(component.data_processed)):
            namespaces.update(k.split("/", 1)[0] for k in mapping.get(component.id, ()))
    return frozenset(namespaces)


def conformance(snapshot: Snapshot, reach: Reachability, observation: Observation | None = None) -> ConformanceReport:
    """Designed x allowed x observed for every pair that is designed, observed or evaluated by ``reach``. Tens of
    thousands of small acyclic decision objects: the cyclic collector is paused meanwhile (about 40 % of the
    time of a 2,000-workload cluster went into collections that freed nothing)."""
    with gc_paused():
        return _conformance(snapshot, reach, observation)


def _conformance(snapshot: Snapshot, reach: Reachability, observation: Observation | None) -> ConformanceReport:
    mapping = map_components(snapshot, reach)
    designed: dict[tuple[str, str], _Designed] = defaultdict(_Designed)
    for flow in snapshot.flows:
        for source in mapping.get(flow.source, ()):
            for target in mapping.get(flow.target, ()):
                if source != target:
                    designed[(source, target)].add(flow)
                    if flow.bidirectional:
                        designed[(target, source)].add(flow)
    observed, identityless, unresolved = _observed_pairs(observation, reach) if observation else ({}, set(), [])
    callers_must_authenticate = {t for (_, t), d in designed.items() if d.wants_authenticated}
    keys = set(designed) | set(observed)
    decisions = {(p.source, p.target): p for p in reach.pairs(keys)}
    verdicts = []
    for key in sorted(keys | set(decisions)):
        verdict = _verdict(
            key,
            designed.get(key),
            decisions.get(key),
            observed.get(key),
            key in identityless,
            observation is not None,
            callers_must_authenticate,
        )
        if verdict is not None:
            verdicts.append(verdict)
    counts = Counter(c for v in verdicts for c in v.categories)
    unmapped = sorted(c.id for c in snapshot.components if c.id not in mapping)
    return ConformanceReport(
        verdicts=tuple(verdicts),
        findings=tuple(policy_findings(reach.index, _restricted_namespaces(snapshot, mapping))),
        unmapped_components=tuple(unmapped),
        unresolved_nodes=tuple(unresolved),
        all_pairs=reach.all_pairs,
        observed=observation is not None,
        counts={c: counts.get(c, 0) for c in CATEGORIES},
    )


def _judged_ports(decision: PairDecision, flows: Iterable[DataFlow]) -> tuple[PortDecision, ...]:
    """The ports a designed flow names (Service or container port); all ports when it names none."""
    wanted = {f.port for f in flows if f.port is not None}
    if not wanted:
        return decision.ports
    return tuple(p for p in decision.ports if p.names_port(wanted)) or decision.ports


def _designed_categories(
    design: _Designed,
    allowed: bool | None,
    pair: ObservedPair | None,
    ports: tuple[PortDecision, ...],
    with_observation: bool,
) -> list[str]:
    categories = []
    if allowed is False:
        categories.append("designed-but-blocked")
    elif pair is not None:
        categories.append("conforming")
    elif with_observation and allowed:
        categories.append("designed-allowed-unused")
    elif allowed:
        categories.append("designed-allowed")  # no observation attached: nothing to confirm or contradict it
    if design.wants_mtls and pair is not None and pair.plaintext_seen:
        categories.append("designed-mtls-observed-plaintext")
    allowed_ports = [p for p in ports if p.allowed]
    if design.wants_mtls and allowed_ports and any(p.transport != "mtls" or not p.enforced for p in allowed_ports):
        categories.append("designed-mtls-not-enforced")
    return categories


def _verdict(
    key: tuple[str, str],
    design: _Designed | None,
    decision: PairDecision | None,
    seen: list[ObservedFlow] | None,
    identityless: bool,
    with_observation: bool,
    callers_must_authenticate: set[str],
) -> Verdict | None:
    source, target = key
    is_designed, is_observed = design is not None, seen is not None
    allowed: bool | None = None
    notes: list[str] = []
    ports: tuple[PortDecision, ...] = ()
    if decision is not None:
        ports = _judged_ports(decision, design.flows) if design else decision.ports
        allowed = any(p.allowed for p in ports)
    elif source.startswith(("observed:", UNKNOWN)) or target.startswith("observed:"):
        notes.append("a side of the pair is not in the manifests: no policy decision")
    categories: list[str] = []
    pair = ObservedPair(tuple(seen or ()), identityless) if is_observed else None
    if design is not None:
        categories += _designed_categories(design, allowed, pair, ports, with_observation)
    elif is_observed:
        categories.append("shadow-dependency")
        if allowed is False:
            notes.append("observed although the policy denies it: the policy is not enforced or changed since")
    elif allowed:
        categories.append("over-permissive")
    if is_observed and identityless and target in callers_must_authenticate:
        categories.append("designed-authenticated-caller-unknown")
    if not categories:
        return None
    return Verdict(
        source=source,
        target=target,
        designed=is_designed,
        allowed=allowed,
        observed=is_observed,
        categories=tuple(categories),
        flows=tuple(sorted(f.id for f in design.flows)) if design else (),
        decision=decision,
        observation=pair,
        notes=tuple(notes),
    )
