"""Writes for mesh sources: attach manifests or an observation to a model, or create a model from manifests.

All-or-nothing: the input is parsed completely before anything is saved; bad input raises
``ModelValidationError`` naming the file, document and field, and saves nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import transaction

from threatmodel import models as m
from threatmodel.accounts import RequestUser
from threatmodel.interchange.kiali import read_observation
from threatmodel.interchange.kubernetes import (
    MAX_TOTAL_BYTES,
    ManifestFile,
    read_manifests,
    to_snapshot,
)
from threatmodel.interchange.mesh.model import ManifestSet
from threatmodel.interchange.mesh.options import options_from_dict, options_to_dict
from threatmodel.invariants import Issue, ModelValidationError
from threatmodel.services import model_create


def _text_files(files: Sequence[tuple[str, bytes]]) -> list[ManifestFile]:
    if not files:
        raise ModelValidationError([Issue("files", "no manifest file was sent")])
    if sum(len(content) for _, content in files) > MAX_TOTAL_BYTES:
        raise ModelValidationError([Issue("files", f"the files total more than {MAX_TOTAL_BYTES:,} bytes")])
    result = []
    for index, (name, content) in enumerate(files):
        try:
            content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ModelValidationError([Issue(f"files[{index}]", f"{name or 'file'} is not UTF-8 text")]) from None
        result.append(ManifestFile(name or f"file-{index + 1}.yaml", content))
    return result


def _summary(manifests: ManifestSet) -> dict[str, Any]:
    counts = {
        name: len(getattr(manifests, name))
        for name in ManifestSet.__dataclass_fields__
        if name not in ("skipped", "files", "settings") and getattr(manifests, name)
    }
    skipped = [{"source": str(s.source), "kind": s.kind, "reason": s.reason} for s in manifests.skipped]
    return {"counts": counts, "skipped": skipped, "files": list(manifests.files)}


def mesh_manifests_attach(
    *,
    model: m.ThreatModel,
    files: Sequence[tuple[str, bytes]],
    options: Mapping[str, Any] | None,
    user: RequestUser | None,
) -> m.MeshSource:
    """Attach a manifest set (what the policies allow) to a model; the design is not changed."""
    manifest_files = _text_files(files)
    import_options = options_from_dict(options)
    manifests = read_manifests(manifest_files, import_options)
    return m.MeshSource.objects.create(
        model=model,
        kind=m.MeshSource.Kind.MANIFESTS,
        recorder="kubernetes",
        files=[{"name": f.name, "content": f.content.decode("utf-8-sig")} for f in manifest_files],
        options=options_to_dict(import_options),
        summary=_summary(manifests),
        created_by=user if user and user.is_authenticated else None,
    )


def mesh_observation_attach(
    *,
    model: m.ThreatModel,
    raw: bytes,
    filename: str = "",
    fmt: str = "",
    user: RequestUser | None,
    received_at: datetime | None = None,
    pulled_from: str = "",
) -> m.MeshSource:
    """Attach observed traffic to a model. A new observation never overwrites the design. ``received_at``: when
    it was fetched (the observation's time when the graph carries none); ``pulled_from``: the URL of a live pull."""
    observation = read_observation(raw, fmt)
    observed_at = datetime.fromtimestamp(observation.timestamp, tz=UTC) if observation.timestamp else received_at
    return m.MeshSource.objects.create(
        model=model,
        kind=m.MeshSource.Kind.OBSERVATION,
        recorder=observation.recorder,
        files=[{"name": filename or f"{observation.recorder}.json", "content": raw.decode("utf-8-sig")}],
        options={"format": observation.recorder, **({"pulled_from": pulled_from} if pulled_from else {})},
        summary={
            "graph_type": observation.graph_type,
            "nodes": len(observation.nodes),
            "flows": len(observation.flows),
        },
        observed_at=observed_at,
        created_by=user if user and user.is_authenticated else None,
    )


@transaction.atomic
def model_import_manifests(
    *,
    team: m.Team,
    name: str,
    files: Sequence[tuple[str, bytes]],
    options: Mapping[str, Any] | None,
    user: RequestUser | None,
) -> m.ThreatModel:
    """Create a model from manifests (workloads -> components, ServiceAccounts -> identities, namespaces ->
    boundaries) and keep the manifests attached, so its conformance can be checked at once."""
    manifest_files = _text_files(files)
    manifests = read_manifests(manifest_files, options_from_dict(options))
    snapshot = to_snapshot(manifests, name=name or "Imported cluster")
    model = model_create(
        team=team, snapshot=snapshot, user=user, message=f"Imported {len(manifest_files)} manifest file(s)"
    )
    mesh_manifests_attach(model=model, files=files, options=options, user=user)
    return model
