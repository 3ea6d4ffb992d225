"""The report file of any format, rendered from pure inputs (no database): the report jobs
(``assessments.services.reports``) and the ``assess`` command use it.

* :func:`build_model` turns a snapshot, an engine result, triage decisions and the score history into the
  report model (with the rule catalog and the generation time);
* :func:`render_bytes` writes that model as PDF, HTML, SARIF, CSV, JSON or text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.utils import timezone

from assessments.engine.codec import to_json_dict
from assessments.engine.results import AssessmentResult
from assessments.reporting import csv_writer, sarif, text
from assessments.reporting.model import HistoryPoint, ReportInputs, ReportModel, TriageDecision, build_report_model
from threatmodel.domain import Snapshot

Progress = Callable[[int, str], None]

#: Format -> (file extension, MIME type).
FORMATS: dict[str, tuple[str, str]] = {
    "pdf": ("pdf", "application/pdf"),
    "html": ("html", "text/html; charset=utf-8"),
    "sarif": ("sarif", "application/sarif+json"),
    "csv": ("csv", "text/csv; charset=utf-8"),
    "json": ("json", "application/json"),
    "text": ("txt", "text/plain; charset=utf-8"),
}


def build_model(
    snapshot: Snapshot,
    result: AssessmentResult,
    *,
    triage: Iterable[TriageDecision] = (),
    history: Sequence[HistoryPoint] = (),
    author: str = "",
) -> ReportModel:
    return build_report_model(
        ReportInputs(snapshot, result, triage=triage, history=history, author=author, generated_at=timezone.now())
    )


def render_bytes(
    fmt: str,
    report: ReportModel,
    *,
    progress: Progress | None = None,
    source_uri: str = "",
    source_text: str = "",
    json_document: Mapping[str, Any] | None = None,
    manifest_locations: Mapping[str, tuple[str, int]] | None = None,
) -> bytes:
    """The report file in ``fmt`` (pdf, html, sarif, csv, json, text).

    JSON is the engine's documented document (``docs/assessment-json.md``): ``json_document`` when given (the
    stored result of a run, byte for byte what the run recorded), else the serialisation of ``report.result``.
    """
    if fmt == "pdf":
        from assessments.reporting.pdf import render_pdf

        return render_pdf(report, progress=progress)
    if fmt == "html":
        from assessments.reporting.html import render_html

        return render_html(report, progress=progress).encode("utf-8")
    if fmt == "sarif":
        return sarif.write_sarif(
            report, source_uri=source_uri, source_text=source_text, manifest_locations=manifest_locations
        ).encode("utf-8")
    if fmt == "csv":
        return csv_writer.write_csv(report).encode("utf-8")
    if fmt == "json":
        document = json_document if json_document is not None else to_json_dict(report.result)
        return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    if fmt == "text":
        return text.write_text(report).encode("utf-8")
    raise ValueError(f"unknown report format {fmt!r}")
