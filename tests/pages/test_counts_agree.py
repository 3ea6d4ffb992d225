"""The demo's open findings by severity are the same numbers on the dashboard, the findings page, the API (stored
score and the editor's live assessment), ``/metrics`` and the report (text and PDF), with triage decisions in
force; counted here independently from the run's rows. (The dashboard once read ``counts['critical']`` while
runs stored ``counts['by_severity']`` and showed "none open" for every model.)"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from assessments.choices import JobStatus
from assessments.models import AssessmentRun, Report, RunFinding
from assessments.services import reports, runs
from assessments.services.triage import finding_triage_set
from tests.conftest import client_for
from threatmodel.vocabulary import SEVERITIES

pytestmark = pytest.mark.django_db

LABELS = {"critical": "Critical", "high": "High", "medium": "Medium", "low": "Low", "info": "Info"}


def _pdf_text_page(pdf: bytes, page: int) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), "-", "-"], input=pdf, capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


def _pdf_text(pdf: bytes) -> str:
    if shutil.which("pdftotext"):
        done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
        return done.stdout.decode("utf-8")
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def _chips(html: str) -> dict[str, int]:
    """``<span class="sev sev-high">47 high</span>`` chips -> {severity: n} (absent chips are 0)."""
    found = dict.fromkeys(SEVERITIES, 0)
    for n, severity in re.findall(r'<span class="sev sev-\w+"[^>]*>(\d+) (\w+)</span>', html):
        found[severity] = int(n)
    return found


def _report(model: Any, run: Any, user: Any, fmt: str, capture: Any) -> bytes:
    with capture(execute=True):
        report = reports.report_request(model=model, run=run, fmt=fmt, user=user)
    report = Report.objects.get(pk=report.pk)
    assert report.status == JobStatus.SUCCEEDED, report.error
    with report.file.open("rb") as handle:
        return bytes(handle.read())


def test_open_counts_agree_everywhere_for_the_demo(team_setup: Any, django_capture_on_commit_callbacks: Any) -> None:
    model, owner = team_setup.model, team_setup.owner
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.assessment_run_start(model=model, user=owner)
    run = AssessmentRun.objects.get(pk=run.pk)
    rows = list(RunFinding.objects.filter(run=run, mitigated_by=[]).order_by("ordinal"))
    high = [r for r in rows if r.severity == "high"]
    decisions = {
        high[0].fingerprint: "accepted",
        high[1].fingerprint: "false_positive",
        high[2].fingerprint: "mitigated",
    }
    for fingerprint, status in decisions.items():
        finding_triage_set(model=model, fingerprint=fingerprint, status=status, user=owner, justification="reviewed")
    expected = dict.fromkeys(SEVERITIES, 0)
    for row in rows:
        if row.fingerprint not in decisions:
            expected[row.severity] += 1
    assert expected["high"] > 0 and sum(expected.values()) == len(rows) - 3

    browser = Client()
    browser.force_login(owner)
    dashboard = browser.get("/").content.decode()
    cell = re.search(rf'data-counts-for="{model.pk}">(.*?)</div>', dashboard, re.S)
    assert cell is not None and _chips(cell.group(1)) == expected, cell and cell.group(1)

    findings_page = browser.get(f"/models/{model.pk}/findings/").content.decode()
    stored = re.search(r'data-testid="stored-counts">(.*?)</section>', findings_page, re.S)
    assert stored is not None and _chips(stored.group(1)) == expected
    assert f"{sum(expected.values())} open" in stored.group(1) and "1 accepted" in stored.group(1)

    api = client_for(team_setup.viewer)
    score = api.get(f"/api/v1/models/{model.pk}/score/").json()
    assert score["revision"] == model.revision and score["counts"]["open"] == expected
    assert score["counts"]["totals"]["accepted"] == 1 and score["counts"]["findings"] == run.counts["findings"]
    live = api.get(f"/api/v1/models/{model.pk}/live-assessment/").json()  # what the editor shows
    assert live["counts"]["open"] == expected

    metrics = api.get("/metrics").content.decode()
    label = f"{team_setup.team.slug}/{model.name}"
    for severity, n in expected.items():
        assert f'trustmap_open_findings{{model="{label}",severity="{severity}"}} {float(n)}' in metrics

    text = _report(model, run, owner, "text", django_capture_on_commit_callbacks).decode()
    assert "Open findings: " + ", ".join(f"{LABELS[s]} {n}" for s, n in expected.items()) in text
    pdf = _pdf_text(_report(model, run, owner, "pdf", django_capture_on_commit_callbacks))
    flat = re.sub(r"\s+", " ", pdf)
    assert f"{sum(expected.values())} open findings" in flat  # the cover
    pdf_bytes = _report(model, run, owner, "pdf", django_capture_on_commit_callbacks)
    cover = re.sub(r"\s+", " ", _pdf_text_page(pdf_bytes, 1))
    summary_page = flat[flat.index("Executive summary OVERALL POSTURE SCORE") :][:400]
    score_text = f"{score['overall']:.1f} / 100"
    assert score_text in cover and score_text in summary_page  # the same score on the cover and in the summary
    stage = score["stage"].capitalize()
    assert f"Maturity stage: {stage}" in cover and f"Maturity stage {stage}" in summary_page
    summary = flat[flat.index("OPEN FINDINGS") :][:600]  # the summary's key figures (columns interleave in text)
    for severity, n in expected.items():
        if n:
            assert re.search(rf"(?<!\d){n} {LABELS[severity]}\b", summary), (severity, n, summary)
