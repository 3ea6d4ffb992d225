"""A run's finding counts, the one definition every page, report, the API and ``/metrics`` show (through
``assessments.selectors.run_counts`` for stored runs and live assessments, and the report model).

Each finding falls in exactly one bucket, by the first that applies: ``mitigated`` (by a control in the model,
or triaged mitigated), ``false_positive``, ``accepted`` (an acceptance in force; an expired one is open again),
``open``. ``by_severity`` and ``findings`` count every finding, whatever its bucket.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from threatmodel.vocabulary import SEVERITIES

BUCKETS: tuple[str, ...] = ("open", "accepted", "mitigated", "false_positive")


def bucket_of(*, mitigated_by_control: bool, status: str) -> str:
    """``status``: the triage status in force (``open`` without a decision or after an expired acceptance)."""
    if mitigated_by_control or status == "mitigated":
        return "mitigated"
    if status == "false_positive":
        return "false_positive"
    if status == "accepted":
        return "accepted"
    return "open"


def count_findings(items: Iterable[tuple[str, bool, str]]) -> dict[str, Any]:
    """``items``: ``(severity, mitigated by a control, triage status in force)`` per finding.

    ``{"open": {severity: n}, "accepted": {...}, "mitigated": {...}, "false_positive": {...},
    "by_severity": {...}, "totals": {bucket: n}, "findings": n}`` with every severity present."""
    out: dict[str, Any] = {bucket: dict.fromkeys(SEVERITIES, 0) for bucket in (*BUCKETS, "by_severity")}
    for severity, mitigated, status in items:
        bucket = bucket_of(mitigated_by_control=mitigated, status=status)
        out[bucket][severity] = out[bucket].get(severity, 0) + 1
        out["by_severity"][severity] = out["by_severity"].get(severity, 0) + 1
    out["totals"] = {bucket: sum(out[bucket].values()) for bucket in BUCKETS}
    out["findings"] = sum(out["by_severity"].values())
    return out


def ordered_counts(counts: Mapping[str, Any]) -> dict[str, Any]:
    """Stored counts (``count_findings``' shape, read back from JSON, whose key order a database may change) in
    ``count_findings``' order; any other key (e.g. ``attack_paths``) after them."""
    out: dict[str, Any] = {}
    for bucket in (*BUCKETS, "by_severity"):
        values = counts.get(bucket) or {}
        out[bucket] = {severity: values.get(severity, 0) for severity in SEVERITIES}
        out[bucket].update({key: n for key, n in values.items() if key not in out[bucket]})
    out["totals"] = {bucket: (counts.get("totals") or {}).get(bucket, 0) for bucket in BUCKETS}
    out["findings"] = counts.get("findings", 0)
    out.update({k: v for k, v in counts.items() if k not in out})
    return out
