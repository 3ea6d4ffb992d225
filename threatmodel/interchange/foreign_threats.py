"""Threats other tools record (Threat Dragon, OTM, the Threat Modeling Tool) as the model's manual threats, and
back. Pure Python.

An imported threat on an element of the model becomes a ``Threat`` of that element: its category from the
tool's type (STRIDE or LINDDUN names, as Threat Dragon and the TMT write them; anything else is kept in the
attributes and rated ``tampering``), its severity as the likelihood x impact pair that rates to it
(docs/scoring.md §2), its status, description and mitigation (the TMT's justification when there is no
mitigation), and the tool's own id in ``foreign_id``. Threats about the whole model stay in
``ImportResult.threats`` only (a manual threat names an element).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from threatmodel.domain import Snapshot, Threat
from threatmodel.interchange.base import ForeignThreat, IdAllocator
from threatmodel.interchange.schema import MAX_NAME, MAX_TEXT
from threatmodel.vocabulary import (
    IMPACTS,
    LIKELIHOODS,
    THREAT_CATEGORIES,
    THREAT_CATEGORY_FAMILY,
    THREAT_STATUSES,
    Impact,
    Likelihood,
    ThreatCategory,
    ThreatStatus,
    rated_severity,
)

#: Severity -> the (likelihood, impact) pair a threat of that severity is given (each rates to it).
RATING_OF_SEVERITY: dict[str, tuple[Likelihood, Impact]] = {
    "critical": (Likelihood.VERY_LIKELY, Impact.VERY_HIGH),
    "high": (Likelihood.LIKELY, Impact.HIGH),
    "medium": (Likelihood.LIKELY, Impact.MEDIUM),
    "low": (Likelihood.UNLIKELY, Impact.MEDIUM),
    "info": (Likelihood.UNLIKELY, Impact.LOW),
}
#: Other tools' category names -> ours (lower case, words joined by "-").
_ALIASES: dict[str, str] = {
    "information-disclosure": "information-disclosure",
    "disclosure-of-information": "data-disclosure",
    "elevation-of-privileges": "elevation-of-privilege",
    "denial-of-service": "denial-of-service",
    "linkability": "linking",
    "identifiability": "identifying",
    "detectability": "detecting",
    "unawareness-and-unintervenability": "unawareness",
    "unintervenability": "unawareness",
    "non-repudiation": "non-repudiation",
}
_WORDS = re.compile(r"[^a-z0-9]+")
#: Our statuses -> Threat Dragon's words.
TD_STATUS: dict[str, str] = {
    ThreatStatus.OPEN.value: "Open",
    ThreatStatus.MITIGATED.value: "Mitigated",
    ThreatStatus.ACCEPTED.value: "Accepted",
    ThreatStatus.FALSE_POSITIVE.value: "NA",
    ThreatStatus.NOT_APPLICABLE.value: "NA",
}


def category_of(text: str) -> ThreatCategory | None:
    key = _WORDS.sub("-", text.strip().lower()).strip("-")
    key = _ALIASES.get(key, key)
    return ThreatCategory(key) if key in THREAT_CATEGORIES else None


def category_label(category: ThreatCategory) -> str:
    """The category as Threat Dragon and OTM files name it (``Information disclosure``)."""
    return category.value.replace("-", " ").capitalize()


def method_of(category: ThreatCategory) -> str:
    return "LINDDUN" if THREAT_CATEGORY_FAMILY[category.value] == "linddun" else "STRIDE"


def with_foreign_threats(snapshot: Snapshot, threats: Iterable[ForeignThreat]) -> Snapshot:
    """The snapshot with the tool's threats on its elements added as manual threats (those whose id the
    model's threats already hold, as in a Trustmap export read back, are not added twice)."""
    ids = IdAllocator()
    ids.used |= set(snapshot.element_by_id)
    known = {t.id for t in snapshot.threats} | {t.foreign_id for t in snapshot.threats if t.foreign_id}
    added: list[Threat] = []
    for foreign in threats:
        target = foreign.element
        if target is None or target not in snapshot.element_by_id or foreign.id in known:
            continue
        known.add(foreign.id)
        category = category_of(foreign.category)
        likelihood, impact = RATING_OF_SEVERITY.get(foreign.severity, (Likelihood.LIKELY, Impact.MEDIUM))
        attributes: dict[str, str] = {}
        if foreign.category and category is None:
            attributes["source_category"] = foreign.category[:MAX_NAME]
        if foreign.source_status:
            attributes["source_status"] = foreign.source_status[:MAX_NAME]
        if foreign.justification:
            attributes["justification"] = foreign.justification[:MAX_TEXT]
        added.append(
            Threat(
                id=ids.allocate("threat", foreign.id, f"threat-{foreign.title}"),
                target=target,
                title=foreign.title[:MAX_NAME].strip() or "Untitled threat",
                category=category or ThreatCategory.TAMPERING,
                description=foreign.description[:MAX_TEXT],
                likelihood=likelihood,
                impact=impact,
                status=ThreatStatus(foreign.status) if foreign.status in THREAT_STATUSES else ThreatStatus.OPEN,
                mitigation=(foreign.mitigation or foreign.justification)[:MAX_TEXT],
                attributes=attributes,
                foreign_id=foreign.id[:512],
            )
        )
    if not added:
        return snapshot
    return snapshot.with_elements("threats", [*snapshot.threats, *added])


# -- export ------------------------------------------------------------------------------------


def add_cell_threats(snapshot: Snapshot, cells: list[dict[str, Any]]) -> None:
    """Each node and flow cell lists the manual threats of its element, as Threat Dragon shows them."""
    number = 0
    for cell in cells:
        element = cell["data"].get("trustmap", {}).get("id")
        threats = snapshot.threats_by_target.get(element, ()) if element else ()
        for threat in threats:
            number += 1
            cell["data"]["threats"].append(
                {
                    "threatId": threat.id,
                    "title": threat.title,
                    "status": TD_STATUS[threat.status.value],
                    "severity": _TD_SEVERITY[rated_severity(threat.likelihood.value, threat.impact.value)],
                    "type": category_label(threat.category),
                    "modelType": method_of(threat.category),
                    "description": threat.description,
                    "mitigation": threat.mitigation,
                    "number": number,
                    "score": "",
                }
            )
            cell["data"]["hasOpenThreats"] = cell["data"].get("hasOpenThreats", False) or threat.status == "open"


_TD_SEVERITY = {"critical": "High", "high": "High", "medium": "Medium", "low": "Low", "info": "Low"}


#: Likelihood / impact index -> OTM's 0-100 rating (the reader bands impact back: 25 low ... 100 critical).
_OTM_RATING = (25, 50, 75, 100)
_OTM_STATE = {"open": "exposed", "mitigated": "mitigated", "accepted": "accepted", "false-positive": "na"}


def add_otm_threats(snapshot: Snapshot, document: dict[str, Any]) -> None:
    """OTM's threat and mitigation definitions, and the threat instances on components and data flows."""
    document["threats"] = [
        {
            "id": t.id,
            "name": t.title,
            "description": t.description,
            "categories": [category_label(t.category)],
            "risk": {
                "likelihood": _OTM_RATING[LIKELIHOODS.index(t.likelihood)],
                "impact": _OTM_RATING[IMPACTS.index(t.impact)],
            },
        }
        for t in snapshot.threats
    ]
    document["mitigations"] = [
        {"id": f"{t.id}-mitigation", "name": t.mitigation[:200], "description": t.mitigation, "riskReduction": 100}
        for t in snapshot.threats
        if t.mitigation
    ]
    for item in document["components"] + document["dataflows"]:
        instances = []
        for t in snapshot.threats_by_target.get(item["id"], ()):
            instance: dict[str, Any] = {"threat": t.id, "state": _OTM_STATE.get(t.status.value, "na")}
            if t.mitigation:
                done = "implemented" if t.status == "mitigated" else "required"
                instance["mitigations"] = [{"mitigation": f"{t.id}-mitigation", "state": done}]
            instances.append(instance)
        if instances:
            item["threats"] = instances
