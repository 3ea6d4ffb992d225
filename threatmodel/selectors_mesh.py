"""Reads of mesh sources (access is checked by ``threatmodel.selectors.model_for_user`` before these run)."""

from __future__ import annotations

from django.db.models import QuerySet

from threatmodel import models as m
from threatmodel.interchange.kiali import read_observation
from threatmodel.interchange.kubernetes import ManifestFile, read_manifests
from threatmodel.interchange.mesh.model import ManifestSet
from threatmodel.interchange.mesh.options import options_from_dict
from threatmodel.interchange.observation import Observation


def mesh_sources_of_model(*, model: m.ThreatModel) -> QuerySet[m.MeshSource]:
    return m.MeshSource.objects.filter(model=model).order_by("-created_at", "-id")


def has_manifests(*, model: m.ThreatModel) -> bool:
    """Whether manifests are attached, so the model has a conformance to show (one cheap query)."""
    return m.MeshSource.objects.filter(model=model, kind=m.MeshSource.Kind.MANIFESTS).exists()


def latest_mesh_source(*, model: m.ThreatModel, kind: str) -> m.MeshSource | None:
    return mesh_sources_of_model(model=model).filter(kind=kind).first()


def manifests_of_source(source: m.MeshSource) -> ManifestSet:
    files = [ManifestFile(f["name"], f["content"].encode("utf-8")) for f in source.files]
    return read_manifests(files, options_from_dict(source.options))


def observation_of_source(source: m.MeshSource) -> Observation:
    return read_observation(source.files[0]["content"].encode("utf-8"), source.options.get("format", ""))
