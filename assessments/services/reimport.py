"""Preview of re-importing a file into an existing model: what changes, which findings open or close, the score.

Nothing is written. The apply call (``POST /api/v1/models/{id}/import/``) takes the preview's
``base_revision``: if the model moved on since the preview, it is refused with a conflict.
"""

from __future__ import annotations

from typing import Any

from assessments.services.runs import engine_assess
from catalog.packs.controls import control_ids
from threatmodel import models as tm
from threatmodel.interchange import registry, reimport
from threatmodel.selectors import snapshot_of_model


def _finding_row(finding: dict[str, Any]) -> dict[str, Any]:
    return {k: finding.get(k) for k in ("id", "rule", "title", "severity", "elements")}


def reimport_preview(*, model: tm.ThreatModel, data: bytes, filename: str) -> dict[str, Any]:
    """The diff a re-import of ``data`` would make. Raises ``ModelValidationError`` for a bad file."""
    imported = registry.read(data, filename=filename, known_controls=control_ids())
    current = snapshot_of_model(model=model)
    aligned, diff = reimport.preview(current, imported.snapshot)
    before = engine_assess(current, team_id=model.team_id)
    after = engine_assess(aligned, team_id=model.team_id)
    open_before = {f["id"]: f for f in before["findings"] if not f.get("mitigated")}
    open_after = {f["id"]: f for f in after["findings"] if not f.get("mitigated")}
    return {
        "base_revision": model.revision,
        "format": imported.format,
        "assumptions": [str(a) for a in imported.assumptions],
        "diff": diff.as_dict(),
        "findings": {
            "opened": [_finding_row(open_after[k]) for k in sorted(set(open_after) - set(open_before))],
            "closed": [_finding_row(open_before[k]) for k in sorted(set(open_before) - set(open_after))],
            "unchanged": len(set(open_before) & set(open_after)),
        },
        "score": {"before": before["scores"]["overall"], "after": after["scores"]["overall"]},
    }
