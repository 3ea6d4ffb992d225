"""The ``trustmap`` console script: exit codes, baselines, triage in the model file, conversion, SARIF.

In-process through ``assessments.cli.main`` (no Django settings are touched), plus one run of the installed
script in a fresh virtual environment.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from assessments.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, main
from threatmodel.interchange import registry

DATA = Path(__file__).resolve().parents[1] / "data"
DEMO = DATA / "models" / "online-shop.yaml"
SARIF_SCHEMA = json.loads((DATA / "sarif-2.1.0.schema.json").read_text(encoding="utf-8"))


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        code = main(list(argv), out=out, err=err)
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def _demo_document() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(DEMO.read_text(encoding="utf-8"))


def _open_by_severity(tmp_path: Path, model: Path) -> dict[str, int]:
    code, out, _ = run("assess", str(model), "--format", "json")
    assert code == EXIT_OK
    counts: dict[str, int] = {}
    for finding in json.loads(out)["findings"]:
        if not finding["mitigated"]:
            counts[finding["severity"]] = counts.get(finding["severity"], 0) + 1
    return counts


def test_fail_on_exit_codes(tmp_path: Path) -> None:
    counts = _open_by_severity(tmp_path, DEMO)
    assert counts["critical"] >= 1
    code, _, err = run("assess", str(DEMO), "--fail-on", "critical")
    assert code == EXIT_FINDINGS
    assert f"{counts['critical']} open finding(s) at or above critical" in err
    # a model with no open critical finding passes --fail-on critical but not --fail-on high
    document = _demo_document()
    code, out, _ = run("assess", str(DEMO), "--format", "json")
    critical = [f["id"] for f in json.loads(out)["findings"] if f["severity"] == "critical" and not f["mitigated"]]
    document["model"]["attributes"] = {
        "triage": {fid: {"status": "accepted", "justification": "WAF"} for fid in critical}
    }
    triaged = tmp_path / "triaged.yaml"
    triaged.write_text(yaml.safe_dump(document), encoding="utf-8")
    assert run("assess", str(triaged), "--fail-on", "critical")[0] == EXIT_OK
    assert run("assess", str(triaged), "--fail-on", "high")[0] == EXIT_FINDINGS
    # the accepted findings are still reported, as suppressed results
    code, out, _ = run("assess", str(triaged), "--format", "sarif")
    suppressed = [r for r in json.loads(out)["runs"][0]["results"] if r.get("suppressions")]
    assert {r["partialFingerprints"]["trustmapFindingId/v1"] for r in suppressed} >= set(critical)


def test_errors_and_usage_have_their_exit_codes(tmp_path: Path) -> None:
    code, _, err = run("assess", str(tmp_path / "missing.yaml"))
    assert code == EXIT_ERROR and err == f"trustmap: {tmp_path / 'missing.yaml'}: no such file\n"
    bad = tmp_path / "bad.yaml"
    bad.write_text("trustmap: 1\nmodel: {name: x}\ncomponents: [{id: a, kind: nonsense}]\n", encoding="utf-8")
    code, _, err = run("assess", str(bad))
    assert code == EXIT_ERROR
    assert "components[0].kind: 'nonsense' is not one of" in err and "Traceback" not in err
    assert run("assess", str(DEMO), "--fail-on", "terrible")[0] == EXIT_USAGE
    assert run("assess")[0] == EXIT_USAGE


def test_baseline_reports_and_fails_only_on_new_findings(tmp_path: Path) -> None:
    baseline = tmp_path / "previous.json"
    code, out, _ = run("assess", str(DEMO), "--format", "json", "--output", str(baseline))
    assert code == EXIT_OK
    before = {f["id"] for f in json.loads(baseline.read_text())["findings"]}
    # unchanged model: nothing new, so even --fail-on info passes
    code, out, err = run("assess", str(DEMO), "--baseline", str(baseline), "--fail-on", "info", "--format", "json")
    assert code == EXIT_OK and json.loads(out)["findings"] == []
    assert f"0 new finding(s), {len(before)} in the baseline" in err
    # a change adds a plaintext, unauthenticated flow: only its findings are reported and fail the run
    document = _demo_document()
    source, target = document["components"][0]["id"], document["components"][1]["id"]
    document["flows"].append(
        {"id": "new-plain-flow", "source": source, "target": target, "protocol": "http", "encryption": "none"}
    )
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(document), encoding="utf-8")
    code, out, err = run("assess", str(changed), "--baseline", str(baseline), "--format", "json", "--fail-on", "low")
    new = json.loads(out)["findings"]
    assert code == EXIT_FINDINGS and new
    assert all("new-plain-flow" in f["elements"] for f in new)
    assert not {f["id"] for f in new} & before
    # a SARIF log works as the baseline too
    sarif_baseline = tmp_path / "previous.sarif"
    run("assess", str(DEMO), "--format", "sarif", "--output", str(sarif_baseline))
    code, out, _ = run("assess", str(changed), "--baseline", str(sarif_baseline), "--format", "json")
    assert {f["id"] for f in json.loads(out)["findings"]} == {f["id"] for f in new}


def test_baseline_that_is_not_one_is_refused(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"hello": 1}', encoding="utf-8")
    code, _, err = run("assess", str(DEMO), "--baseline", str(wrong))
    assert code == EXIT_ERROR and "not a baseline" in err


def test_every_importable_format_is_assessed_and_converted(tmp_path: Path) -> None:
    otm_file = tmp_path / "shop.otm.json"
    assert run("assess", str(DEMO), "--convert-to", "otm", "--output", str(otm_file))[0] == EXIT_OK
    td_file = tmp_path / "shop.td.json"
    assert run("convert", str(otm_file), "--to", "threat-dragon", "--output", str(td_file))[0] == EXIT_OK
    native_file = tmp_path / "back.yaml"
    assert run("convert", str(td_file), "--to", "native", "--output", str(native_file))[0] == EXIT_OK
    original = registry.read(DEMO.read_bytes(), filename="x.yaml").snapshot
    assert registry.read(native_file.read_bytes(), filename="back.yaml").snapshot == original
    for path in (
        otm_file,
        td_file,
        DATA / "interchange" / "v2-threat-model.json",
        DATA / "interchange" / "EXAMPLE.json",
    ):
        code, out, _ = run("assess", str(path), "--format", "json")
        assert code == EXIT_OK and json.loads(out)["findings"]


def test_sarif_locates_every_result_in_the_model_file_and_is_schema_valid(tmp_path: Path) -> None:
    dragon = DATA / "interchange" / "v2-threat-model.json"
    code, out, _ = run("assess", str(DEMO), str(dragon), "--format", "sarif")
    assert code == EXIT_OK
    log = json.loads(out)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    assert len(log["runs"]) == 2
    for run_, path in zip(log["runs"], (DEMO, dragon), strict=True):
        lines = path.read_text(encoding="utf-8").splitlines()
        imported = registry.read(path.read_bytes(), filename=str(path))
        assert run_["results"]
        for result in run_["results"]:
            physical = result["locations"][0]["physicalLocation"]
            assert physical["artifactLocation"]["uri"] == path.as_posix()
            line = lines[physical["region"]["startLine"] - 1]
            primary = imported.snapshot.element_by_id[result["properties"]["elements"][0]]
            assert (getattr(primary, "foreign_id", "") or primary.id) in line
            assert isinstance(result["properties"]["security-severity"], str)
            assert result["level"] in ("error", "warning", "note", "none")
        for rule in run_["tool"]["driver"]["rules"]:
            assert rule["help"]["text"] and "security" in rule["properties"]["tags"]
            assert isinstance(rule["properties"]["security-severity"], str)


@pytest.mark.parametrize("fmt", ["csv", "html"])
def test_other_report_formats_render_without_a_django_project(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"report.{fmt}"
    code, _, err = run("assess", str(DEMO), "--format", fmt, "--output", str(target))
    assert code == EXIT_OK, err
    assert target.stat().st_size > 1000


def test_sarif_run_is_truncated_with_a_notice() -> None:
    from assessments.engine import assess
    from assessments.reporting import sarif
    from assessments.reporting.model import ReportInputs, build_report_model

    snapshot = registry.read(DEMO.read_bytes(), filename="online-shop.yaml").snapshot
    report = build_report_model(ReportInputs(snapshot, assess(snapshot)))
    assert sarif.MAX_RESULTS == 25_000
    run_ = sarif.sarif_run(report, source_uri="online-shop.yaml", max_results=5)
    assert len(run_["results"]) == 5
    assert run_["properties"]["truncated"] is True and run_["properties"]["totalFindings"] == len(report.findings)
    (notice,) = run_["invocations"][0]["toolExecutionNotifications"]
    assert f"{len(report.findings):,} findings; only the 5 most severe" in notice["message"]["text"]
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(json.loads(sarif.write_sarif_log([run_])))
    # a report of a stored model (no file) points at its native export
    stored = sarif.sarif_run(report)
    assert stored["artifacts"][0]["location"]["uri"] == "boutique-online-shop.trustmap.yaml"
    assert all("physicalLocation" in r["locations"][0] for r in stored["results"])


def test_pre_commit_hook_entries_run_on_several_files() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((DATA.parents[1] / ".pre-commit-hooks.yaml").read_text())}
    files = [str(DEMO), str(DATA / "interchange" / "web-shop.tm7")]
    for hook_id, expected in (("trustmap-assess", EXIT_FINDINGS), ("trustmap-validate", EXIT_OK)):
        program, *args = hooks[hook_id]["entry"].split()
        assert program == "trustmap"
        assert run(*args, *files)[0] == expected
    bad = str(DATA / "interchange" / "SOURCE-otm.md")
    assert run(*hooks["trustmap-validate"]["entry"].split()[1:], bad)[0] == EXIT_ERROR
