"""The ``assess`` command (every format, fail-on exit code) and the report generation services."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assessments.engine import assess
from assessments.engine.codec import to_json_dict
from assessments.reporting.csv_writer import COLUMNS
from tests.reports.conftest import DEMO, HOSTILE_YAML, hostile_small
from threatmodel.vocabulary import SEVERITY_RANK


def _run(*args: str) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("assess", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return out.getvalue(), err.getvalue(), code


def test_assess_text_and_json_to_stdout(demo_snapshot):
    out, _, code = _run(str(DEMO))
    assert code == 0 and out.strip()
    out, _, code = _run(str(DEMO), "--format", "json")
    document = json.loads(out)
    assert code == 0
    assert {"findings", "attack_paths", "scores", "plan"} <= set(document)
    assert document == json.loads(json.dumps(to_json_dict(assess(demo_snapshot)), sort_keys=True))


@pytest.mark.parametrize("fmt", ["sarif", "csv", "html", "pdf", "json", "text"])
def test_assess_writes_each_format(tmp_path, fmt):
    source = DEMO
    if fmt == "pdf":  # the demo PDF is checked in depth by test_documents: a small (hostile) model keeps this fast
        source = tmp_path / "hostile.yaml"
        source.write_text(HOSTILE_YAML)
    target = tmp_path / f"out.{fmt}"
    _, err, code = _run(str(source), "--format", fmt, "--output", str(target))
    assert code == 0, err
    data = target.read_bytes()
    assert data
    if fmt == "sarif":
        assert json.loads(data)["version"] == "2.1.0"
    elif fmt == "csv":
        assert tuple(next(csv.reader(io.StringIO(data.decode())))) == COLUMNS
    elif fmt == "html":
        assert b"<h2>Executive summary</h2>" in data
    elif fmt == "pdf":
        assert data.startswith(b"%PDF-")


def test_assess_fail_on_exit_code(demo_snapshot):
    result = assess(demo_snapshot)
    open_severities = {f.severity for f in result.findings if not f.mitigated}
    worst = min(open_severities, key=SEVERITY_RANK.__getitem__)
    _, err, code = _run(str(DEMO), "--format", "json", "--fail-on", worst)
    assert code == 3 and "open finding" in err
    _, _, code = _run(str(DEMO), "--format", "json", "--fail-on", "info")
    assert code == 3
    # a threshold above every open finding passes
    stricter = [s for s in ("critical", "high", "medium", "low", "info") if SEVERITY_RANK[s] < SEVERITY_RANK[worst]]
    if stricter:
        _, _, code = _run(str(DEMO), "--format", "json", "--fail-on", stricter[-1])
        assert code == 0


def test_assess_rejects_missing_and_invalid_files(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("assess", str(tmp_path / "missing.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("trustmap: 1\nmodel: {name: x}\ncomponents: [{id: a, kind: nonsense}]\n")
    with pytest.raises(CommandError, match="invalid model"):
        call_command("assess", str(bad))


# -- services ----------------------------------------------------------------------------------------


def _setup(small: bool = False):
    from django.utils import timezone

    from assessments.models import AssessmentRun, FindingTriage
    from tests.factories import TeamFactory, UserFactory, demo_model
    from threatmodel import services as tm_services
    from threatmodel.selectors import snapshot_of_model

    user = UserFactory(username="reviewer", first_name="Rita", last_name="Reviewer")
    team = TeamFactory(name="Reports", slug="reports")
    if small:
        model = tm_services.model_create(team=team, snapshot=hostile_small(), user=user)
    else:
        model = demo_model(team=team, user=user)
    snapshot = snapshot_of_model(model=model)
    result = assess(snapshot)
    document = json.loads(json.dumps(to_json_dict(result)))
    now = timezone.now()
    older = AssessmentRun.objects.create(
        model=model,
        revision=model.revision,
        status="succeeded",
        overall_score=max(result.scores.overall - 7, 0),
        finished_at=now - timezone.timedelta(days=3),
        result=document,
    )
    run = AssessmentRun.objects.create(
        model=model,
        revision=model.revision,
        status="succeeded",
        overall_score=result.scores.overall,
        finished_at=now,
        result=document,
        requested_by=user,
    )
    open_ids = [f.id for f in result.findings if not f.mitigated]
    FindingTriage.objects.create(
        model=model,
        fingerprint=open_ids[0],
        status="accepted",
        justification="Compensating WAF rule <b>42</b>",
        decided_by=user,
        expires_at=now + timezone.timedelta(days=30),
    )
    return model, run, user, result, older


@pytest.fixture
def report_setup(db):
    return _setup()


@pytest.fixture
def small_setup(db):
    return _setup(small=True)


@pytest.mark.parametrize("fmt", ["csv", "sarif", "json", "html"])
def test_report_request_renders_and_stores_the_file(
    report_setup, fmt, django_capture_on_commit_callbacks, settings, tmp_path
):
    from assessments.models import Report
    from assessments.services.reports import report_request

    settings.MEDIA_ROOT = str(tmp_path)
    model, run, user, result, _ = report_setup
    with django_capture_on_commit_callbacks(execute=True):
        report = report_request(model=model, run=run, fmt=fmt, user=user)
    report.refresh_from_db()
    assert report.status == "succeeded", report.error
    assert report.progress == 100 and report.finished_at is not None
    data = Path(report.file.path).read_bytes()
    assert Path(report.file.path).is_relative_to(tmp_path)
    assert report.size_bytes == len(data) and report.sha256 == hashlib.sha256(data).hexdigest()
    assert Report.objects.filter(model=model).count() == 1
    if fmt == "json":
        assert json.loads(data) == run.result
    if fmt == "html":
        html = data.decode()
        assert "Rita Reviewer" in html and "Compensating WAF rule &lt;b&gt;42&lt;/b&gt;" in html
        assert "Accepted risk" in html
    if fmt == "sarif":
        results = json.loads(data)["runs"][0]["results"]
        assert any(r.get("suppressions") for r in results)


def test_report_execute_pdf_with_progress(small_setup, settings, tmp_path):
    from assessments.models import Report
    from assessments.services.reports import report_execute

    settings.MEDIA_ROOT = str(tmp_path)
    model, run, user, _, _ = small_setup
    report = Report.objects.create(model=model, run=run, format="pdf", requested_by=user)
    steps: list[tuple[int, str]] = []
    report_execute(report_id=report.pk, progress=lambda p, m: steps.append((p, m)))
    report.refresh_from_db()
    assert report.status == "succeeded" and report.attempts == 1 and report.progress == 100
    assert Path(report.file.path).read_bytes().startswith(b"%PDF-")
    percents = [p for p, _ in steps]
    assert percents == sorted(percents) and percents[0] < 50 < percents[-1]


def test_report_execute_records_failures(report_setup, settings, tmp_path):
    from assessments.models import Report
    from assessments.services.reports import report_execute

    settings.MEDIA_ROOT = str(tmp_path)
    model, run, user, _, _ = report_setup
    run.result = {"findings": [{"no": "id"}]}
    run.save()
    report = Report.objects.create(model=model, run=run, format="csv", requested_by=user)
    returned = report_execute(report_id=report.pk)
    report.refresh_from_db()
    assert returned == report and report.status == "failed" and "KeyError" in report.error and not report.file
    assert report_execute(report_id=report.pk) is None  # a finished report is left alone


def test_json_output_is_the_engines_documented_document(demo_snapshot):
    import jsonschema

    from assessments.engine import result_to_json  # type: ignore[attr-defined]

    out, _, code = _run(str(DEMO), "--format", "json")
    assert code == 0
    assert out == result_to_json(assess(demo_snapshot))
    schema_path = Path(__file__).resolve().parents[2] / "docs" / "schema" / "assessment.schema.json"
    schema = json.loads(schema_path.read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(json.loads(out))


def test_report_of_a_run_without_stored_json_reassesses_the_revision(small_setup, settings, tmp_path):
    from assessments.models import Report
    from assessments.services.reports import report_execute

    settings.MEDIA_ROOT = str(tmp_path)
    model, run, user, result, _ = small_setup
    run.result = None
    run.save()
    report = Report.objects.create(model=model, run=run, format="csv", requested_by=user)
    report_execute(report_id=report.pk)
    report.refresh_from_db()
    rows = list(csv.reader(io.StringIO(Path(report.file.path).read_text())))
    assert report.status == "succeeded" and len(rows) == 1 + len(result.findings)


def test_report_request_enqueues_only_after_commit(report_setup, django_capture_on_commit_callbacks):
    from assessments.services.reports import report_request

    model, run, user, _, _ = report_setup
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = report_request(model=model, run=run, fmt="pdf", user=user)
    report.refresh_from_db()
    assert len(callbacks) == 1
    assert report.status == "queued" and not report.file and report.requested_by == user
