"""HTML and PDF reports: every section, a real PDF checked with pypdf/pdftotext, page images, no fetches."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from assessments.engine import assess
from assessments.reporting.html import SECTIONS, render_html
from assessments.reporting.model import ReportInputs, build_report_model
from assessments.reporting.pdf import ASSETS_DIR, ReportURLFetcher, html_to_pdf, render_pdf
from tests.reports.conftest import FIXED_NOW, HOSTILE, ROOT, hostile_small, hostile_snapshot

PAGES_DIR = ROOT / "artifacts" / "report-pages"


@pytest.fixture(scope="module")
def demo_html(demo_report) -> str:
    return render_html(demo_report)


@pytest.fixture(scope="module")
def demo_pdf(demo_report) -> tuple[bytes, ReportURLFetcher]:
    fetcher = ReportURLFetcher()
    return render_pdf(demo_report, fetcher=fetcher), fetcher


def _pdf_text(pdf: bytes) -> str:
    if shutil.which("pdftotext"):
        done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
        return done.stdout.decode("utf-8")
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


# -- HTML --------------------------------------------------------------------------------------------


def test_html_report_of_the_demo_has_every_section(demo_report, demo_html):
    for section_id, title in SECTIONS:
        assert f'id="{section_id}"' in demo_html
        assert f'href="#{section_id}"' in demo_html  # in the table of contents
        assert f"<h2>{title.replace(':', ':')}</h2>" in demo_html
    assert demo_report.model_name in demo_html
    assert "Alice Reviewer" in demo_html and "22 November 2026" in demo_html
    for group in demo_report.severity_groups:
        assert f'id="findings-{group.severity}"' in demo_html
        for rule_group in group.rules:
            assert rule_group.rule.id in demo_html
    for view in demo_report.findings:
        assert view.finding.id in demo_html
    assert "<script" not in demo_html.lower()
    assert demo_html.count("<svg") >= 5  # gauge, 3 charts+trend, system diagram, path diagrams
    assert "Top risks" in demo_html and demo_report.top_risks[0].split(":")[0] in demo_html
    assert "Acceptance expired" in demo_html or "expired" in demo_html


def test_html_mappings_are_shown(demo_report, demo_html):
    rule = demo_report.severity_groups[0].rules[0].rule
    assert "STRIDE" in demo_html and "NIST 800-207" in demo_html and "CISA ZTMM" in demo_html
    if rule.cwe:
        assert rule.cwe in demo_html


def test_html_escapes_hostile_names(demo_snapshot):
    snapshot = hostile_snapshot(demo_snapshot)
    report = build_report_model(ReportInputs(snapshot, assess(snapshot), generated_at=FIXED_NOW))
    html = render_html(report)
    assert "<img" not in html
    assert "<script>alert" not in html
    assert "&lt;img src=&quot;http://127.0.0.1:9/x&quot;&gt;" in html or "&lt;img src=&#x27;" in html


# -- PDF ---------------------------------------------------------------------------------------------


def test_demo_pdf_pages_toc_and_text(demo_report, demo_pdf):
    pdf, fetcher = demo_pdf
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    assert pages >= 8
    text = _pdf_text(pdf)
    assert demo_report.model_name in text
    for _id, title in SECTIONS:
        assert title in text, title
    # table of contents with page numbers (CSS target-counter) on page 2
    toc = reader.pages[1].extract_text()
    for _id, title in SECTIONS:
        assert re.search(re.escape(title) + r"[ .]*\d+", toc), title
    # running footer "Page X of Y" on every page but the cover
    assert f"Page 2 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert fetcher.attempts == []  # self-contained: nothing was fetched


def test_demo_pdf_page_images(demo_pdf):
    """Page images for a human look (``artifacts/`` is gitignored)."""
    assert shutil.which("pdftoppm"), "poppler-utils is missing: run make system-test"
    pdf, _ = demo_pdf
    PAGES_DIR.mkdir(parents=True, exist_ok=True)
    for old in PAGES_DIR.glob("page-*.png"):
        old.unlink()
    (PAGES_DIR.parent / "demo-report.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(PAGES_DIR.parent / "demo-report.pdf"), str(PAGES_DIR / "page")],
        check=True,
        timeout=60,
    )
    images = sorted(PAGES_DIR.glob("page-*.png"))
    assert len(images) == len(PdfReader(io.BytesIO(pdf)).pages)


def test_hostile_model_renders_without_any_fetch_attempt():
    snapshot = hostile_small()
    report = build_report_model(ReportInputs(snapshot, assess(snapshot), generated_at=FIXED_NOW))
    html = render_html(report, for_pdf=True)
    assert "<img" not in html and "<script>" not in html and "<link rel" not in html.split("</head>", 1)[1]
    assert "<style>@import" not in html and "<b>bold</b>" not in html
    fetcher = ReportURLFetcher()
    pdf = render_pdf(report, fetcher=fetcher, html=html)
    assert fetcher.attempts == []  # not one fetch was even attempted
    text = _pdf_text(pdf)
    assert '<img src="http://127.0.0.1:9/x">' in text  # the name is printed as text, not loaded
    assert "<b>bold</b>" in text


def test_fetcher_refuses_everything_but_report_assets(tmp_path):
    fetcher = ReportURLFetcher()
    for url in (
        "http://127.0.0.1:9/x",
        "https://example.invalid/a.css",
        "ftp://127.0.0.1/x",
        "file:///etc/passwd",
        (ASSETS_DIR / ".." / ".." / "pyproject.toml").as_uri(),
        "file://remote-host/static/reports/report.css",
        "data:text/css,body{}",
    ):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 7
    response = fetcher.fetch((ASSETS_DIR / "report.css").as_uri())
    assert b"@page" in response.read()
    uri = fetcher.allow_data("data:text/plain,ok")
    assert fetcher.fetch(uri).read() == b"ok"
    assert [a.allowed for a in fetcher.attempts][-2:] == [True, True]


def test_injected_markup_cannot_reach_the_network_or_disk():
    """Even raw hostile HTML (which autoescaping prevents) cannot make the PDF renderer fetch anything."""
    fetcher = ReportURLFetcher()
    html = (
        f'<html><head><link rel="stylesheet" href="file:///etc/passwd">'
        f'<style>@import url("http://127.0.0.1:9/a.css"); body {{ background: url("http://127.0.0.1:9/b.png") }}'
        f'</style></head><body>{HOSTILE}<img src="../../pyproject.toml"><p>x</p></body></html>'
    )
    pdf = html_to_pdf(html, fetcher=fetcher)
    assert pdf.startswith(b"%PDF-")
    assert fetcher.attempts and all(not a.allowed for a in fetcher.attempts)
    refused = " ".join(a.url for a in fetcher.attempts)
    assert "127.0.0.1:9" in refused and "/etc/passwd" in refused


def test_empty_assessment_renders_every_format(demo_snapshot, monkeypatch):
    """No findings, no paths, no plan and no Graphviz: every format still renders."""
    from assessments.engine.results import AssessmentResult, ScoreBreakdown
    from assessments.reporting import csv_writer, graphviz, sarif

    empty = AssessmentResult(
        model="m",
        revision=2,
        findings=(),
        attack_paths=(),
        blast_radius=(),
        scores=ScoreBreakdown(overall=100.0, stage="optimal", principles=(), pillars=()),
        plan=(),
        rules_run=(),
    )
    report = build_report_model(ReportInputs(demo_snapshot, empty, generated_at=FIXED_NOW))
    monkeypatch.setattr(graphviz, "available", lambda: False)
    html = render_html(report)
    assert "No findings." in html and "Graphviz is not installed" in html
    assert "No attack path" in html and "Nothing to fix." in html and "No accepted risks." in html
    assert csv_writer.write_csv(report).count("\r\n") == 1
    assert sarif.to_sarif(report)["runs"][0]["results"] == []


def test_big_models_get_a_condensed_pdf_and_a_boundary_overview():
    """Above 250 findings the PDF details 3 findings per rule and names the rest; the HTML keeps every finding."""
    from assessments.reporting import html as html_module
    from testkit.synthetic import generate_snapshot

    snapshot = generate_snapshot(300, 600, seed=5)
    result = assess(snapshot)
    assert len(result.findings) > html_module.PDF_DETAIL_THRESHOLD
    report = build_report_model(ReportInputs(snapshot, result, generated_at=FIXED_NOW))
    diagrams = html_module.Diagrams(None, "", {})
    printed = render_html(report, for_pdf=True, diagrams=diagrams)
    assert "the PDF details the first" in printed and "more findings of this rule" in printed
    assert printed.count('class="frow ') < len(result.findings)
    blocks = html_module.finding_blocks(report, rows_per_rule=html_module.PDF_ROWS_PER_RULE)
    assert all(len(rb.shown) <= html_module.PDF_ROWS_PER_RULE for sb in blocks for rb in sb.rules)
    assert sum(len(rb.shown) + rb.more_count for sb in blocks for rb in sb.rules) == len(result.findings)
    screen = render_html(report, diagrams=diagrams)
    assert screen.count('class="frow ') == len(result.findings)
    from assessments.reporting.dot import system_dot

    assert system_dot(snapshot, report.worst).startswith("digraph overview")


def test_reports_state_grade_stage_and_coverage(demo_report, demo_html, demo_pdf):
    from assessments.reporting.text import write_text

    scores = demo_report.result.scores
    assert scores.assessed and scores.grade and scores.coverage is not None
    coverage = f"{round(scores.coverage.ratio * 100)}%"
    text = write_text(demo_report)
    assert f"Overall score: Grade {scores.grade}: {scores.overall:.1f}/100 ({demo_report.stage_label}" in text
    assert f"coverage {scores.coverage.ratio:.0%}" in text
    assert f'data-testid="report-grade">{scores.grade}</span>' in demo_html
    assert f'data-testid="report-coverage">{coverage}</strong>' in demo_html
    assert f"Model coverage: {coverage}" in _pdf_text(demo_pdf[0])
    from assessments.reporting import sarif

    sarif_run = sarif.to_sarif(demo_report)["runs"][0]["properties"]
    assert sarif_run["grade"] == scores.grade and sarif_run["coverage"] == round(scores.coverage.ratio, 4)


def _page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """(width, height) in points of every page, from ``pdfinfo``."""
    done = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", "-"], input=pdf, capture_output=True, check=True)
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", done.stdout.decode())
    return [(float(w), float(h)) for w, h in sizes]


def test_system_diagram_is_an_overview_plus_one_legible_page_per_boundary(demo_report, demo_pdf):
    """Issue 14 item 6: the diagram on landscape A4 pages, one per boundary, drawn as vector text (the labels
    are text in the PDF, not pixels)."""
    from assessments.reporting import dot

    assert shutil.which("pdfinfo") and shutil.which("pdftotext"), "poppler-utils is missing: run make system-test"
    pdf, _ = demo_pdf
    sizes = _page_sizes(pdf)
    cuts = dot.diagram_pages(demo_report.snapshot)
    assert len(cuts) >= 3
    texts = [
        subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        for n in range(1, len(sizes) + 1)
    ]
    overview = next(i for i, t in enumerate(texts) if "Trust boundaries are drawn as nested boxes" in t)
    assert sizes[overview][0] > sizes[overview][1]  # landscape
    for boundary, nested in cuts:
        part = dot.boundary_snapshot(demo_report.snapshot, boundary.id, nested=nested)
        heading = f"System diagram: {boundary.name}"
        index = next(i for i, t in enumerate(texts) if heading in t)
        assert sizes[index][0] > sizes[index][1], heading  # a landscape page of its own
        page = re.sub(r"\s+", " ", texts[index])
        for component in part.components:  # every node label is text on that page: vector, not an image
            assert component.name in page, (heading, component.name)
        assert len(part.components) <= 20  # small enough to read at A4
    # every component of the model is on some boundary page or inside a boundary-less area of the overview
    on_pages = {c.id for b, n in cuts for c in dot.boundary_snapshot(demo_report.snapshot, b.id, nested=n).components}
    assert on_pages >= {c.id for c in demo_report.snapshot.components if c.boundary}
