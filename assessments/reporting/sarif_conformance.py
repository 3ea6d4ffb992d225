"""SARIF 2.1.0 run of a conformance check (pure Python): the policy mistakes and the pairs whose designed,
allowed and observed states disagree, each with a physical location in the manifest files.

* A policy finding points at the manifest document of the object it is about (its file and the line the
  document starts at, from ``ManifestSet.source_lines``).
* A pair points at the policy whose decision made it what it is (the NetworkPolicy or AuthorizationPolicy
  that blocks a designed flow, the one that lets an undesigned flow through), else at the target workload's
  own manifest (its Deployment, StatefulSet...). A pair that involves no manifest object (both sides
  unknown to the manifests) points at line 1 of the first file: code scanning refuses results without one.
* ``partialFingerprints`` are stable across runs (rule, object or pair, message), results are in a fixed order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from assessments.conformance.findings import PolicyFinding
from assessments.conformance.threeway import ConformanceReport, Verdict
from assessments.reporting.sarif import LEVELS, SARIF_SCHEMA_URI, SECURITY_SEVERITY

FINGERPRINT_KEY = "trustmapConformance/v1"

POLICY_RULES: dict[str, str] = {
    "netpol-selects-nothing": "A NetworkPolicy's podSelector matches no pod",
    "netpol-peer-selects-nothing": "A NetworkPolicy peer's podSelector matches no pod",
    "netpol-legacy-annotation": "A namespace relies on the obsolete default-deny annotation Kubernetes ignores",
    "mesh-selects-nothing": "A mesh policy's selector matches no workload",
    "authz-allow-any-source": "An ALLOW AuthorizationPolicy admits every caller",
    "authz-deny-matches-nothing": "A DENY AuthorizationPolicy can match no caller",
    "authz-not-enforced": "An AuthorizationPolicy selects a workload without a sidecar",
    "KIA0101": "An AuthorizationPolicy principal names a namespace the manifests do not have",
    "KIA0105": "An AuthorizationPolicy identity field needs mTLS the workload does not enforce",
    "KIA0106": "An AuthorizationPolicy principal names a ServiceAccount that does not exist",
    "mtls-permissive-restricted": "PERMISSIVE mTLS where restricted data is handled",
    "linkerd-identity-unknown-namespace": "A Linkerd authorization names an identity of an unknown namespace",
    "linkerd-unknown-server": "A Linkerd authorization targets a Server that does not exist",
}
#: Pair categories worth a result (conforming and designed-allowed pairs are not findings), with the level.
PAIR_RULES: dict[str, tuple[str, str]] = {
    "designed-but-blocked": ("A designed flow is blocked by policy", "high"),
    "designed-mtls-observed-plaintext": ("A flow designed as mTLS is observed in plaintext", "high"),
    "designed-mtls-not-enforced": ("A flow designed as mTLS is not forced to use it", "medium"),
    "designed-authenticated-caller-unknown": ("A flow designed as authenticated arrives anonymously", "medium"),
    "shadow-dependency": ("Traffic observed that the design does not have (shadow dependency)", "medium"),
    "over-permissive": ("Policy allows a flow the design does not have (over-permissive)", "low"),
    "designed-allowed-unused": ("A designed and allowed flow is never observed", "info"),
}  # fmt: skip
PAIR_PREFIX = "conformance/"


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def _location(uri: str, line: int, logical: str, kind: str) -> dict[str, Any]:
    return {
        "physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": max(line, 1)}},
        "logicalLocations": [{"fullyQualifiedName": logical, "kind": kind}],
    }


class _Where:
    """``file#document`` -> (artifact URI, line)."""

    def __init__(self, lines: Mapping[str, int], uri_of: Callable[[str], str], fallback: str):
        self.lines = lines
        self.uri_of = uri_of
        self.fallback = fallback

    def __call__(self, source: str) -> tuple[str, int] | None:
        if not source or "#" not in source:
            return None
        file = source.rsplit("#", 1)[0]
        return self.uri_of(file), self.lines.get(source, 1)

    def first_file(self) -> tuple[str, int]:
        return self.uri_of(self.fallback), 1


def _policy_result(finding: PolicyFinding, where: _Where) -> dict[str, Any]:
    uri, line = where(finding.source) or where.first_file()
    return {
        "ruleId": finding.rule,
        "level": LEVELS.get(finding.severity, "warning"),
        "message": {"text": f"{finding.policy}: {finding.message}"},
        "locations": [_location(uri, line, finding.policy, "object")],
        "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(finding.rule, finding.policy, finding.message)},
        "properties": {
            "severity": finding.severity,
            "policy": finding.policy,
            "source": finding.source,
            "security-severity": SECURITY_SEVERITY.get(finding.severity, "5.5"),
        },
    }


def _pair_origin(verdict: Verdict, category: str, workload_sources: Mapping[str, str]) -> tuple[str, str]:
    """(file#document, object name) the pair's result points at."""
    decision = verdict.decision
    if decision is not None:
        if category == "designed-but-blocked":
            # the object of the layer that stops the flow (a denying one first, e.g. the NetworkPolicy isolating
            # the target, else what set that layer's mode, e.g. a STRICT PeerAuthentication)
            # (every layer when only the designed flow's ports are blocked: the pair as a whole is not)
            by = decision.blocked_by
            layers = {"authz": ("authz", "linkerd"), "network": ("network",), "transport": ("transport",)}.get(by)
            reasons = [r for p in decision.ports for r in p.reasons if r.source and (not layers or r.layer in layers)]
            reasons.sort(key=lambda r: r.verdict not in ("denied", "refused"))
        else:
            reasons = [r for p in decision.allowed_ports or decision.ports for r in p.reasons if r.source]
        for reason in reasons:
            return reason.source, reason.policy
    for key in (verdict.target, verdict.source):
        if key in workload_sources:
            return workload_sources[key], f"workload {key}"
    return "", f"{verdict.source} -> {verdict.target}"


def _pair_results(report: ConformanceReport, where: _Where, workload_sources: Mapping[str, str]) -> list[Any]:
    results = []
    for verdict in report.verdicts:
        for category in verdict.categories:
            if category not in PAIR_RULES:
                continue
            title, severity = PAIR_RULES[category]
            source, name = _pair_origin(verdict, category, workload_sources)
            uri, line = where(source) or where.first_file()
            text = f"{verdict.source} -> {verdict.target}: {title[0].lower()}{title[1:]}"
            if name and not name.startswith("workload "):
                text += f" ({name})"
            results.append(
                {
                    "ruleId": PAIR_PREFIX + category,
                    "level": LEVELS.get(severity, "warning"),
                    "message": {"text": text + "."},
                    "locations": [_location(uri, line, name, "object")],
                    "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(category, verdict.source, verdict.target)},
                    "properties": {
                        "pair": [verdict.source, verdict.target],
                        "designed": verdict.designed,
                        "allowed": verdict.allowed,
                        "observed": verdict.observed,
                        "categories": list(verdict.categories),
                        "security-severity": SECURITY_SEVERITY.get(severity, "5.5"),
                    },
                }
            )
    return results


def _descriptor(rule_id: str) -> dict[str, Any]:
    if rule_id.startswith(PAIR_PREFIX):
        title, severity = PAIR_RULES[rule_id.removeprefix(PAIR_PREFIX)]
        tags = ["security", "trustmap/conformance"]
    else:
        title, severity = POLICY_RULES.get(rule_id, rule_id), "medium"
        tags = ["security", "trustmap/mesh-policy"]
    return {
        "id": rule_id,
        "shortDescription": {"text": title},
        "fullDescription": {"text": title},
        "defaultConfiguration": {"level": LEVELS.get(severity, "warning")},
        "properties": {"tags": tags},
    }


def conformance_sarif_run(
    report: ConformanceReport,
    *,
    lines: Mapping[str, int],
    files: tuple[str, ...],
    workload_sources: Mapping[str, str],
    uri_of: Callable[[str], str] = lambda name: name,
    tool_version: str = "0.1.0",
) -> dict[str, Any]:
    """One SARIF run. ``lines``: ``file#document`` -> start line (``ManifestSet.source_lines``); ``files``: the
    manifest file names; ``workload_sources``: workload key -> ``file#document``; ``uri_of``: file name -> the
    artifact URI (e.g. the path relative to the repository root)."""
    where = _Where(lines, uri_of, files[0] if files else "manifests")
    results = [_policy_result(f, where) for f in report.findings] + _pair_results(report, where, workload_sources)
    rule_ids = sorted({r["ruleId"] for r in results})
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    for result in results:
        result["ruleIndex"] = index[result["ruleId"]]
    return {
        "tool": {
            "driver": {
                "name": "Trustmap",
                "fullName": "Trustmap mesh conformance (designed x allowed x observed)",
                "version": tool_version,
                "semanticVersion": tool_version,
                "rules": [_descriptor(r) for r in rule_ids],
            }
        },
        "automationDetails": {"id": "trustmap/conformance/"},
        "columnKind": "unicodeCodePoints",
        "artifacts": [{"location": {"uri": uri_of(name)}, "roles": ["analysisTarget"]} for name in files],
        "results": results,
        "properties": {"counts": dict(report.counts), "observed": report.observed},
    }


def conformance_sarif_log(run: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": SARIF_SCHEMA_URI, "version": "2.1.0", "runs": [run]}
