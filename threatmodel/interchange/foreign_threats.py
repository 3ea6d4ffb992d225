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

from threatmodel.domain import Snapshot, Threat
from threatmodel.interchange.base import ForeignThreat, IdAllocator
from threatmodel.interchange.schema import MAX_NAME, MAX_TEXT
from threatmodel.vocabulary import (
    THREAT_CATEGORIES,
    THREAT_CATEGORY_FAMILY,
    THREAT_STATUSES,
    Impact,
    Likelihood,
    ThreatCategory,
    ThreatStatus,
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
