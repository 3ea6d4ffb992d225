"""The Istio "Authentication Policy" task's recorded results are the oracle: every pair of every step."""

from __future__ import annotations

import pytest
import yaml

from assessments.conformance.reachability import Reachability
from tests.conformance.helpers import AUTHN, authn_task

EXPECTED = yaml.safe_load((AUTHN / "expected-reachability.yaml").read_text())
NAMESPACES = ("foo", "bar", "legacy")
#: expected-reachability key -> the policy steps in force (the task keeps namespace-strict for later parts).
STEPS = {
    "mesh-strict": ("mesh-strict",),
    "namespace-strict": ("namespace-strict",),
    "workload-strict": ("namespace-strict", "workload-strict"),
    "workload-strict-port80-disable": ("namespace-strict", "workload-strict-port80-disable"),
    "precedence-workload-disable-over-namespace-strict": (
        "namespace-strict",
        "precedence-workload-disable-over-namespace-strict",
    ),
}


def _status(reach: Reachability, source_ns: str, target_ns: str) -> str:
    status, _ = reach.request(f"{source_ns}/sleep", f"{target_ns}/httpbin")
    return f"{status:03d}"


def test_baseline_every_pair_reachable_and_auto_mtls_only_between_sidecars() -> None:
    reach = Reachability(authn_task())
    assert EXPECTED["baseline_no_policies"]["all_pairs"] == "200"
    for source in NAMESPACES:
        for target in NAMESPACES:
            assert _status(reach, source, target) == "200", (source, target)
            pair = reach.decide(f"{source}/sleep", f"{target}/httpbin")
            # the notes: foo -> foo carries the client certificate (auto mTLS); foo -> legacy is plaintext
            assert pair.mtls is (source != "legacy" and target != "legacy")
    principal_reason = reach.decide("foo/sleep", "foo/httpbin").ports[0]
    assert principal_reason.caller_authenticated and not principal_reason.enforced


@pytest.mark.parametrize("step", sorted(STEPS))
def test_every_recorded_pair_matches(step: str) -> None:
    reach = Reachability(authn_task(*STEPS[step]))
    expected = EXPECTED[step]
    assert expected, step
    for pair, code in expected.items():
        source, target = (p.strip() for p in pair.split("->"))
        source_ns, target_ns = source.split(".")[1], target.split(".")[1]
        assert _status(reach, source_ns, target_ns) == code, (step, pair)


def test_refusals_name_the_peer_authentication_that_decided() -> None:
    reach = Reachability(authn_task("namespace-strict", "workload-strict-port80-disable"))
    refused = reach.decide("legacy/sleep", "foo/httpbin").ports[0]
    assert refused.transport == "refused"
    assert any(r.policy == "PeerAuthentication foo/default" and r.verdict == "STRICT" for r in refused.reasons)
    port80 = reach.decide("legacy/sleep", "bar/httpbin").ports[0]
    assert port80.port == 80 and port80.service == "bar/httpbin" and port80.transport == "plaintext"
    assert any(
        "port-level mode for port 80" in r.detail and r.policy == "PeerAuthentication bar/httpbin"
        for r in port80.reasons
    )


def _through_gateway(steps: tuple[str, ...], token: str, path: str = "/headers") -> str:
    reach = Reachability(authn_task("namespace-strict", *steps))
    gateway = reach.workloads["istio-system/istio-ingressgateway"]
    principal = "testing@secure.istio.io/testing@secure.istio.io" if token == "valid" else None
    from assessments.conformance.istio import Request

    at_gateway = reach.istio.authorize(
        gateway,
        Request(
            principal=None,
            port=8080,
            protocol="http",
            token=token,
            request_principal=principal,
            path=path,
            method="GET",
        ),
    )
    if at_gateway.status != 200:
        return str(at_gateway.status)
    status, _ = reach.request("istio-system/istio-ingressgateway", "foo/httpbin", method="GET", path=path)
    return f"{status:03d}"


@pytest.mark.parametrize(
    ("steps", "case", "token", "path"),
    [
        (("enduser-jwt",), "no_token", "none", "/headers"),
        (("enduser-jwt",), "invalid_token", "invalid", "/headers"),
        (("enduser-jwt",), "valid_token", "valid", "/headers"),
        (("enduser-jwt",), "expired_token", "invalid", "/headers"),
        (("enduser-jwt", "require-valid-token"), "no_token", "none", "/headers"),
        (("enduser-jwt", "require-valid-token-per-path"), "no_token_path_/headers", "none", "/headers"),
        (("enduser-jwt", "require-valid-token-per-path"), "no_token_path_/ip", "none", "/ip"),
    ],
)
def test_ingress_gateway_jwt_cases(steps: tuple[str, ...], case: str, token: str, path: str) -> None:
    expected = EXPECTED["ingress_gateway_jwt"][steps[-1]][case]
    assert _through_gateway(steps, token, path) == expected


def test_gateway_to_strict_foo_is_mtls_because_the_gateway_has_a_sidecar() -> None:
    reach = Reachability(authn_task("namespace-strict"))
    pair = reach.decide("istio-system/istio-ingressgateway", "foo/httpbin")
    assert pair.allowed and pair.mtls and pair.ports[0].enforced
