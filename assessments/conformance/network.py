"""Kubernetes NetworkPolicy semantics: may the network carry a flow from workload A to port p of B?

Default allow; a pod is isolated in a direction once a policy selecting it lists that direction; policies
only allow and their union applies; a flow needs egress allowed at A and ingress allowed at B. Verdicts:
``open`` (neither side isolated), ``allowed-specific`` (every isolated side admits the peer by pod label),
``allowed-broad`` (admitted by an empty rule, a namespace selector, an empty pod selector or an ipBlock),
``denied``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from assessments.conformance.index import ClusterIndex, Reason, policy_name, source_of
from threatmodel.interchange.mesh.model import NetPeer, NetPort, NetRule, NetworkPolicy, Workload

OPEN = "open"
SPECIFIC = "allowed-specific"
BROAD = "allowed-broad"
DENIED = "denied"


@dataclass(frozen=True, slots=True)
class NetworkDecision:
    verdict: str
    reasons: tuple[Reason, ...]

    @property
    def allowed(self) -> bool:
        return self.verdict != DENIED


_OPEN = NetworkDecision(
    OPEN, (Reason("network", OPEN, "no NetworkPolicy isolates either side (Kubernetes default allow)"),)
)


class NetworkEvaluator:
    def __init__(self, index: ClusterIndex):
        self.index = index
        self.ingress_of: dict[str, list[NetworkPolicy]] = defaultdict(list)
        self.egress_of: dict[str, list[NetworkPolicy]] = defaultdict(list)
        self._reasons: dict[tuple[str, str, str, str], Reason] = {}
        for policy in index.manifests.network_policies:
            for workload in index.select(policy.namespace, policy.pod_selector):
                if "Ingress" in policy.policy_types:
                    self.ingress_of[workload.key].append(policy)
                if "Egress" in policy.policy_types:
                    self.egress_of[workload.key].append(policy)

    def selected(self, policy: NetworkPolicy) -> list[Workload]:
        return self.index.select(policy.namespace, policy.pod_selector)

    def decide(self, source: Workload, target: Workload, port: int, protocol: str = "TCP") -> NetworkDecision:
        reasons: list[Reason] = []
        verdicts = []
        for direction, policies, peer, local in (
            ("egress", self.egress_of.get(source.key, []), target, source),
            ("ingress", self.ingress_of.get(target.key, []), source, target),
        ):
            if not policies:
                continue
            found = self._admit(policies, direction, local, peer, port, target, protocol)
            if found is None:
                names = ", ".join(policy_name("NetworkPolicy", p) for p in policies)
                reasons.append(
                    Reason(
                        "network",
                        DENIED,
                        f"{local.key} is isolated for {direction}; no rule admits {peer.key} on port {port} ({names})",
                        policy_name("NetworkPolicy", policies[0]),
                        source_of(policies[0]),
                    )
                )
                return NetworkDecision(DENIED, tuple(reasons))
            verdicts.append(found[0])
            reasons.append(found[1])
        if not verdicts:
            return _OPEN
        # One side admitting the peer by pod label is enough for the pair to be specific.
        return NetworkDecision(SPECIFIC if SPECIFIC in verdicts else BROAD, tuple(reasons))

    def _admit(
        self,
        policies: list[NetworkPolicy],
        direction: str,
        local: Workload,
        peer: Workload,
        port: int,
        target: Workload,
        protocol: str,
    ) -> tuple[str, Reason] | None:
        best: tuple[str, Reason] | None = None
        for policy in policies:
            rules = policy.ingress if direction == "ingress" else policy.egress
            for rule in rules:
                verdict = self._rule(policy, rule, peer, port, target, protocol)
                if verdict is None:
                    continue
                reason = self._admit_reason(policy, direction, verdict)
                if verdict == SPECIFIC:
                    return verdict, reason
                best = best or (verdict, reason)
        return best

    def _admit_reason(self, policy: NetworkPolicy, direction: str, verdict: str) -> Reason:
        key = (policy.namespace, policy.name, direction, verdict)
        found = self._reasons.get(key)
        if found is None:
            how = "by pod label" if verdict == SPECIFIC else "broadly (empty rule, namespace, ipBlock or all pods)"
            detail = f"an {direction} rule admits the peer {how}"
            found = Reason("network", verdict, detail, policy_name("NetworkPolicy", policy), source_of(policy))
            self._reasons[key] = found
        return found

    def _rule(
        self, policy: NetworkPolicy, rule: NetRule, peer: Workload, port: int, target: Workload, protocol: str
    ) -> str | None:
        if rule.ports and not any(_port_matches(p, port, target, protocol) for p in rule.ports):
            return None
        if not rule.peers:
            return BROAD
        best = None
        for candidate in rule.peers:
            verdict = self._peer(policy, candidate, peer)
            if verdict == SPECIFIC:
                return SPECIFIC
            best = best or verdict
        return best

    def _peer(self, policy: NetworkPolicy, peer: NetPeer, workload: Workload) -> str | None:
        if peer.ip_block is not None:
            # ipBlock is meant for addresses outside the pod network; only a catch-all CIDR is taken to cover pods.
            return BROAD if peer.ip_block.cidr in ("0.0.0.0/0", "::/0") else None
        if peer.namespace_selector is not None:
            if not peer.namespace_selector.matches(self.index.namespace_labels.get(workload.namespace, {})):
                return None
        elif workload.namespace != policy.namespace:
            return None
        if peer.pod_selector is not None and not peer.pod_selector.matches(workload.label_map):
            return None
        if peer.namespace_selector is None and peer.pod_selector is not None and not peer.pod_selector.is_empty:
            return SPECIFIC
        if peer.namespace_selector is not None and peer.pod_selector is not None and not peer.pod_selector.is_empty:
            return SPECIFIC
        return BROAD


def _port_matches(rule_port: NetPort, port: int, target: Workload, protocol: str) -> bool:
    if rule_port.protocol.upper() != protocol.upper():
        return False
    if rule_port.port is None:
        return True
    if isinstance(rule_port.port, str):
        named = target.port_named(rule_port.port)
        return named is not None and named.number == port
    if rule_port.end_port is not None:
        return rule_port.port <= port <= rule_port.end_port
    return rule_port.port == port
