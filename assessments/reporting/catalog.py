"""Rule metadata for reports, read from the rule catalog packs (``catalog/packs/rules/*.yaml``). Pure Python.

Reports need the catalog's prose (description, rationale, remediation steps, references) that findings do not
carry. The packs are plain YAML; this module reads them directly so reports keep working whatever the
catalog loader's Python API looks like. Custom (team) rules are not in the packs: their metadata comes from
their findings (see :func:`assessments.reporting.model.rule_infos`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from assessments.reporting.model import RuleInfo

RULES_DIR = Path(__file__).resolve().parents[2] / "catalog" / "packs" / "rules"


def _tuple(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def rule_info_from_dict(data: dict[str, Any], family: str = "") -> RuleInfo:
    return RuleInfo(
        id=str(data["id"]),
        title=str(data.get("title", data["id"])),
        severity=str(data.get("severity", "medium")),
        family=str(data.get("family", family)),
        principle=str(data.get("principle", "")),
        description=str(data.get("description", "")),
        rationale=str(data.get("rationale", "")),
        stride=str(data.get("stride", "")),
        cwe=str(data.get("cwe", "")),
        asvs=str(data.get("asvs", "")),
        tenet=int(data.get("tenet") or 0),
        pillar=str(data.get("pillar", "")),
        function=str(data.get("function", "")),
        remediation=str(data.get("remediation", "")),
        references=_tuple(data.get("references")),
        steps=_tuple(data.get("remediation_steps")),
    )


@cache
def catalog_rule_infos(directory: str = "") -> dict[str, RuleInfo]:
    """Rule id -> :class:`RuleInfo` for every rule in the packs (empty when there are none)."""
    folder = Path(directory) if directory else RULES_DIR
    infos: dict[str, RuleInfo] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):  # a broken pack must not break every report: findings fill in
            continue
        if not isinstance(document, dict):
            continue
        family = str(document.get("family", path.stem))
        for item in document.get("rules", ()) or ():
            if isinstance(item, dict) and item.get("id"):
                info = rule_info_from_dict(item, family)
                infos[info.id] = info
    return infos
