"""SARIF 2.1.0 writer (pure Python), valid against the OASIS 2.1.0 JSON schema.

* ``runs[0].tool.driver.rules``: one reporting descriptor per rule that ran, with short/full descriptions,
  ``help`` (text and markdown: rationale, remediation, mappings), ``defaultConfiguration.level`` and
  ``properties`` (``tags``: ``security``, ``external/cwe/cwe-NNN``, STRIDE, family, ZTMM pillar;
  ``security-severity`` as GitHub code scanning reads it; ``precision``).
* ``results``: one per finding, at most ``MAX_RESULTS`` (25,000, what code scanning accepts) with a truncation
  notice; ``ruleId``/``ruleIndex``, ``level`` from severity (critical/high -> error, medium -> warning,
  low/info -> note), ``partialFingerprints["trustmapFindingId/v1"]`` = the stable finding id (``rule@elem@...``)
  so code-scanning tools track a finding across runs and revisions, logical locations for the elements
  (``fullyQualifiedName`` = ``model/kind/id``), and always a physical location: the line that declares the
  primary element in the model file (the CLI knows the file; a report of a stored model points at its native
  export, ``<model-name>.trustmap.yaml``).
* Accepted risks, false positives and findings triaged as mitigated are emitted with ``suppressions``
  (kind ``external``) and the justification; findings mitigated by a control in the model are results at level
  ``none``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from assessments.reporting.model import NIST_TENETS, FindingView, ReportModel
from catalog.packs.loader import RuleMeta
from threatmodel.interchange.native import write_model
from threatmodel.vocabulary import STRIDE_LABELS

SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "trustmapFindingId/v1"
LEVELS: dict[str, str] = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
SECURITY_SEVERITY: dict[str, str] = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}
_CWE = re.compile(r"CWE-(\d+)", re.IGNORECASE)
_KIND_NAMES: dict[str, str] = {
    "flow": "flow",
    "boundary": "boundary",
    "data asset": "dataAsset",
    "identity": "identity",
    "grant": "grant",
    "control": "control",
}


def cwe_ids(cwe: str) -> list[str]:
    return [f"CWE-{n}" for n in dict.fromkeys(_CWE.findall(cwe or ""))]


def _tags(rule: RuleMeta) -> list[str]:
    tags = ["security"]
    tags += [f"external/cwe/cwe-{c.split('-')[1]}" for c in cwe_ids(rule.cwe)]
    if rule.stride:
        tags.append(f"stride/{STRIDE_LABELS.get(rule.stride, rule.stride).lower().replace(' ', '-')}")
    if rule.family:
        tags.append(f"trustmap/{rule.family}")
    if rule.pillar:
        tags.append(f"ztmm/{rule.pillar}")
    return list(dict.fromkeys(tags))


def _mappings(rule: RuleMeta) -> list[tuple[str, str]]:
    rows = []
    if rule.stride:
        rows.append(("STRIDE", STRIDE_LABELS.get(rule.stride, rule.stride)))
    if rule.cwe:
        rows.append(("CWE", rule.cwe))
    if rule.asvs:
        rows.append(("OWASP ASVS 4.0", rule.asvs))
    if rule.tenet:
        rows.append(("NIST SP 800-207", f"tenet {rule.tenet}: {NIST_TENETS.get(rule.tenet, '')}".rstrip(": ")))
    if rule.pillar:
        rows.append(("CISA ZTMM", rule.pillar + (f" / {rule.function}" if rule.function else "")))
    return rows


def _md(text: str) -> str:
    """Markdown-escape free text from the catalog or the model (no raw HTML, no link syntax)."""
    return re.sub(r"([\\`*_{}\[\]<>()#+!|])", r"\\\1", text)


def _help(rule: RuleMeta) -> dict[str, str]:
    parts_text = [rule.title]
    parts_md = [f"**{_md(rule.title)}**"]
    for heading, body in (
        ("Description", rule.description),
        ("Why it matters", rule.rationale),
        ("Remediation", rule.remediation),
    ):
        if body:
            parts_text.append(f"{heading}: {body}")
            parts_md.append(f"### {heading}\n\n{_md(body)}")
    if rule.remediation_steps:
        parts_text.append(
            "Steps: " + " ".join(f"{i}. {step}" for i, step in enumerate(rule.remediation_steps, start=1))
        )
        parts_md.append("\n".join(f"{i}. {_md(step)}" for i, step in enumerate(rule.remediation_steps, start=1)))
    mappings = _mappings(rule)
    if mappings:
        parts_text.append("Mappings: " + "; ".join(f"{k} {v}" for k, v in mappings))
        parts_md.append("### Mappings\n\n" + "\n".join(f"- {k}: {_md(v)}" for k, v in mappings))
    if rule.references:
        parts_text.append("References: " + ", ".join(rule.references))
        parts_md.append("### References\n\n" + "\n".join(f"- {_md(r)}" for r in rule.references))
    return {"text": "\n\n".join(parts_text), "markdown": "\n\n".join(parts_md)}


def _descriptor(rule: RuleMeta) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "tags": _tags(rule),
        "security-severity": SECURITY_SEVERITY.get(rule.severity, "5.5"),
        "precision": "high",
        "problem.severity": LEVELS.get(rule.severity, "warning") if rule.severity != "critical" else "error",
    }
    for key, value in (
        ("stride", rule.stride),
        ("cwe", rule.cwe),
        ("asvs", rule.asvs),
        ("family", rule.family),
        ("principle", rule.principle),
        ("ztmmPillar", rule.pillar),
        ("ztmmFunction", rule.function),
    ):
        if value:
            properties[key] = value
    if rule.tenet:
        properties["nist80027Tenet"] = rule.tenet
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": "".join(part.title() for part in re.split(r"[^A-Za-z0-9]+", rule.id) if part) or rule.id,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description or rule.title},
        "help": _help(rule),
        "defaultConfiguration": {"level": LEVELS.get(rule.severity, "warning")},
        "properties": properties,
    }
    return descriptor


def _line_index(source_text: str) -> dict[str, int]:
    """Element id -> 1-based line of its ``id:`` in a native YAML/JSON model file."""
    found: dict[str, int] = {}
    pattern = re.compile(r"""["']?\bid["']?\s*:\s*["']?([^"',}\s]+)""")
    for number, line in enumerate(source_text.splitlines(), start=1):
        for match in pattern.finditer(line):
            found.setdefault(match.group(1), number)
    return found


def _result(
    view: FindingView,
    rule_index: int,
    model_name: str,
    source_uri: str,
    lines: Mapping[str, int],
    uris: Mapping[str, str],
) -> dict[str, Any]:
    """One result. Code scanning rejects a whole upload for one result without a physical location, so every
    result has one: the line of its primary element (of any of its elements; else line 1 of the file)."""
    finding = view.finding
    where = ", ".join(e.label for e in view.elements) or "the model"
    message = f"{finding.title}: {where}."
    if view.evidence:
        message += " Evidence: " + "; ".join(f"{k} = {v}" for k, v in view.evidence) + "."
    location: dict[str, Any] = {
        "logicalLocations": [
            {
                "name": e.name,
                "fullyQualifiedName": f"{model_name}/{_KIND_NAMES.get(e.kind, 'component')}/{e.id}",
                "kind": "object" if e.kind != "flow" else "member",
            }
            for e in view.elements
        ],
    }
    located = finding.primary if finding.primary in lines else next((e for e in finding.elements if e in lines), "")
    line = lines.get(located, 1)
    uri = uris.get(located, source_uri)
    location["physicalLocation"] = {"artifactLocation": {"uri": uri}, "region": {"startLine": line}}
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": "none" if finding.mitigated else LEVELS.get(finding.severity, "warning"),
        "message": {"text": message},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: finding.id},
        "properties": {
            "findingId": finding.id,
            "severity": finding.severity,
            "likelihood": finding.likelihood,
            "impact": finding.impact,
            "elements": list(finding.elements),
            "evidence": dict(view.evidence),
            "remediation": finding.remediation,
            "triage": view.triage,
            "security-severity": SECURITY_SEVERITY.get(finding.severity, "5.5"),
        },
    }
    if finding.mitigated:
        result["properties"]["mitigatedBy"] = list(finding.mitigated_by)
    if view.triage in ("accepted", "false_positive", "mitigated"):
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": (view.triage_note or TRIAGE_DEFAULT[view.triage])[:1000],
            }
        ]
    return result


TRIAGE_DEFAULT: dict[str, str] = {
    "accepted": "Accepted risk",
    "false_positive": "False positive",
    "mitigated": "Mitigated (triage)",
}


#: GitHub code scanning keeps at most this many results of one run (the rest of an upload is refused).
MAX_RESULTS = 25_000
DEFAULT_URI_SUFFIX = ".trustmap.yaml"


def default_source(report: ReportModel) -> tuple[str, dict[str, int]]:
    """Where results point when the model did not come from a file: its native export (``tm_export``)."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", report.model_name).strip("-").lower() or "model"
    return name + DEFAULT_URI_SUFFIX, _line_index(write_model(report.snapshot, "yaml"))


def located_in_manifests(
    report: ReportModel, locations: Mapping[str, tuple[str, int]]
) -> tuple[str, dict[str, int], dict[str, str]]:
    """``source_uri``, ``lines`` and ``element_uris`` for a stored model with Kubernetes manifests attached:
    elements read from the manifests point at their document there (``locations``: element id -> file, line),
    the others (flows drawn in the editor...) at the model's native export, as without manifests."""
    source_uri, lines = default_source(report)
    lines.update({element_id: line for element_id, (_, line) in locations.items()})
    return source_uri, lines, {element_id: file for element_id, (file, _) in locations.items()}


def sarif_run(
    report: ReportModel,
    *,
    source_uri: str = "",
    lines: Mapping[str, int] | None = None,
    source_text: str = "",
    tool_version: str = "0.1.0",
    max_results: int = MAX_RESULTS,
    element_uris: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """One SARIF run. ``lines`` (element id -> line in ``source_uri``) wins over scanning ``source_text``;
    ``element_uris`` (element id -> another file, e.g. the manifest a component comes from, its line in
    ``lines``) points results of those elements there instead."""
    rule_ids = list(dict.fromkeys([*(r.rule.id for r in report.rules), *(v.finding.rule for v in report.findings)]))
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    descriptors = [_descriptor(report.rule_info.get(r) or RuleMeta(id=r, title=r)) for r in rule_ids]
    if not source_uri:
        source_uri, found = default_source(report)
    else:
        found = dict(lines) if lines is not None else (_line_index(source_text) if source_text else {})
    views = report.findings[:max_results]
    uris = element_uris or {}
    results = [_result(v, index[v.finding.rule], report.model_name, source_uri, found, uris) for v in views]
    artifacts = list(dict.fromkeys([source_uri, *sorted(set(uris.values()))]))
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "Trustmap",
                "fullName": "Trustmap threat modeling and zero-trust posture assessment",
                "version": tool_version,
                "semanticVersion": tool_version,
                "rules": descriptors,
            }
        },
        "automationDetails": {"id": f"trustmap/{report.model_name}/"},
        "columnKind": "unicodeCodePoints",
        "artifacts": [{"location": {"uri": uri}, "roles": ["analysisTarget"]} for uri in artifacts],
        "results": results,
        "properties": {
            "model": report.model_name,
            "revision": report.revision,
            "overallScore": report.overall,
            "maturityStage": report.stage,
            "grade": report.grade,
            "assessed": report.assessed,
            "coverage": round(report.coverage.ratio, 4) if report.coverage is not None else None,
            "openBySeverity": dict(report.counts),
        },
    }
    if len(report.findings) > max_results:
        notice = (
            f"{len(report.findings):,} findings; only the {max_results:,} most severe are in this run "
            "(code scanning accepts at most 25,000 results per run). The JSON report has all of them."
        )
        run["properties"]["truncated"] = True
        run["properties"]["totalFindings"] = len(report.findings)
        run["invocations"] = [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [{"level": "warning", "message": {"text": notice}}],
            }
        ]
    return run


def to_sarif(
    report: ReportModel,
    *,
    source_uri: str = "",
    source_text: str = "",
    tool_version: str = "0.1.0",
    manifest_locations: Mapping[str, tuple[str, int]] | None = None,
) -> dict[str, Any]:
    """The SARIF log as a JSON-ready dict (``manifest_locations``: see ``located_in_manifests``)."""
    if manifest_locations:
        uri, lines, uris = located_in_manifests(report, manifest_locations)
        run = sarif_run(report, source_uri=uri, lines=lines, element_uris=uris, tool_version=tool_version)
    else:
        run = sarif_run(report, source_uri=source_uri, source_text=source_text, tool_version=tool_version)
    return {"$schema": SARIF_SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def write_sarif_log(runs: list[dict[str, Any]]) -> str:
    """A SARIF log of several runs (the CLI: one per model file)."""
    return (
        json.dumps({"$schema": SARIF_SCHEMA_URI, "version": "2.1.0", "runs": runs}, indent=2, ensure_ascii=False) + "\n"
    )


def write_sarif(
    report: ReportModel,
    *,
    source_uri: str = "",
    source_text: str = "",
    manifest_locations: Mapping[str, tuple[str, int]] | None = None,
) -> str:
    document = to_sarif(report, source_uri=source_uri, source_text=source_text, manifest_locations=manifest_locations)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
