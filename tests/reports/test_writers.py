"""Pure report writers: SARIF (schema-valid), CSV (injection-safe), DOT (escaped), SVG charts, report model."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest

from assessments.engine import assess
from assessments.engine.codec import result_from_json, to_json_dict
from assessments.reporting import charts, csv_writer, dot, graphviz, sarif
from assessments.reporting.model import ReportInputs, build_report_model
from catalog.packs.loader import load_rule_catalog
from tests.reports.conftest import FIXED_NOW, HISTORY, HOSTILE, hostile_snapshot, triage_for

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "data" / "sarif-2.1.0.schema.json").read_text())


def _validate_sarif(document: dict) -> None:
    validator = jsonschema.Draft4Validator(SCHEMA)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


# -- SARIF -------------------------------------------------------------------------------------------


def test_sarif_is_valid_against_the_official_schema(demo_report):
    document = sarif.to_sarif(
        demo_report,
        source_uri="threatmodel/demo/online-shop.yaml",
        source_text=Path("threatmodel/demo/online-shop.yaml").read_text(),
    )
    _validate_sarif(document)
    # the writer's text output is the same document
    _validate_sarif(json.loads(sarif.write_sarif(demo_report)))
    assert document["version"] == "2.1.0"


def test_sarif_rules_results_and_fingerprints(demo_report):
    run = sarif.to_sarif(demo_report)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    assert {v.finding.rule for v in demo_report.findings} <= set(ids)
    cwe_rules = [r for r in rules if demo_report.rule_info[r["id"]].cwe]
    assert cwe_rules
    for rule in cwe_rules:
        tags = rule["properties"]["tags"]
        assert "security" in tags
        number = re.search(r"\d+", demo_report.rule_info[rule["id"]].cwe).group(0)
        assert f"external/cwe/cwe-{number}" in tags
        assert float(rule["properties"]["security-severity"]) > 0
        assert rule["help"]["text"] and rule["help"]["markdown"]
    results = run["results"]
    assert len(results) == len(demo_report.findings)
    for result, view in zip(results, demo_report.findings, strict=True):
        assert result["partialFingerprints"][sarif.FINGERPRINT_KEY] == view.finding.id
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == view.finding.rule
        names = {loc["fullyQualifiedName"].rsplit("/", 1)[1] for loc in result["locations"][0]["logicalLocations"]}
        assert names == set(view.finding.elements)
    levels = {r["level"] for r in results}
    assert levels <= {"error", "warning", "note", "none"}
    critical = [r for r in results if r["properties"]["severity"] in ("critical", "high")]
    assert all(r["level"] == "error" for r in critical if r["level"] != "none")
    # accepted risks are suppressed with their justification
    assert any(r.get("suppressions") for r in results)


def test_sarif_physical_locations_point_at_the_model_file(demo_report):
    text = Path("threatmodel/demo/online-shop.yaml").read_text()
    run = sarif.to_sarif(demo_report, source_uri="online-shop.yaml", source_text=text)["runs"][0]
    lines = text.splitlines()
    for result in run["results"][:20]:
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == "online-shop.yaml"
        primary = result["properties"]["elements"][0]
        if "region" in physical:
            assert primary in lines[physical["region"]["startLine"] - 1]


def test_sarif_of_hostile_model_is_valid_and_keeps_text_as_data(demo_snapshot):
    snapshot = hostile_snapshot(demo_snapshot)
    result = assess(snapshot)
    report = build_report_model(ReportInputs(snapshot, result, generated_at=FIXED_NOW))
    document = sarif.to_sarif(report)
    _validate_sarif(document)
    for rule in document["runs"][0]["tool"]["driver"]["rules"]:
        assert "<img" not in rule["help"]["markdown"]


# -- CSV ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\r=x", '=HYPERLINK("http://x")'])
def test_csv_cells_are_formula_safe(value):
    assert csv_writer.safe_cell(value) == "'" + value


def test_csv_has_one_row_per_finding_in_a_stable_column_order(demo_report):
    text = csv_writer.write_csv(demo_report)
    reader = list(csv.reader(io.StringIO(text)))
    assert tuple(reader[0]) == csv_writer.COLUMNS
    assert len(reader) == 1 + len(demo_report.findings)
    assert [row[0] for row in reader[1:]] == [v.finding.id for v in demo_report.findings]


def test_csv_neutralises_formulas_from_model_names(demo_snapshot):
    from dataclasses import replace

    comps = [replace(c, name="=cmd|' /C calc'!A0") for c in demo_snapshot.components]
    snapshot = demo_snapshot.with_elements("components", comps)
    report = build_report_model(ReportInputs(snapshot, assess(snapshot), generated_at=FIXED_NOW))
    rows = list(csv.reader(io.StringIO(csv_writer.write_csv(report))))[1:]
    assert rows
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell
    names = [row[csv_writer.COLUMNS.index("element_names")] for row in rows]
    assert any(name.startswith("'=cmd") for name in names)


# -- DOT ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "quoted"),
    [
        ('a"b', '"a\\"b"'),
        ("a\\b", '"a\\\\b"'),
        ("line1\nline2", '"line1\\nline2"'),
        ("x & <y>", '"x &amp; <y>"'),
        ("ctl\x00\x07", '"ctl  "'),
        ("\\N\\G", '"\\\\N\\\\G"'),
    ],
)
def test_dot_quote_escapes(raw, quoted):
    assert dot.quote(raw) == quoted


def test_dot_of_hostile_model_has_no_raw_user_text_outside_quotes(demo_snapshot, demo_report):
    snapshot = hostile_snapshot(demo_snapshot)
    source = dot.system_dot(snapshot, demo_report.worst, title=snapshot.info.name)
    # node and cluster ids are generated, never taken from the model
    for match in re.finditer(r"^\s*(\S+) \[label=", source, re.M):
        assert re.fullmatch(r"n\d+|p\d+|b\d+|bx|graph|node|edge", match.group(1))
    assert "subgraph cluster_" in source
    # the double quotes of the name are escaped inside the label
    assert 'src=\\"http://127.0.0.1:9/x\\"' in source
    assert "URL=" not in source and "href" not in source and "image=" not in source


def test_graphviz_svg_of_hostile_model_escapes_markup(demo_snapshot, demo_report):
    snapshot = hostile_snapshot(demo_snapshot)
    svg = graphviz.inline_svg(graphviz.render_svg(dot.system_dot(snapshot, demo_report.worst)))
    assert "<img" not in svg
    assert "&lt;img src=&quot;http://127.0.0.1:9/x&quot;&gt;" in svg or '&lt;img src="http://' in svg
    assert svg.startswith("<svg") and "<!DOCTYPE" not in svg and "<?xml" not in svg


def test_system_diagram_nests_boundaries_and_colours_by_worst_finding(demo_snapshot, demo_report):
    source = dot.system_dot(demo_snapshot, demo_report.worst)
    nested = [b for b in demo_snapshot.boundaries if b.parent]
    assert source.count("subgraph cluster_") == len(demo_snapshot.boundaries) and nested
    worst_component = next(c for c in demo_snapshot.components if c.id in demo_report.worst)
    stroke, _ = dot.SEVERITY_COLOURS[demo_report.worst[worst_component.id]]
    assert stroke in source
    svg = graphviz.render_svg(source)
    assert svg.count('class="cluster"') == len(demo_snapshot.boundaries)


def test_overview_for_big_models(demo_snapshot):
    from testkit.synthetic import generate_snapshot

    big = generate_snapshot(400, 900, seed=3)
    source = dot.system_dot(big, {}, overview_threshold=250)
    assert source.startswith("digraph overview")
    assert source.count("->") <= 45
    small = dot.system_dot(demo_snapshot, {}, overview_threshold=250)
    assert small.startswith("digraph system")


def test_path_diagram(demo_snapshot, demo_report):
    path = demo_report.attack_paths[0].path
    source = dot.path_dot(demo_snapshot, path, demo_report.worst)
    assert source.count("->") == len(path.hops) - 1
    assert "peripheries=2" in source


# -- charts ------------------------------------------------------------------------------------------


def test_charts_escape_text_and_are_svg():
    from assessments.engine.results import ScoreEntry

    entries = [ScoreEntry(key="x", name=HOSTILE, score=42.0, stage="initial", applicable=1, failed=1)]
    for svg in (
        charts.score_bars(entries, title=HOSTILE),
        charts.trend_chart(HISTORY),
        charts.severity_bars({"critical": 2, "high": 5}),
        charts.score_gauge(55.2, "initial"),
        charts.trend_chart(()),
    ):
        assert svg.startswith("<svg") and svg.endswith("</svg>")
        assert "<img" not in svg
    assert "&lt;img src=&quot;http://127.0.0.1:9/x&quot;&gt;" in charts.score_bars(entries, title="t")


# -- report model ------------------------------------------------------------------------------------


def test_report_model_orders_and_groups(demo_report):
    ranks = [
        (["critical", "high", "medium", "low", "info"].index(v.finding.severity), v.finding.rule)
        for v in demo_report.findings
    ]
    assert ranks == sorted(ranks)
    gains = [p.step.gain for p in demo_report.plan]
    assert gains == sorted(gains, reverse=True)
    assert sum(g.count for g in demo_report.severity_groups) == len(demo_report.findings)
    assert demo_report.top_risks
    statuses = {a.expired for a in demo_report.accepted}
    assert statuses == {True, False}  # one valid acceptance, one expired
    assert any(v.triage == "false_positive" for v in demo_report.findings)


def test_result_json_round_trip(demo_result):
    document = to_json_dict(demo_result)
    again = result_from_json(json.loads(json.dumps(document)))
    assert to_json_dict(again) == document


def test_catalog_metadata_reaches_the_report(demo_report):
    catalog = load_rule_catalog()
    shared = [r for r in demo_report.rule_info if r in catalog]
    for rule_id in shared:
        assert demo_report.rule_info[rule_id].description == catalog[rule_id].description


def test_triage_helper_builds_decisions(demo_result):
    assert len(triage_for(demo_result)) == 3
