"""CSV of findings (pure Python): one row per finding, stable column order, formula-injection safe.

Any cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a single quote
so spreadsheet programs show it as text instead of evaluating it (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io

from assessments.reporting.model import ReportModel

#: The column order is part of the format (docs/reports.md): append new columns at the end only.
COLUMNS: tuple[str, ...] = (
    "id",
    "rule",
    "title",
    "severity",
    "likelihood",
    "impact",
    "family",
    "principle",
    "ztmm_pillar",
    "ztmm_function",
    "stride",
    "cwe",
    "asvs",
    "nist_800_207_tenet",
    "elements",
    "element_names",
    "evidence",
    "remediation",
    "mitigated_by",
    "triage_status",
    "triage_note",
)
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_DANGEROUS):
        return "'" + text
    return text


def rows(report: ReportModel) -> list[list[str]]:
    out: list[list[str]] = []
    for view in report.findings:
        f = view.finding
        out.append(
            [
                safe_cell(v)
                for v in (
                    f.id,
                    f.rule,
                    f.title,
                    f.severity,
                    f.likelihood,
                    f.impact,
                    f.family,
                    f.principle,
                    f.pillar,
                    f.function,
                    f.stride,
                    f.cwe,
                    f.asvs,
                    f.tenet or "",
                    " | ".join(f.elements),
                    " | ".join(e.name for e in view.elements),
                    "; ".join(f"{k}: {v}" for k, v in view.evidence),
                    f.remediation,
                    " | ".join(f.mitigated_by),
                    view.triage,
                    view.triage_note,
                )
            ]
        )
    return out


def write_csv(report: ReportModel) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    writer.writerows(rows(report))
    return buffer.getvalue()
