"""Report benchmarks: PDF and Graphviz diagram of a generated 1,000-component model (>= 500 findings).

Prints ``BENCH report_findings_1000 <n> findings``, ``BENCH report_diagram_1000 <s> s`` (Graphviz rendering of the
system diagram the report embeds: the boundary overview, since the model has more than 250 components) and
``BENCH report_pdf_1000 <s> s`` (the whole PDF: report model, diagrams, HTML, WeasyPrint; median of 3).
Also, for reference, ``report_diagram_demo`` (the full diagram of the demo model) and
``report_diagram_full_1000`` (all 1,000 components in nested clusters, cheapest layout options, 1 run).
Targets: PDF <= 15 s, diagram <= 5 s. Quick mode skips the PDF and the full diagram and times the rest once.
"""

from __future__ import annotations

import os
import time

from benchmarks.common import median_time, report

COMPONENTS = 1_000
FLOWS = 2_000
SEED = 11


def run(quick: bool) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)

    from pathlib import Path

    from assessments.engine import assess  # type: ignore[attr-defined]
    from assessments.reporting import dot, graphviz
    from assessments.reporting.model import ReportInputs, build_report_model
    from assessments.reporting.pdf import ReportURLFetcher, render_pdf
    from testkit.synthetic import generate_snapshot
    from threatmodel.interchange.native import read_model

    snapshot = generate_snapshot(COMPONENTS, FLOWS, seed=SEED)
    start = time.perf_counter()
    result = assess(snapshot)
    engine_s = time.perf_counter() - start
    print(f"# engine on {COMPONENTS} components / {FLOWS} flows: {engine_s:.2f} s", flush=True)
    report("report_findings_1000", len(result.findings), "findings")
    model = build_report_model(ReportInputs(snapshot, result, author="benchmark"))

    source = dot.system_dot(snapshot, model.worst)
    runs = 1 if quick else 3
    report("report_diagram_1000", median_time(lambda: graphviz.render_svg(source), runs), "s")

    demo_path = Path(__file__).resolve().parents[1] / "threatmodel" / "demo" / "online-shop.yaml"
    demo = read_model(demo_path.read_text(encoding="utf-8"), demo_path.name)
    demo_model = build_report_model(ReportInputs(demo, assess(demo)))
    demo_source = dot.system_dot(demo, demo_model.worst)
    report("report_diagram_demo", median_time(lambda: graphviz.render_svg(demo_source), runs), "s")

    if quick:
        return

    # For reference: the full-detail diagram (every component, nested clusters) with the cheapest layout options.
    # Reports of models above 250 components embed the overview above instead (docs/reports.md).
    full = dot.system_dot(snapshot, model.worst, overview_threshold=10**9, edge_labels=False)
    try:
        seconds = median_time(lambda: graphviz.render_svg(full, extra=graphviz.LARGE_OPTIONS, timeout=120), 1)
        report("report_diagram_full_1000", seconds, "s")
    except graphviz.GraphvizError as exc:
        print(f"# full diagram of 1,000 components: {exc}", flush=True)

    def pdf() -> None:
        fetcher = ReportURLFetcher()
        data = render_pdf(build_report_model(ReportInputs(snapshot, result, author="benchmark")), fetcher=fetcher)
        assert data.startswith(b"%PDF-") and not fetcher.attempts

    cpu_start = time.process_time()
    report("report_pdf_1000", median_time(pdf, 3), "s")
    # CPU seconds of one rendering: the wall figure above grows when other processes share the 2 cores
    report("report_pdf_1000_cpu", (time.process_time() - cpu_start) / 3, "s")
