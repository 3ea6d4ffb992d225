"""Effective reachability and policy findings on the real demo manifests."""

from __future__ import annotations

from assessments.conformance.findings import policy_findings
from assessments.conformance.reachability import Reachability
from tests.conformance.helpers import load
from threatmodel.interchange.kubernetes import ImportOptions

BOUTIQUE = ImportOptions(default_namespace="onlineboutique", meshed_namespaces=frozenset({"onlineboutique"}))
#: The real call graph of Online Boutique (its README's architecture diagram).
BOUTIQUE_FLOWS = {
    ("frontend", "adservice"),
    ("frontend", "cartservice"),
    ("frontend", "checkoutservice"),
    ("frontend", "currencyservice"),
    ("frontend", "productcatalogservice"),
    ("frontend", "recommendationservice"),
    ("frontend", "shippingservice"),
    ("checkoutservice", "cartservice"),
    ("checkoutservice", "currencyservice"),
    ("checkoutservice", "emailservice"),
    ("checkoutservice", "paymentservice"),
    ("checkoutservice", "productcatalogservice"),
    ("checkoutservice", "shippingservice"),
    ("recommendationservice", "productcatalogservice"),
    ("cartservice", "redis-cart"),
    ("loadgenerator", "frontend"),
}


def _boutique() -> Reachability:
    return Reachability(
        load(
            "online-boutique/kubernetes-manifests",
            "online-boutique/network-policies",
            "online-boutique/asm-security",
            options=BOUTIQUE,
        )
    )


def test_sock_shop_mistakes_are_reported_with_file_and_document() -> None:
    reach = Reachability(load("sock-shop"))
    found = {(f.rule, f.policy, f.source) for f in policy_findings(reach.index)}
    assert (
        "netpol-selects-nothing",
        "NetworkPolicy sock-shop/cart-access",
        "sock-shop/manifests-policy/netpol-cart-access.yaml#1",
    ) in found
    assert ("netpol-legacy-annotation", "Namespace sock-shop", "sock-shop/complete-demo.yaml#1") in found
    assert (
        "netpol-peer-selects-nothing",
        "NetworkPolicy sock-shop/carts-db-access",
        "sock-shop/manifests-policy/netpol-cart-db-access.yaml#1",
    ) in found


def test_sock_shop_flows_the_mistakes_block_show_as_blocked_by_the_network() -> None:
    reach = Reachability(load("sock-shop"))
    for source, target in [
        ("front-end", "carts"),
        ("orders", "carts"),
        ("front-end", "session-db"),
        ("carts", "carts-db"),
    ]:
        pair = reach.decide(f"sock-shop/{source}", f"sock-shop/{target}")
        assert not pair.allowed and pair.blocked_by == "network", (source, target)
        assert any("NetworkPolicy sock-shop/cortex-access" in r.detail for r in pair.ports[0].reasons)
    for source, target in [
        ("front-end", "catalogue"),
        ("orders", "orders-db"),
        ("front-end", "user"),
        ("shipping", "rabbitmq"),
    ]:
        pair = reach.decide(f"sock-shop/{source}", f"sock-shop/{target}")
        assert pair.allowed and pair.allowed_ports[0].network == "allowed-specific", (source, target)
    # egress is never isolated and nothing is meshed: the allowed flows are plaintext with no caller identity
    assert not reach.decide("sock-shop/front-end", "sock-shop/catalogue").caller_authenticated


def test_online_boutique_allows_exactly_its_call_graph_least_privilege_except_the_public_frontend() -> None:
    reach = _boutique()
    names = {w.name for w in reach.workloads.values()}
    allowed = {(p.source.split("/")[1], p.target.split("/")[1]) for p in reach.pairs() if p.allowed}
    assert allowed - {(s, "frontend") for s in names} == BOUTIQUE_FLOWS - {("loadgenerator", "frontend")}
    assert ("loadgenerator", "frontend") in allowed
    for source, target in BOUTIQUE_FLOWS - {("loadgenerator", "frontend")}:
        pair = reach.decide(f"onlineboutique/{source}", f"onlineboutique/{target}")
        assert pair.mtls and pair.caller_authenticated and pair.authz == "least-privilege", (source, target)
        assert pair.allowed_ports[0].network == "allowed-specific"
    front = reach.decide("onlineboutique/loadgenerator", "onlineboutique/frontend")
    assert front.authz == "allow-all"  # principals ["*"] until the ingress-gateway patch narrows it
    blocked = reach.decide("onlineboutique/loadgenerator", "onlineboutique/cartservice")
    assert blocked.blocked_by == "network"
    layers = {(r.layer, r.verdict, r.policy) for r in blocked.ports[0].reasons}
    assert ("authz", "denied", "AuthorizationPolicy onlineboutique/cartservice") in layers


def test_online_boutique_without_the_mesh_policies_is_still_segmented_by_network_policy() -> None:
    reach = Reachability(
        load("online-boutique/kubernetes-manifests", "online-boutique/network-policies", options=BOUTIQUE)
    )
    pair = reach.decide("onlineboutique/adservice", "onlineboutique/cartservice")
    assert not pair.allowed and pair.blocked_by == "network"
    assert reach.decide("onlineboutique/frontend", "onlineboutique/cartservice").authz == "no-policy"


def test_emojivoto_linkerd_policies() -> None:
    reach = Reachability(
        load(
            "emojivoto-linkerd/manifests",
            "emojivoto-linkerd/policy",
            namespace="emojivoto",
            options=ImportOptions(meshed_namespaces=frozenset({"emojivoto"}), mesh_provider="linkerd"),
        )
    )
    voting = {p.port: p for p in reach.decide("emojivoto/web", "emojivoto/voting").ports}
    assert voting[8080].allowed and voting[8080].authz == "least-privilege" and voting[8080].transport == "mtls"
    assert not reach.decide("emojivoto/vote-bot", "emojivoto/voting").ports[0].allowed  # only ServiceAccount web
    web = reach.decide("emojivoto/vote-bot", "emojivoto/web").ports[0]
    assert web.allowed and web.authz == "allow-all"  # unauthenticated from 0.0.0.0/0 and ::/0
    # the emoji wildcard names the upstream test namespace, so nothing in emojivoto may call its gRPC port
    emoji = {p.port: p for p in reach.decide("emojivoto/web", "emojivoto/emoji").ports}
    assert not emoji[8080].allowed and emoji[8801].allowed  # the admin port falls back to the default policy
    rules = {f.rule for f in policy_findings(reach.index)}
    assert "linkerd-identity-unknown-namespace" in rules


def test_bookinfo_authz_http_task_end_state() -> None:
    reach = Reachability(
        load(
            "bookinfo/platform/kube",
            "bookinfo/security",
            "bookinfo/networking/destination-rule-all-mtls.yaml",
            options=ImportOptions(meshed_namespaces=frozenset({"default"})),
        )
    )
    assert reach.decide("default/productpage-v1", "default/details-v1").authz == "least-privilege"
    assert reach.decide("default/reviews-v2", "default/ratings-v1").allowed
    assert not reach.decide("default/details-v1", "default/ratings-v1").allowed
    assert not reach.decide("default/productpage-v1", "default/ratings-v1").allowed
    assert reach.decide("default/ratings-v1", "default/productpage-v1").authz == "allow-all"  # GET from anyone
    denied = reach.decide("default/ratings-v1", "default/details-v1").ports[0]
    assert any(r.policy == "AuthorizationPolicy default/details-viewer" for r in denied.reasons)
    rules = {(f.rule, f.policy) for f in policy_findings(reach.index)}
    assert ("mesh-selects-nothing", "AuthorizationPolicy default/bookinfo-gateway-viewer") in rules
    assert ("authz-allow-any-source", "AuthorizationPolicy default/productpage-viewer") in rules
    dr = reach.decide("default/ratings-v1", "default/productpage-v1").ports[0]
    assert any(r.policy == "DestinationRule default/productpage" and r.verdict == "ISTIO_MUTUAL" for r in dr.reasons)


def test_the_graph_carries_decisions_and_is_deterministic() -> None:
    first, second = _boutique().graph(), _boutique().graph()
    assert list(first.edges) == list(second.edges)
    edge = first.edges["onlineboutique/frontend", "onlineboutique/cartservice"]
    assert edge["authz"] == "least-privilege" and edge["mtls"]


def test_a_deny_policy_naming_no_known_identity_protects_nothing() -> None:
    from threatmodel.interchange.kubernetes import ManifestFile, read_manifests

    deny = (
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: block-legacy, namespace: foo}\n"
        "spec:\n  action: DENY\n  rules:\n  - from:\n    - source: {principals: [cluster.local/ns/legacy/sa/slep]}\n"
        "---\napiVersion: security.istio.io/v1\nkind: "
        "AuthorizationPolicy\nmetadata: {name: block-bar, namespace: foo}\n"
        "spec:\n  action: DENY\n  rules:\n  - from:\n    - source: {namespaces: [bar]}\n"
    )
    from tests.conformance.helpers import files

    manifests = read_manifests(
        [
            *files("istio-authn-task/workloads", namespace="foo"),
            *files("istio-authn-task/workloads", namespace="bar"),
            ManifestFile("deny.yaml", deny.encode()),
        ],
        ImportOptions(meshed_namespaces=frozenset({"foo", "bar"})),
    )
    reach = Reachability(manifests)
    found = {(f.rule, f.policy) for f in policy_findings(reach.index)}
    assert ("authz-deny-matches-nothing", "AuthorizationPolicy foo/block-legacy") in found
    assert ("authz-deny-matches-nothing", "AuthorizationPolicy foo/block-bar") not in found
    assert not reach.decide("bar/sleep", "foo/httpbin").allowed  # the working DENY does deny
    assert reach.decide("foo/sleep", "foo/httpbin").allowed
