"""Designed x allowed x observed for a stored model: its current revision, its latest attached manifests and
its latest observation (``threatmodel.services_mesh`` attaches them). Computed on request; the pure work is
in ``assessments.conformance``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assessments.conformance.generate import dry_run, generate_policies, to_yaml
from assessments.conformance.reachability import Reachability
from assessments.conformance.threeway import CATEGORIES, ConformanceReport, conformance, designed_pairs
from assessments.reporting.sarif_conformance import conformance_sarif_log, conformance_sarif_run
from threatmodel import models as m
from threatmodel import selectors_mesh
from threatmodel.interchange.mesh.model import ManifestSet
from threatmodel.selectors import NotFound, snapshot_of_model


@dataclass(frozen=True)
class ModelConformance:
    model: m.ThreatModel
    report: ConformanceReport
    manifests: m.MeshSource
    observation: m.MeshSource | None
    manifest_set: ManifestSet

    def as_dict(self, category: str = "") -> dict[str, Any]:
        verdicts = self.report.with_category(category) if category else list(self.report.verdicts)
        return {
            "model": self.model.pk,
            "revision": self.model.revision,
            "manifests": _source(self.manifests),
            "observation": _source(self.observation) if self.observation else None,
            "all_pairs": self.report.all_pairs,
            "counts": dict(self.report.counts),
            "categories": list(CATEGORIES),
            "unmapped_components": list(self.report.unmapped_components),
            "unresolved_nodes": list(self.report.unresolved_nodes),
            "findings": [f.as_dict() for f in self.report.findings],
            "verdicts": [v.as_dict() for v in verdicts],
        }


def _source(source: m.MeshSource) -> dict[str, Any]:
    return {
        "id": source.pk,
        "recorder": source.recorder,
        "created_at": source.created_at.isoformat(),
        "observed_at": source.observed_at.isoformat() if source.observed_at else None,
        "summary": source.summary,
    }


def conformance_of_model(*, model: m.ThreatModel) -> ModelConformance:
    """Raises ``NotFound`` when no manifests are attached (there is no policy to compare with)."""
    manifests_source = selectors_mesh.latest_mesh_source(model=model, kind=m.MeshSource.Kind.MANIFESTS)
    if manifests_source is None:
        raise NotFound(
            f"no manifests are attached to this model: POST them to /api/v1/models/{model.pk}/mesh/manifests/"
        )
    observation_source = selectors_mesh.latest_mesh_source(model=model, kind=m.MeshSource.Kind.OBSERVATION)
    observation = selectors_mesh.observation_of_source(observation_source) if observation_source else None
    manifest_set = selectors_mesh.manifests_of_source(manifests_source)
    report = conformance(snapshot_of_model(model=model), Reachability(manifest_set), observation)
    return ModelConformance(model, report, manifests_source, observation_source, manifest_set)


def conformance_sarif_of_model(*, model: m.ThreatModel) -> dict[str, Any]:
    """The conformance as a SARIF log whose locations are the attached manifest files (as they were named when
    attached) at the line of each object's document."""
    result = conformance_of_model(model=model)
    manifests = result.manifest_set
    run = conformance_sarif_run(
        result.report,
        lines=manifests.source_lines(),
        files=manifests.files,
        workload_sources={w.key: str(w.source) for w in manifests.workloads},
    )
    run["automationDetails"] = {"id": f"trustmap/conformance/model-{model.pk}/"}
    run["properties"]["revision"] = model.revision
    return conformance_sarif_log(run)


def policy_of_model(*, model: m.ThreatModel) -> dict[str, Any]:
    """Least-privilege policy for the model's design over its attached manifests, and its dry run against them
    and the latest observation (which observed flows it would block)."""
    manifests_source = selectors_mesh.latest_mesh_source(model=model, kind=m.MeshSource.Kind.MANIFESTS)
    if manifests_source is None:
        raise NotFound(
            f"no manifests are attached to this model: POST them to /api/v1/models/{model.pk}/mesh/manifests/"
        )
    manifests = selectors_mesh.manifests_of_source(manifests_source)
    reach = Reachability(manifests)
    designed = designed_pairs(snapshot_of_model(model=model), reach)
    observed: list[tuple[str, str]] = []
    observation_source = selectors_mesh.latest_mesh_source(model=model, kind=m.MeshSource.Kind.OBSERVATION)
    if observation_source is not None:
        report = conformance(
            snapshot_of_model(model=model), reach, selectors_mesh.observation_of_source(observation_source)
        )
        observed = [(v.source, v.target) for v in report.verdicts if v.observed]
    result = dry_run(manifests, designed, observed)
    return {
        "yaml": to_yaml(generate_policies(reach, designed)),
        "designed_pairs": len(designed),
        "dry_run": {
            "designed_blocked": [list(p) for p in result.designed_blocked],
            "undesigned_allowed": [list(p) for p in result.undesigned_allowed],
            "observed_blocked": [list(p) for p in result.observed_blocked],
        },
    }
