"""The mesh inputs of ``manage.py assess``: a manifest file or directory, and an observed-traffic file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assessments.conformance.generate import generate_policies, to_yaml
from assessments.conformance.reachability import Reachability
from assessments.conformance.threeway import ConformanceReport, conformance, designed_pairs
from threatmodel.domain import Snapshot
from threatmodel.interchange.kiali import read_observation
from threatmodel.interchange.kubernetes import (
    ManifestFile,
    files_from_directory,
    parse_documents,
    read_manifests,
    to_snapshot,
)
from threatmodel.interchange.mesh.model import ManifestSet
from threatmodel.interchange.mesh.options import options_from_dict
from threatmodel.interchange.observation import Observation
from threatmodel.invariants import ModelValidationError

INPUT_FORMATS = ("auto", "native", "kubernetes")


def looks_like_manifests(path: Path, raw: str) -> bool:
    """A directory, or a file whose first document is a Kubernetes object (top-level apiVersion and kind);
    a native model file has a top-level ``trustmap`` key."""
    if path.is_dir():
        return True
    try:
        documents = parse_documents(ManifestFile(path.name, raw.encode("utf-8")))
    except ModelValidationError:
        return False  # let the native reader word the error
    first = documents[0][1] if documents else None
    return isinstance(first, dict) and "trustmap" not in first and "kind" in first and "apiVersion" in first


def read_mesh_input(path: Path, options: dict[str, Any]) -> tuple[ManifestSet, Snapshot]:
    manifests = read_manifests(files_from_directory(path), options_from_dict(options))
    return manifests, to_snapshot(manifests, name=path.stem or "Imported cluster")


def read_observation_file(path: Path, fmt: str) -> Observation:
    return read_observation(path.read_bytes(), fmt)


def mesh_options(options: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if options.get("meshed_namespaces"):
        result["meshed_namespaces"] = options["meshed_namespaces"]
    if options.get("default_namespace"):
        result["default_namespace"] = options["default_namespace"]
    if options.get("mesh_provider"):
        result["mesh_provider"] = options["mesh_provider"]
    return result


def conformance_report(
    manifests: ManifestSet, snapshot: Snapshot, observation: Observation | None
) -> ConformanceReport:
    return conformance(snapshot, Reachability(manifests), observation)


def render_conformance(report: ConformanceReport, fmt: str) -> bytes:
    if fmt == "json":
        body = {
            "counts": dict(report.counts),
            "findings": [f.as_dict() for f in report.findings],
            "verdicts": [v.as_dict() for v in report.verdicts],
            "unresolved_nodes": list(report.unresolved_nodes),
        }
        return (json.dumps(body, indent=2, sort_keys=True) + "\n").encode()
    lines = ["Conformance (designed x allowed x observed)", ""]
    lines += [f"  {name:40} {count}" for name, count in report.counts.items()]
    lines += ["", "Policy findings:"] + [f"  [{f.severity}] {f.rule} {f.source}: {f.message}" for f in report.findings]
    lines += ["", "Pairs:"] + [f"  {v.source} -> {v.target}: {', '.join(v.categories)}" for v in report.verdicts]
    return ("\n".join(lines) + "\n").encode()


def generated_policy(manifests: ManifestSet, snapshot: Snapshot) -> str:
    reach = Reachability(manifests)
    return to_yaml(generate_policies(reach, designed_pairs(snapshot, reach)))
