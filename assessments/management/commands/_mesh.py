"""The mesh inputs of ``manage.py assess``: a manifest file or directory, and an observed-traffic file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assessments.conformance.generate import generate_policies, to_yaml
from assessments.conformance.reachability import Reachability
from assessments.conformance.threeway import ConformanceReport, conformance, designed_pairs
from assessments.reporting.sarif_conformance import conformance_sarif_log, conformance_sarif_run
from threatmodel.domain import Snapshot
from threatmodel.interchange.base import SourceLocation
from threatmodel.interchange.kiali import read_observation
from threatmodel.interchange.kubernetes import (
    ManifestFile,
    element_locations,
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
    first = documents[0].data if documents else None
    return isinstance(first, dict) and "trustmap" not in first and "kind" in first and "apiVersion" in first


def manifest_files(path: Path, input_format: str) -> list[ManifestFile] | None:
    """The manifest files FILE stands for, each read once, or ``None`` when FILE is not manifests (a native
    model, another format, or missing): the one place that reads and detects FILE. A directory is manifests;
    ``--input-format kubernetes`` makes a file manifests without looking; ``auto`` looks at its first document.
    Raises ``ModelValidationError`` when the manifests exceed the size limit."""
    if path.is_dir():
        return files_from_directory(path)
    if input_format not in ("auto", "kubernetes") or not path.is_file():
        return None
    try:
        content = path.read_bytes()
    except OSError:
        return None
    files = [ManifestFile(path.name, content)]
    if input_format == "kubernetes":
        return files
    try:
        raw = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return files if looks_like_manifests(path, raw) else None


def read_mesh_input(
    path: Path, options: dict[str, Any], files: list[ManifestFile] | None = None
) -> tuple[ManifestSet, Snapshot]:
    """The manifests of ``files`` (read from ``path`` when not given) and the model they imply."""
    manifests = read_manifests(files if files is not None else files_from_directory(path), options_from_dict(options))
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


def manifest_uri(root: Path, name: str) -> str:
    """The artifact URI of manifest file ``name`` read from ``root`` (a directory, or the file itself)."""
    return (root / name).as_posix() if root.is_dir() else root.as_posix()


def manifest_locations(root: Path, manifests: ManifestSet, snapshot: Snapshot) -> dict[str, SourceLocation]:
    """Element id -> (artifact URI, line) of the manifest document it was read from."""
    return {
        element_id: SourceLocation(manifest_uri(root, loc.file), loc.line)
        for element_id, loc in element_locations(manifests, snapshot).items()
    }


def render_conformance(
    report: ConformanceReport, fmt: str, manifests: ManifestSet | None = None, root: Path | None = None
) -> bytes:
    if fmt == "sarif" and manifests is not None and root is not None:
        run = conformance_sarif_run(
            report,
            lines=manifests.source_lines(),
            files=manifests.files,
            workload_sources={w.key: str(w.source) for w in manifests.workloads},
            uri_of=lambda name: manifest_uri(root, name),
        )
        return (json.dumps(conformance_sarif_log(run), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
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
