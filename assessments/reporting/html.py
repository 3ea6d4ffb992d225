"""HTML report rendered with Django templates (``templates/reports/report.html``).

The same HTML is the downloadable HTML report and the input of the PDF renderer. It is self-contained: the
print stylesheet (``static/reports/report.css``) is inlined, diagrams and charts are inline SVG generated on
the server (Graphviz for diagrams, :mod:`assessments.reporting.charts` for charts), and there is no
JavaScript. User text reaches the page only through Django autoescaping; the only ``mark_safe`` values are
SVG documents that we generated with every text escaped (see ``dot.quote`` and ``charts.esc``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from assessments.reporting import charts, dot, graphviz
from assessments.reporting.model import FindingView, ReportModel, RuleGroup, SeverityGroup

LOGGER = logging.getLogger(__name__)
ASSETS_DIR = Path(__file__).resolve().parents[2] / "static" / "reports"
CSS_FILE = ASSETS_DIR / "report.css"

#: Section id -> title, in report order (the table of contents and the tests use this list).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Executive summary"),
    ("diagram", "System diagram"),
    ("findings", "Findings"),
    ("attack-paths", "Attack paths"),
    ("plan", "Remediation plan"),
    ("accepted", "Accepted risks"),
    ("appendix", "Appendix: rules that ran"),
)

Progress = Callable[[int, str], None]
#: A PDF of more findings than this details at most ``PDF_ROWS_PER_RULE`` findings per rule and names the other
#: affected elements (up to ``PDF_NAMES_PER_RULE``); the CSV, SARIF and JSON exports and the HTML report list all.
PDF_DETAIL_THRESHOLD = 250
PDF_ROWS_PER_RULE = 3
PDF_NAMES_PER_RULE = 20
PDF_PATHS_CONDENSED = 6
#: Print boxes (mm) the diagrams are fitted into: landscape A4 body below the heading, portrait A4 body width.
DIAGRAM_BOX = (262.0, 128.0)
#: A page of one boundary has the whole landscape body below its heading.
BOUNDARY_PAGE_BOX = (262.0, 140.0)
PATH_BOX = (172.0, 38.0)


#: At most this many pages of the system diagram per top-level boundary follow the overview page.
MAX_BOUNDARY_PAGES = 12


@dataclass(frozen=True)
class Diagrams:
    system: SafeString | None
    system_note: str
    paths: dict[str, SafeString]
    #: (boundary name, SVG): one landscape page per top-level boundary after the overview (two or more of them)
    boundary_pages: tuple[tuple[str, SafeString], ...] = ()


def render_diagrams(report: ReportModel, *, overview_threshold: int = 250, timeout: float = 60.0) -> Diagrams:
    """System and attack-path diagrams as inline SVG (``None`` with a note when Graphviz is unavailable)."""
    if not graphviz.available():
        return Diagrams(None, "Graphviz is not installed on the server; the diagram is omitted.", {})
    snapshot = report.snapshot
    overview = len(snapshot.components) > overview_threshold
    note = ""
    if overview:
        note = (
            f"The model has {len(snapshot.components)} components: the diagram shows an overview of the trust "
            "boundaries (component counts, worst finding per boundary, flows between boundaries)."
        )
    try:
        system: SafeString | None = mark_safe(  # noqa: S308 - generated, escaped
            graphviz.inline_svg(
                graphviz.render_svg(
                    dot.system_dot(snapshot, report.worst, overview_threshold=overview_threshold),
                    timeout=timeout,
                    fast=False,
                ),
                css_class="diagram",
                box_mm=DIAGRAM_BOX,
                id_prefix="sys",
            )
        )
    except graphviz.GraphvizError as exc:
        LOGGER.warning("system diagram failed: %s", exc)
        system, note = None, f"The diagram could not be drawn ({exc})."
    pages = boundary_pages(report, overview_threshold=overview_threshold, timeout=timeout) if system else ()
    paths: dict[str, SafeString] = {}
    for index, view in enumerate(report.attack_paths):
        try:
            svg = graphviz.render_svg(dot.path_dot(snapshot, view.path, report.worst), timeout=timeout)
        except graphviz.GraphvizError as exc:
            LOGGER.warning("attack path diagram failed: %s", exc)
            continue
        paths[view.path.id] = mark_safe(  # noqa: S308 - generated, escaped
            graphviz.inline_svg(
                svg,
                css_class="path-diagram",
                box_mm=PATH_BOX,
                id_prefix=f"path{index}",
                max_scale=1.0,
            )
        )
    return Diagrams(system, note, paths, pages)


def boundary_pages(
    report: ReportModel, *, overview_threshold: int, timeout: float
) -> tuple[tuple[str, SafeString], ...]:
    """The system diagram cut at its top-level boundaries (a big one at its inner boundaries:
    ``dot.diagram_pages``), one page each at the scale a page allows, so labels stay legible on A4; flows that
    leave a boundary are drawn to their other end."""
    cuts = dot.diagram_pages(report.snapshot)
    if len(cuts) < 2:
        return ()
    pages = []
    for index, (boundary, nested) in enumerate(cuts[:MAX_BOUNDARY_PAGES]):
        part = dot.boundary_snapshot(report.snapshot, boundary.id, nested=nested)
        if not part.components:
            continue
        name = boundary.name or boundary.id
        title = f"Boundary: {name}" if nested else f"Boundary: {name} (components directly in it)"
        try:
            svg = graphviz.render_svg(
                dot.system_dot(part, report.worst, overview_threshold=overview_threshold, title=title),
                timeout=timeout,
                fast=False,
            )
        except graphviz.GraphvizError as exc:
            LOGGER.warning("diagram of boundary %s failed: %s", boundary.id, exc)
            continue
        inline = graphviz.inline_svg(svg, css_class="diagram", box_mm=BOUNDARY_PAGE_BOX, id_prefix=f"bnd{index}")
        pages.append((title.removeprefix("Boundary: "), mark_safe(inline)))  # noqa: S308 - generated, escaped
    return tuple(pages)


@dataclass(frozen=True)
class RuleBlock:
    group: RuleGroup
    shown: tuple[FindingView, ...]
    more_names: tuple[str, ...]
    more_count: int


@dataclass(frozen=True)
class SeverityBlock:
    group: SeverityGroup
    rules: tuple[RuleBlock, ...]


def finding_blocks(report: ReportModel, *, rows_per_rule: int | None) -> tuple[SeverityBlock, ...]:
    """The findings chapter: every finding, or (``rows_per_rule``) the first rows per rule plus names of the rest."""
    blocks = []
    for group in report.severity_groups:
        rules = []
        for rule_group in group.rules:
            views = rule_group.findings
            if rows_per_rule is None or len(views) <= rows_per_rule:
                rules.append(RuleBlock(rule_group, views, (), 0))
                continue
            rest = views[rows_per_rule:]
            names = tuple(dict.fromkeys(v.elements[0].name if v.elements else v.finding.id for v in rest))
            rules.append(RuleBlock(rule_group, views[:rows_per_rule], names[:PDF_NAMES_PER_RULE], len(rest)))
        blocks.append(SeverityBlock(group, tuple(rules)))
    return tuple(blocks)


def report_context(report: ReportModel, diagrams: Diagrams, *, for_pdf: bool) -> dict[str, Any]:
    safe = mark_safe  # every value below is SVG/CSS produced by this package with all text escaped
    condensed = for_pdf and len(report.findings) > PDF_DETAIL_THRESHOLD
    shown_paths = report.attack_paths[:PDF_PATHS_CONDENSED] if condensed else report.attack_paths
    paths = [{"view": p, "svg": diagrams.paths.get(p.path.id)} for p in shown_paths]
    max_gain = max((p.step.gain for p in report.plan), default=0.0) or 1.0
    blocks = finding_blocks(report, rows_per_rule=PDF_ROWS_PER_RULE if condensed else None)
    return {
        "r": report,
        "css": safe(CSS_FILE.read_text(encoding="utf-8")),
        "for_pdf": for_pdf,
        "sections": SECTIONS,
        "section_title": dict(SECTIONS),
        "diagram": diagrams.system,
        "diagram_note": diagrams.system_note,
        "boundary_pages": diagrams.boundary_pages,
        "paths": paths,
        "plan_rows": [{"view": p, "bar": round(100 * max(p.step.gain, 0.0) / max_gain, 1)} for p in report.plan],
        "gauge": safe(
            charts.score_gauge(report.overall if report.assessed else None, report.stage, grade=report.grade)
        ),
        "severity_chart": safe(charts.severity_bars(report.counts)),
        "principle_chart": safe(charts.score_bars(report.principles, title="Score per principle")),
        "pillar_chart": safe(charts.score_bars(report.pillars, title="Score per ZTMM pillar")),
        "trend_chart": safe(charts.trend_chart(report.history)),
        "finding_total": len(report.findings),
        "finding_blocks": blocks,
        "findings_condensed": condensed,
        "rows_per_rule": PDF_ROWS_PER_RULE,
        "findings_detailed": sum(len(rb.shown) for sb in blocks for rb in sb.rules),
    }


def render_html(
    report: ReportModel, *, for_pdf: bool = False, diagrams: Diagrams | None = None, progress: Progress | None = None
) -> str:
    if diagrams is None:
        if progress:
            progress(30, "Drawing diagrams")
        diagrams = render_diagrams(report)
    if progress:
        progress(50, "Laying out the report")
    return render_to_string("reports/report.html", report_context(report, diagrams, for_pdf=for_pdf))
