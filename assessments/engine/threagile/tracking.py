"""Threagile risk tracking: statuses from ``risk_tracking`` onto the generated risks.

An exact entry beats a wildcard one; ``*`` stands for one @-segment. Untracked risks are ``unchecked``. An entry
matching no risk is an error unless orphans are ignored (Threagile's ``-ignore-orphaned-risk-tracking``).

Compatible mode reproduces Threagile: the wildcard pattern is searched anywhere in the id (not anchored), so
``missing-hardening@*`` also covers ``x-missing-hardening@a@b``; when two wildcard entries match one risk, the first
one applied wins (Go map order, i.e. random, upstream; document order here). Fixed mode anchors the pattern to
the whole id and lets the most specific entry (fewest ``*``) win.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from assessments.engine.threagile.context import Risk
from threatmodel.interchange.threagile.model import RiskTracking

STILL_AT_RISK = frozenset({"unchecked", "in-discussion", "accepted", "in-progress"})


class RiskTrackingError(ValueError):
    """A tracking entry references no generated risk."""


@dataclass(frozen=True, slots=True)
class TrackingResult:
    risks: tuple[Risk, ...]
    tracking: dict[str, RiskTracking]  # lower-cased risk id -> the entry that applies
    orphans: tuple[str, ...]  # tracking keys that matched no risk


def _pattern(key: str, anchored: bool) -> re.Pattern[str]:
    body = re.escape(key.lower()).replace(r"\*", "[^@]+")
    return re.compile(f"^{body}$" if anchored else body)


def apply_tracking(
    risks: list[Risk], entries: tuple[RiskTracking, ...], *, fixed: bool, ignore_orphans: bool
) -> TrackingResult:
    ids = {r.synthetic_id.lower() for r in risks}
    applied: dict[str, RiskTracking] = {}
    orphans: list[str] = []
    exact = [e for e in entries if "*" not in e.synthetic_risk_id]
    wildcards = [e for e in entries if "*" in e.synthetic_risk_id]
    for entry in exact:
        key = entry.synthetic_risk_id.lower() if fixed else entry.synthetic_risk_id
        applied[key] = entry
        if key not in ids:
            orphans.append(entry.synthetic_risk_id)
    if fixed:
        wildcards.sort(key=lambda e: e.synthetic_risk_id.count("*"))
    for entry in wildcards:
        pattern = _pattern(entry.synthetic_risk_id, anchored=fixed)
        matched = False
        for risk_id in sorted(ids):
            if (pattern.fullmatch(risk_id) if fixed else pattern.search(risk_id)) and risk_id not in applied:
                applied[risk_id] = entry
                matched = True
        if not matched:
            orphans.append(entry.synthetic_risk_id)
    if orphans and not ignore_orphans:
        raise RiskTrackingError(
            "risk_tracking references no identified risk: "
            + ", ".join(repr(o) for o in orphans)
            + " (check the ids, or ignore orphaned risk tracking)"
        )
    out = tuple(_tracked(r, applied, r.synthetic_id.lower() if fixed else r.synthetic_id) for r in risks)
    return TrackingResult(out, applied, tuple(orphans))


def _tracked(risk: Risk, applied: dict[str, RiskTracking], key: str) -> Risk:
    entry = applied.get(key)
    if entry is None or entry.status == risk.status:
        return risk  # risks are built "unchecked": no copy needed
    return replace(risk, status=entry.status)
