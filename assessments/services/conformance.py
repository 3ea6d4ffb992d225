"""Designed x allowed x observed for a stored model: its current revision, its latest attached manifests and
its latest observation (``threatmodel.services_mesh`` attaches them). Computed on request; the pure work is
in ``assessments.conformance``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assessments.conformance.reachability import Reachability
from assessments.conformance.threeway import CATEGORIES, ConformanceReport, conformance
from threatmodel import models as m
from threatmodel import selectors_mesh
from threatmodel.selectors import NotFound, snapshot_of_model


@dataclass(frozen=True)
class ModelConformance:
    model: m.ThreatModel
    report: ConformanceReport
    manifests: m.MeshSource
    observation: m.MeshSource | None

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
    reach = Reachability(selectors_mesh.manifests_of_source(manifests_source))
    report = conformance(snapshot_of_model(model=model), reach, observation)
    return ModelConformance(model, report, manifests_source, observation_source)
