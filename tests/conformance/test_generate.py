"""Least-privilege policy generated from the design, checked by a dry run on the real manifests."""

from __future__ import annotations

import yaml

from assessments.conformance.generate import dry_run, generate_policies, to_yaml
from assessments.conformance.reachability import Reachability
from tests.conformance.helpers import load
from tests.conformance.test_reachability_fixtures import BOUTIQUE, BOUTIQUE_FLOWS
from threatmodel.interchange.kubernetes import ImportOptions


def _boutique_design() -> list[tuple[str, str]]:
    return [(f"onlineboutique/{a}", f"onlineboutique/{b}") for a, b in sorted(BOUTIQUE_FLOWS)]


def test_online_boutique_generated_policy_blocks_no_designed_flow_and_every_undesigned_one() -> None:
    manifests = load("online-boutique/kubernetes-manifests", options=BOUTIQUE)  # no policy of its own at all
    before = Reachability(manifests).pairs()
    assert len(before) == 132 and all(p.allowed for p in before if p.ports)  # loadgenerator listens on no port
    result = dry_run(
        manifests, _boutique_design(), observed=[("onlineboutique/loadgenerator", "onlineboutique/cartservice")]
    )
    assert result.designed_blocked == ()
    assert result.undesigned_allowed == ()  # every ordered pair (132) was evaluated
    assert result.observed_blocked == (("onlineboutique/loadgenerator", "onlineboutique/cartservice"),)


def test_the_generated_yaml_is_deterministic_and_reads_back() -> None:
    manifests = load("online-boutique/kubernetes-manifests", options=BOUTIQUE)
    documents = generate_policies(Reachability(manifests), _boutique_design())
    text = to_yaml(documents)
    assert text == to_yaml(generate_policies(Reachability(manifests), list(reversed(_boutique_design()))))
    kinds = [d["kind"] for d in yaml.safe_load_all(text)]
    assert kinds.count("NetworkPolicy") == 1 + 11 and kinds.count("AuthorizationPolicy") == 1 + 11
    cart = next(
        d for d in documents if d["kind"] == "AuthorizationPolicy" and d["metadata"]["name"] == "allow-cartservice"
    )
    assert cart["spec"]["rules"][0]["from"][0]["source"]["principals"] == [
        "cluster.local/ns/onlineboutique/sa/checkoutservice",
        "cluster.local/ns/onlineboutique/sa/frontend",
    ]


def test_linkerd_policy_for_emojivoto() -> None:
    manifests = load(
        "emojivoto-linkerd/manifests",
        namespace="emojivoto",
        options=ImportOptions(meshed_namespaces=frozenset({"emojivoto"}), mesh_provider="linkerd"),
    )
    design = [
        ("emojivoto/vote-bot", "emojivoto/web"),
        ("emojivoto/web", "emojivoto/emoji"),
        ("emojivoto/web", "emojivoto/voting"),
    ]
    result = dry_run(manifests, design)
    assert result.designed_blocked == () and result.undesigned_allowed == ()
    kinds = {d["kind"] for d in generate_policies(Reachability(manifests), design)}
    assert {"Server", "AuthorizationPolicy", "MeshTLSAuthentication", "NetworkPolicy"} <= kinds
