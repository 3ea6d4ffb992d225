"""Istio semantics: effective PeerAuthentication mode, client TLS from DestinationRules, the transport of a
workload pair, and AuthorizationPolicy / RequestAuthentication evaluation for a pair or a concrete request.

Matching is three-valued (``NONE`` < ``SOME`` < ``ALL``) so that a static question ("may A call B at
all?") and a concrete request (the task's curl calls) use the same code: a field whose request value is
unknown (method, path, token) matches SOME requests.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from dataclasses import dataclass

from assessments.conformance.index import ClusterIndex, Reason, Target, policy_name, source_of
from threatmodel.interchange.mesh.model import (
    AuthorizationPolicy,
    AuthzRule,
    DestinationRule,
    Match,
    PeerAuthentication,
    RequestAuthentication,
    Workload,
)
from threatmodel.vocabulary import MeshMode

NONE, SOME, ALL = 0, 1, 2
HTTP_ONLY = {"methods", "paths", "hosts", "requestPrincipals"}
MTLS_FIELDS = {"principals", "namespaces", "serviceAccounts", "trustDomains"}
MTLS_KEYS = {"source.principal", "source.namespace", "connection.sni"}

MTLS, PLAINTEXT, TLS, REFUSED = "mtls", "plaintext", "tls", "refused"


@dataclass(frozen=True, slots=True)
class Request:
    """What the server sees of one request; None = not known statically (matches SOME requests)."""

    principal: str | None  # peer principal ("cluster.local/ns/foo/sa/sleep"), None when plaintext
    port: int
    protocol: str = "unknown"
    token: str | None = None  # none | valid | invalid; None = unknown
    request_principal: str | None = None  # "<iss>/<sub>" of a valid token
    method: str | None = None
    path: str | None = None
    host: str | None = None
    ip: str | None = None


@dataclass(frozen=True, slots=True)
class Transport:
    mode: str  # mtls | plaintext | tls | refused
    server_mode: str  # effective PeerAuthentication mode at the port
    enforced: bool  # STRICT (or ambient): plaintext is refused
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class AuthzDecision:
    allowed: bool
    kind: str  # no-policy | allow-all | broad | least-privilege | denied | not-enforced | unauthenticated
    status: int  # HTTP status a client would see: 200, 401, 403
    reasons: tuple[Reason, ...]
    admitted_by: tuple[str, ...] = ()  # policy names


class IstioEvaluator:
    def __init__(self, index: ClusterIndex):
        self.index = index
        self.root = index.root_namespace
        manifests = index.manifests
        self.pa_by_ns: dict[str, list[PeerAuthentication]] = defaultdict(list)
        for pa in manifests.peer_authentications:
            self.pa_by_ns[pa.namespace].append(pa)
        self.ap_cache: dict[str, list[AuthorizationPolicy]] = {}
        self.ra_cache: dict[str, list[RequestAuthentication]] = {}
        self.dr_by_ns: dict[str, list[DestinationRule]] = defaultdict(list)
        for dr in manifests.destination_rules:
            self.dr_by_ns[dr.namespace].append(dr)
        self.selective_dr_namespaces = {dr.namespace for dr in manifests.destination_rules if dr.workload_selector}
        self.ap_by_ns: dict[str, list[AuthorizationPolicy]] = defaultdict(list)
        for ap in manifests.authorization_policies:
            self.ap_by_ns[ap.namespace].append(ap)
        self.ra_by_ns: dict[str, list[RequestAuthentication]] = defaultdict(list)
        for ra in manifests.request_authentications:
            self.ra_by_ns[ra.namespace].append(ra)
        self._mode_cache: dict[tuple[str, int], tuple[str, Reason]] = {}
        self._client_cache: dict[tuple[str, str, str, int | None], tuple[str | None, Reason | None]] = {}
        self._transport_cache: dict[tuple[str, str, str, int, str, int | None], Transport] = {}
        self._authz_cache: dict[tuple[str, str | None, int, str], AuthzDecision] = {}

    # -- PeerAuthentication ----------------------------------------------------------------------
    def server_mode(self, workload: Workload, port: int) -> tuple[str, Reason]:
        """Most specific wins: port level > workload > namespace > mesh (root namespace) > PERMISSIVE."""
        key = (workload.key, port)
        found = self._mode_cache.get(key)
        if found is None:
            found = self._mode_cache[key] = self._server_mode(workload, port)
        return found

    def _server_mode(self, workload: Workload, port: int) -> tuple[str, Reason]:
        labels = workload.label_map
        own = self.pa_by_ns.get(workload.namespace, [])
        selected = [pa for pa in own if pa.selector is not None and pa.selector.matches(labels)]
        for pa in sorted(selected, key=lambda p: p.name):
            port_mode = dict(pa.port_modes).get(port)
            if port_mode and port_mode != "UNSET":
                return port_mode, _pa_reason(pa, port_mode, f"port-level mode for port {port}")
            if pa.mode != "UNSET":
                return pa.mode, _pa_reason(pa, pa.mode, f"workload-level mode for {workload.key}")
        for scope, namespace in (("namespace", workload.namespace), ("mesh", self.root)):
            for pa in sorted(self.pa_by_ns.get(namespace, []), key=lambda p: p.name):
                if pa.selector is None and pa.mode != "UNSET":
                    return pa.mode, _pa_reason(pa, pa.mode, f"{scope}-wide mode")
        return "PERMISSIVE", Reason(
            "transport", "PERMISSIVE", "no PeerAuthentication applies: Istio's default is PERMISSIVE"
        )

    def client_mode(
        self, client: Workload, target_ns: str, service: str, service_port: int | None
    ) -> tuple[str | None, Reason | None]:
        """TLS mode of the client's DestinationRule for the service (None = auto mTLS)."""
        # DestinationRules depend on the client only through its namespace, unless one selects workloads there.
        scope = client.key if client.namespace in self.selective_dr_namespaces else client.namespace
        key = (scope, target_ns, service, service_port)
        found = self._client_cache.get(key)
        if found is None:
            found = self._client_cache[key] = self._client_mode(client, target_ns, service, service_port)
        return found

    def _client_mode(
        self, client: Workload, target_ns: str, service: str, service_port: int | None
    ) -> tuple[str | None, Reason | None]:
        if not service:
            return None, None
        name = service.split("/", 1)[1]
        fqdn = f"{name}.{target_ns}.svc.{self.index.trust_domain}"
        best: tuple[int, DestinationRule] | None = None
        for namespace in (client.namespace, target_ns, self.root):
            for dr in self.dr_by_ns.get(namespace, []):
                if dr.workload_selector is not None and not (
                    dr.namespace == client.namespace and dr.workload_selector.matches(client.label_map)
                ):
                    continue
                score = _host_score(dr.host, dr.namespace, fqdn, self.index.trust_domain)
                if score and (best is None or score > best[0]):
                    best = (score, dr)
            if best is not None:
                break
        if best is None:
            return None, None
        dr = best[1]
        mode = dict(dr.port_modes).get(service_port) if service_port is not None else None
        mode = mode or dr.mode
        if mode is None:
            return None, None
        return mode, Reason(
            "transport", mode, f"client TLS mode for host {dr.host}", policy_name("DestinationRule", dr), source_of(dr)
        )

    def transport(self, client: Workload, server: Workload, target: Target) -> Transport:
        client_mode, dr_reason = self.client_mode(client, server.namespace, target.service, target.service_port)
        key = (client.mesh.value, client_mode or "", server.key, target.port, target.service, target.service_port)
        found = self._transport_cache.get(key)
        if found is None:
            found = self._transport_cache[key] = self._transport(client, server, target, client_mode, dr_reason)
        return found

    def _transport(
        self, client: Workload, server: Workload, target: Target, client_mode: str | None, dr_reason: Reason | None
    ) -> Transport:
        reasons: list[Reason] = []
        if dr_reason:
            reasons.append(dr_reason)
        if server.mesh is MeshMode.NONE:
            mode = TLS if client_mode in ("SIMPLE", "MUTUAL") else PLAINTEXT
            reasons.append(Reason("transport", mode, f"{server.key} has no sidecar: no mesh mTLS, no peer identity"))
            return Transport(mode, "NONE", False, tuple(reasons))
        server_mode, pa_reason = self.server_mode(server, target.port)
        reasons.append(pa_reason)
        ambient = server.mesh is MeshMode.AMBIENT
        enforced = server_mode == "STRICT"
        if client.mesh is MeshMode.NONE:
            if enforced:
                reasons.append(
                    Reason("transport", REFUSED, "the caller has no sidecar and sends plaintext; the port is STRICT")
                )
                return Transport(REFUSED, server_mode, True, tuple(reasons))
            reasons.append(
                Reason("transport", PLAINTEXT, f"the caller has no sidecar: plaintext accepted by a {server_mode} port")
            )
            return Transport(PLAINTEXT, server_mode, False, tuple(reasons))
        if ambient:
            reasons.append(Reason("transport", MTLS, "ambient: ztunnel always uses mTLS (HBONE) between meshed pods"))
            return Transport(MTLS, server_mode, True, tuple(reasons))
        return self._meshed_pair(client_mode, server_mode, enforced, reasons)

    @staticmethod
    def _meshed_pair(client_mode: str | None, server_mode: str, enforced: bool, reasons: list[Reason]) -> Transport:
        if client_mode in (None, "ISTIO_MUTUAL"):
            if server_mode == "DISABLE":
                if client_mode == "ISTIO_MUTUAL":
                    reasons.append(
                        Reason("transport", REFUSED, "the client forces ISTIO_MUTUAL but the port has mTLS DISABLE")
                    )
                    return Transport(REFUSED, server_mode, False, tuple(reasons))
                reasons.append(Reason("transport", PLAINTEXT, "auto mTLS sends plaintext to a port with mTLS DISABLE"))
                return Transport(PLAINTEXT, server_mode, False, tuple(reasons))
            how = "auto mTLS" if client_mode is None else "DestinationRule ISTIO_MUTUAL"
            reasons.append(Reason("transport", MTLS, f"{how}: both sides have sidecars"))
            return Transport(MTLS, server_mode, enforced, tuple(reasons))
        if enforced:
            reasons.append(
                Reason(
                    "transport",
                    REFUSED,
                    f"the client's DestinationRule says {client_mode}; the port requires Istio mTLS (STRICT)",
                )
            )
            return Transport(REFUSED, server_mode, True, tuple(reasons))
        mode = PLAINTEXT if client_mode == "DISABLE" else TLS
        reasons.append(Reason("transport", mode, f"the client's DestinationRule says {client_mode}"))
        return Transport(mode, server_mode, False, tuple(reasons))

    # -- AuthorizationPolicy ---------------------------------------------------------------------
    def policies_for(self, workload: Workload) -> list[AuthorizationPolicy]:
        cached = self.ap_cache.get(workload.key)
        if cached is None:
            candidates = self.ap_by_ns.get(workload.namespace, []) + (
                self.ap_by_ns.get(self.root, []) if workload.namespace != self.root else []
            )
            cached = [p for p in candidates if self._applies(p, workload)]
            self.ap_cache[workload.key] = cached
        return cached

    def request_authentications_for(self, workload: Workload) -> list[RequestAuthentication]:
        cached = self.ra_cache.get(workload.key)
        if cached is None:
            candidates = self.ra_by_ns.get(workload.namespace, []) + (
                self.ra_by_ns.get(self.root, []) if workload.namespace != self.root else []
            )
            cached = [p for p in candidates if self._applies(p, workload)]
            self.ra_cache[workload.key] = cached
        return cached

    def _applies(self, policy: AuthorizationPolicy | RequestAuthentication, workload: Workload) -> bool:
        if getattr(policy, "target_refs", ()):
            return False  # waypoint / gateway policies do not bind sidecars
        if policy.namespace not in (workload.namespace, self.root):
            return False
        return policy.selector is None or policy.selector.matches(workload.label_map)

    def authorize(self, server: Workload, request: Request) -> AuthzDecision:
        """CUSTOM -> DENY -> (no ALLOW policy: allow) -> ALLOW match: allow -> deny. AUDIT never decides."""
        static = request.token is None and request.method is None and request.path is None and request.host is None
        if not static or request.ip is not None:
            return self._authorize(server, request)
        # A static question depends on the caller only through its principal: one answer per principal, or one
        # for every caller when no policy binds the workload.
        bound = bool(self.policies_for(server) or self.request_authentications_for(server))
        key = (server.key, request.principal if bound else "*", request.port, request.protocol)
        found = self._authz_cache.get(key)
        if found is None:
            found = self._authz_cache[key] = self._authorize(server, request)
        return found

    def _authorize(self, server: Workload, request: Request) -> AuthzDecision:
        if server.mesh is MeshMode.NONE:
            return AuthzDecision(
                True,
                "not-enforced",
                200,
                (Reason("authz", "not-enforced", f"{server.key} has no sidecar: policies are not enforced"),),
            )
        reasons: list[Reason] = []
        jwt = self._request_authentication(server, request, reasons)
        if jwt is not None:
            return jwt
        policies = self.policies_for(server)
        for policy in policies:
            if policy.action == "CUSTOM" and self._policy_match(policy, request) > NONE:
                reasons.append(
                    Reason(
                        "authz",
                        "custom",
                        f"delegated to provider {policy.provider!r}",
                        policy_name("AuthorizationPolicy", policy),
                        source_of(policy),
                    )
                )
        for policy in policies:
            if policy.action != "DENY":
                continue
            match = self._policy_match(policy, request)
            if match == ALL:
                reasons.append(
                    Reason(
                        "authz",
                        "denied",
                        "a DENY rule matches",
                        policy_name("AuthorizationPolicy", policy),
                        source_of(policy),
                    )
                )
                return AuthzDecision(False, "denied", 403, tuple(reasons))
            if match == SOME:
                reasons.append(
                    Reason(
                        "authz",
                        "partly-denied",
                        "a DENY rule matches some requests",
                        policy_name("AuthorizationPolicy", policy),
                        source_of(policy),
                    )
                )
        allows = [p for p in policies if p.action == "ALLOW"]
        if not allows:
            reasons.append(
                Reason("authz", "no-policy", "no ALLOW policy selects the workload: everything not denied is allowed")
            )
            return AuthzDecision(True, "no-policy", 200, tuple(reasons))
        return self._allow(allows, request, reasons)

    def _allow(self, allows: list[AuthorizationPolicy], request: Request, reasons: list[Reason]) -> AuthzDecision:
        admitted: list[tuple[AuthorizationPolicy, AuthzRule, int]] = []
        for policy in allows:
            for rule in policy.rules:
                match = self._rule_match(rule, request, deny=False)
                if match > NONE:
                    admitted.append((policy, rule, match))
        if not admitted:
            with_rules = [p for p in allows if p.rules]
            listed = ", ".join(policy_name("AuthorizationPolicy", p) for p in allows)
            if with_rules:
                detail, culprit = f"no ALLOW rule admits the caller ({listed})", with_rules[0]
            else:
                detail, culprit = "an ALLOW policy with no rules allows nothing", allows[0]
            reasons.append(
                Reason("authz", "denied", detail, policy_name("AuthorizationPolicy", culprit), source_of(culprit))
            )
            return AuthzDecision(False, "denied", 403, tuple(reasons))
        kind = max((_breadth(rule) for _, rule, _ in admitted), key=_BREADTH_ORDER.index)
        names = tuple(sorted({policy_name("AuthorizationPolicy", p) for p, _, _ in admitted}))
        for policy, _rule, match in admitted:
            scope = "all" if match == ALL else "some"
            reasons.append(
                Reason(
                    "authz",
                    kind,
                    f"an ALLOW rule admits {scope} requests of the caller",
                    policy_name("AuthorizationPolicy", policy),
                    source_of(policy),
                )
            )
        return AuthzDecision(True, kind, 200, tuple(reasons), names)

    def _request_authentication(
        self, server: Workload, request: Request, reasons: list[Reason]
    ) -> AuthzDecision | None:
        for ra in self.request_authentications_for(server):
            reasons.append(
                Reason(
                    "authz",
                    "jwt",
                    f"validates tokens from {', '.join(ra.issuers)}; a request without a token passes with no identity",
                    policy_name("RequestAuthentication", ra),
                    source_of(ra),
                )
            )
            if request.token == "invalid":
                return AuthzDecision(False, "unauthenticated", 401, tuple(reasons))
        return None

    def _policy_match(self, policy: AuthorizationPolicy, request: Request) -> int:
        return max(
            (self._rule_match(rule, request, deny=policy.action == "DENY") for rule in policy.rules), default=NONE
        )

    def _rule_match(self, rule: AuthzRule, request: Request, deny: bool) -> int:
        tcp = request.protocol == "tcp"
        source = max((self._fields(s, request, tcp, deny) for s in rule.sources), default=ALL) if rule.sources else ALL
        operation = (
            max((self._fields(o, request, tcp, deny) for o in rule.operations), default=ALL) if rule.operations else ALL
        )
        conditions = min((self._condition(c, request) for c in rule.conditions), default=ALL)
        return min(source, operation, conditions)

    def _fields(self, matches: tuple[Match, ...], request: Request, tcp: bool, deny: bool) -> int:
        result = ALL
        for match in matches:
            if tcp and match.field in HTTP_ONLY:
                if deny:
                    continue  # Istio drops HTTP-only fields of a DENY rule on TCP: the rest matches (over-deny)
                return NONE  # and an ALLOW rule with them never matches TCP
            result = min(result, self._field(match, request))
        return result

    def _field(self, match: Match, request: Request) -> int:
        values = self._values(match.field, request)
        if values is None:
            return SOME
        test = _in_cidr if match.field in ("ipBlocks", "remoteIpBlocks") else _glob
        positive = ALL if not match.values or any(test(p, v) for p in match.values for v in values) else NONE
        if match.not_values and any(test(p, v) for p in match.not_values for v in values):
            return NONE
        if match.field in MTLS_FIELDS and not values:
            return NONE  # needs a peer identity; plaintext never matches, not even a not* field
        if match.field == "requestPrincipals" and not values and match.values:
            return NONE
        return positive

    def _values(self, name: str, request: Request) -> list[str] | None:
        principal = request.principal
        if name == "principals":
            return [principal] if principal else []
        if name in ("namespaces", "serviceAccounts", "trustDomains"):
            if not principal:
                return []
            domain, _, rest = principal.partition("/ns/")
            namespace, _, account = rest.partition("/sa/")
            return [
                {"namespaces": namespace, "serviceAccounts": f"{namespace}/{account}", "trustDomains": domain}[name]
            ]
        if name == "requestPrincipals":
            if request.token is None:
                return None
            return [request.request_principal] if request.token == "valid" and request.request_principal else []
        if name == "ports":
            return [str(request.port)]
        attribute = {
            "methods": request.method,
            "paths": request.path,
            "hosts": request.host,
            "ipBlocks": request.ip,
            "remoteIpBlocks": request.ip,
        }[name]
        if attribute is None:
            return None
        if name in ("ipBlocks", "remoteIpBlocks"):
            return [attribute]
        return [attribute]

    def _condition(self, condition: Match, request: Request) -> int:
        known = {
            "source.principal": request.principal,
            "source.namespace": _namespace_of(request.principal),
            "destination.port": str(request.port),
        }
        if condition.field not in known:
            return SOME
        value = known[condition.field]
        if value is None:
            return NONE
        if condition.values and not any(_glob(p, value) for p in condition.values):
            return NONE
        if condition.not_values and any(_glob(p, value) for p in condition.not_values):
            return NONE
        return ALL


_BREADTH_ORDER = ["least-privilege", "broad", "allow-all"]


def _breadth(rule: AuthzRule) -> str:
    """allow-all: any source; broad: namespaces, wildcards, trust domains, IPs; least-privilege: exact principals."""
    if not rule.sources:
        return "allow-all"
    result = "least-privilege"
    for source in rule.sources:
        positives = [m for m in source if m.values]
        if not positives:
            return "allow-all"
        if any(v == "*" for m in positives for v in m.values):
            return "allow-all"
        exact = all(
            m.field in ("principals", "serviceAccounts") and not any("*" in v for v in m.values) for m in positives
        )
        if not exact:
            result = "broad"
    return result


def glob_match(pattern: str, value: str) -> bool:
    """Istio's string match: exact, ``prefix*``, ``*suffix`` or ``*`` (any non-empty value)."""
    return _glob(pattern, value)


def _glob(pattern: str, value: str) -> bool:
    if pattern == "*":
        return bool(value)
    if pattern.endswith("*"):
        return value.startswith(pattern[:-1])
    if pattern.startswith("*"):
        return value.endswith(pattern[1:])
    return pattern == value


def _in_cidr(pattern: str, value: str) -> bool:
    if "/" not in pattern:
        return pattern == value
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(pattern, strict=False)
    except ValueError:
        return False


def _namespace_of(principal: str | None) -> str | None:
    if not principal or "/ns/" not in principal:
        return None
    return principal.split("/ns/", 1)[1].split("/", 1)[0]


def _host_score(host: str, dr_namespace: str, fqdn: str, trust_domain: str) -> int:
    """How specifically a DestinationRule host names the service: 3 exact, 2 wildcard, 1 '*', 0 no match."""
    name, namespace = fqdn.split(".")[0], fqdn.split(".")[1]
    if host in (fqdn, f"{name}.{namespace}") or (host == name and dr_namespace == namespace):
        return 3
    if host.startswith("*.") and fqdn.endswith(host[1:]):
        return 2
    if host == "*":
        return 1
    return 0


def _pa_reason(pa: PeerAuthentication, mode: str, detail: str) -> Reason:
    return Reason("transport", mode, detail, policy_name("PeerAuthentication", pa), source_of(pa))
