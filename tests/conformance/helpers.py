"""Loading the mesh fixtures of tests/data (copies of shared/fixtures/mesh and shared/fixtures/kiali)."""

from __future__ import annotations

from pathlib import Path

import yaml

from threatmodel.interchange.kubernetes import ImportOptions, ManifestFile, files_from_directory, read_manifests
from threatmodel.interchange.mesh.model import ManifestSet

DATA = Path(__file__).resolve().parents[1] / "data"
MESH = DATA / "mesh"
KIALI = DATA / "kiali"
AUTHN = MESH / "istio-authn-task"


def files(*paths: str, namespace: str | None = None) -> list[ManifestFile]:
    result = []
    for path in paths:
        for manifest in files_from_directory(MESH / path):
            name = f"{path}/{manifest.name}" if (MESH / path).is_dir() else path
            result.append(ManifestFile(name, manifest.content, namespace))
    return result


def load(*paths: str, options: ImportOptions | None = None, namespace: str | None = None) -> ManifestSet:
    return read_manifests(files(*paths, namespace=namespace), options)


def authn_step_policies(*steps: str) -> ManifestFile:
    """The task's policy documents of the given steps (fixture.step annotation), as one file."""
    documents = list(yaml.safe_load_all((AUTHN / "policies.yaml").read_text()))
    chosen = [d for step in steps for d in documents if d["metadata"]["annotations"]["fixture.step"] == step]
    return ManifestFile("istio-authn-task/policies.yaml", yaml.safe_dump_all(chosen).encode())


def authn_task(*steps: str) -> ManifestSet:
    """httpbin + sleep in foo and bar (sidecars) and legacy (none), the ingress gateway, and the step's policies."""
    manifests = []
    for namespace in ("foo", "bar", "legacy"):
        manifests += files("istio-authn-task/workloads", namespace=namespace)
    manifests += files("istio-authn-task/ingressgateway.yaml")
    manifests.append(authn_step_policies(*steps))
    return read_manifests(manifests, ImportOptions(meshed_namespaces=frozenset({"foo", "bar"})))
