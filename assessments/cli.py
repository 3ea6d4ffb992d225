"""``trustmap``: assess and convert model files in a pipeline. No database, no Django settings.

    trustmap assess FILE... [--format text|json|sarif|csv|html|pdf] [--output PATH]
                            [--fail-on SEVERITY] [--baseline PREVIOUS.json] [--convert-to FORMAT]
    trustmap assess THREAGILE.yaml --format threagile --output DIR [--threagile-mode threagile-fixed]
    trustmap convert FILE --to FORMAT [--output PATH]
    trustmap formats

FILE may be any format the interchange registry reads (Trustmap YAML/JSON, OTM, Threat Dragon v2, .tm7),
recognised by content. Exit status (``EXIT_*`` below, also in ``--help``):

* 0: the assessment ran and, with ``--fail-on``, no open finding at or above the threshold (with
  ``--baseline``: no *new* one);
* 1: a file could not be read, is not a valid model, or the output could not be written;
* 2: usage error (unknown option, missing argument);
* 3: ``--fail-on`` was given and open findings at or above it exist.

Findings triaged in the model file (``model.attributes.triage``) as accepted, mitigated or false positive
are reported as such and never fail the run.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from assessments.engine import assess, render_text, to_json_dict
from assessments.engine.results import AssessmentResult
from assessments.engine.threagile.command import (
    THREAGILE_FORMAT,
    ThreagileCommandError,
    add_threagile_arguments,
    run_threagile,
)
from assessments.reporting import csv_writer, sarif
from assessments.reporting.model import ReportInputs, ReportModel, TriageDecision, build_report_model
from threatmodel.interchange import registry
from threatmodel.interchange.base import ImportResult
from threatmodel.interchange.native import MAX_FILE_BYTES
from threatmodel.invariants import ModelValidationError
from threatmodel.vocabulary import SEVERITIES, SEVERITY_RANK

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_FINDINGS = 3
REPORT_FORMATS = ("text", "json", "sarif", "csv", "html", "pdf")
EXTENSIONS = {"text": "txt", "json": "json", "sarif": "sarif", "csv": "csv", "html": "html", "pdf": "pdf"}
#: Triage statuses that take a finding out of what fails a pipeline.
CLOSED_TRIAGE = frozenset({"accepted", "mitigated", "false_positive"})

EPILOG = f"""exit status:
  {EXIT_OK}  assessed; no open finding at or above --fail-on (with --baseline: no new one)
  {EXIT_ERROR}  a file could not be read, is not a valid model, or the output could not be written
  {EXIT_USAGE}  usage error
  {EXIT_FINDINGS}  --fail-on given and open findings at or above it exist
"""


class CliError(Exception):
    """A problem reported on one line (or a few, for an invalid model) with exit status 1."""


@dataclass(frozen=True)
class Assessed:
    path: Path
    imported: ImportResult
    result: AssessmentResult
    report: ReportModel
    known: int  # findings left out because the baseline has them


# -- reading ----------------------------------------------------------------------------------------


def read_file(path: Path) -> ImportResult:
    if not path.is_file():
        raise CliError(f"{path}: no such file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise CliError(f"{path}: file is larger than {MAX_FILE_BYTES:,} bytes")
    try:
        return registry.read(path.read_bytes(), filename=str(path))
    except ModelValidationError as exc:
        raise CliError(
            f"{path}: invalid model, nothing was read:\n  " + "\n  ".join(str(i) for i in exc.issues)
        ) from None


def baseline_fingerprints(path: Path) -> frozenset[str]:
    """Finding ids of a previous run: its ``--format json`` document or its SARIF log."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"{path}: cannot read the baseline ({exc})") from None
    except json.JSONDecodeError as exc:
        raise CliError(f"{path}: the baseline is not JSON (line {exc.lineno}: {exc.msg})") from None
    ids: set[str] = set()
    if isinstance(document, dict) and isinstance(document.get("runs"), list):
        for run in document["runs"]:
            for result in (run or {}).get("results") or []:
                fingerprint = ((result or {}).get("partialFingerprints") or {}).get(sarif.FINGERPRINT_KEY)
                if isinstance(fingerprint, str):
                    ids.add(fingerprint)
        return frozenset(ids)
    items = document.get("findings") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise CliError(f"{path}: not a baseline: expected the JSON or SARIF output of `trustmap assess`")
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            ids.add(item["id"])
    return frozenset(ids)


# -- assessing --------------------------------------------------------------------------------------


def assess_file(
    path: Path, *, baseline: frozenset[str] | None, workers: int | None, min_parallel: int | None, author: str
) -> Assessed:
    return assess_imported(
        path, read_file(path), baseline=baseline, workers=workers, min_parallel=min_parallel, author=author
    )


def assess_imported(
    path: Path,
    imported: ImportResult,
    *,
    baseline: frozenset[str] | None,
    workers: int | None,
    min_parallel: int | None,
    author: str,
) -> Assessed:
    """Assess a model already read (from a file of the registry, or from Kubernetes manifests)."""
    kwargs: dict[str, Any] = {"workers": workers}
    if min_parallel is not None:
        kwargs["min_parallel_elements"] = min_parallel
    result = assess(imported.snapshot, **kwargs)
    known = 0
    if baseline is not None:
        new = tuple(f for f in result.findings if f.id not in baseline)
        known = len(result.findings) - len(new)
        result = replace(result, findings=new)
    triage = [TriageDecision(t.fingerprint, t.status, t.justification) for t in imported.triage]
    report = build_report_model(
        ReportInputs(imported.snapshot, result, triage=triage, author=author, generated_at=datetime.now(tz=UTC))
    )
    return Assessed(path, imported, result, report, known)


def failing(item: Assessed, threshold: str) -> list[str]:
    limit = SEVERITY_RANK[threshold]
    closed = {t.fingerprint for t in item.imported.triage if t.status in CLOSED_TRIAGE}
    return [
        f.id
        for f in item.result.findings
        if not f.mitigated and f.id not in closed and SEVERITY_RANK.get(f.severity, 99) <= limit
    ]


# -- rendering --------------------------------------------------------------------------------------


def _configure_templates() -> None:
    """HTML and PDF reports are Django templates: configure a minimal template engine when no project is."""
    import django
    from django.conf import settings

    if settings.configured:
        return
    root = Path(__file__).resolve().parent.parent
    settings.configure(
        USE_TZ=True,
        INSTALLED_APPS=[],
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "DIRS": [root / "templates"],
                "APP_DIRS": False,
            }
        ],
    )
    django.setup()


def render(fmt: str, item: Assessed) -> bytes:
    if fmt == "text":
        text = render_text(item.result)
        if item.known:
            text += f"\n({item.known} finding(s) already in the baseline are not shown)\n"
        return (text if text.endswith("\n") else text + "\n").encode("utf-8")
    if fmt == "json":
        return (json.dumps(to_json_dict(item.result), indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    if fmt == "sarif":
        return sarif.write_sarif_log([sarif_run(item)]).encode("utf-8")
    if fmt == "csv":
        return csv_writer.write_csv(item.report).encode("utf-8")
    _configure_templates()
    from django.template import TemplateDoesNotExist

    try:
        if fmt == "html":
            from assessments.reporting.html import render_html

            return render_html(item.report).encode("utf-8")
        from assessments.reporting.pdf import render_pdf

        return render_pdf(item.report)
    except TemplateDoesNotExist as exc:
        raise CliError(
            f"--format {fmt} needs the report templates of a Trustmap checkout ({exc} not found): "
            "install it with `pip install -e .` from the checkout, or use --format sarif|json|csv|text"
        ) from None


def sarif_run(item: Assessed) -> dict[str, Any]:
    """Results point at the line declaring their element; a model read from Kubernetes manifests has its
    elements in several files (``locations[...].file``, already the URIs to report)."""
    lines = {element_id: loc.line for element_id, loc in item.imported.locations.items()}
    uris = (
        {element_id: loc.file for element_id, loc in item.imported.locations.items()}
        if item.imported.format == "kubernetes"
        else None
    )
    source_uri = item.path.as_posix()
    if uris and item.path.is_dir():  # a directory of manifests: unplaced results go to its first file
        source_uri = min(uris.values())
    return sarif.sarif_run(item.report, source_uri=source_uri, lines=lines, element_uris=uris)


def render_many(fmt: str, items: Sequence[Assessed]) -> bytes:
    """Several models in one output: SARIF gets one run per file, text one section per file."""
    if fmt == "sarif":
        return sarif.write_sarif_log([sarif_run(i) for i in items]).encode("utf-8")
    if fmt == "text":
        return b"".join(f"== {i.path}\n".encode() + render(fmt, i) + b"\n" for i in items)
    raise CliError(f"--format {fmt} writes one file per model: give --output DIRECTORY")


def write_output(data: bytes, output: str | None, out: TextIO, err: TextIO) -> None:
    if output:
        try:
            Path(output).write_bytes(data)
        except OSError as exc:
            raise CliError(f"{output}: cannot write ({exc.strerror})") from None
        err.write(f"wrote {output} ({len(data):,} bytes)\n")
        return
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        out.flush()
        buffer.write(data)
        buffer.flush()
    else:
        out.write(data.decode("utf-8", "replace"))


def emit(fmt: str, items: Sequence[Assessed], output: str | None, out: TextIO, err: TextIO) -> None:
    if output and len(items) > 1 and Path(output).is_dir():
        for item in items:
            target = Path(output) / f"{item.path.stem}.{EXTENSIONS[fmt]}"
            write_output(render(fmt, item), str(target), out, err)
        return
    if fmt == "pdf" and not output and out.isatty():
        raise CliError("refusing to write a PDF to a terminal: use --output FILE")
    data = render(fmt, items[0]) if len(items) == 1 else render_many(fmt, items)
    write_output(data, output, out, err)


# -- commands ---------------------------------------------------------------------------------------


def convert(paths: Iterable[Path], target: str, output: str | None, out: TextIO, err: TextIO) -> int:
    paths = list(paths)
    if len(paths) > 1 and not (output and Path(output).is_dir()):
        raise CliError("converting several files needs --output DIRECTORY")
    for path in paths:
        imported = read_file(path)
        for assumption in imported.assumptions:
            err.write(f"{path}: assumed: {assumption}\n")
        data = registry.write(imported.snapshot, target)
        warning = registry.import_limit_warning(data, target)
        if warning:
            err.write(f"{path}: warning: {warning}\n")
        if output and Path(output).is_dir():
            name = path.name.split(".")[0] + registry.WRITE_EXTENSION[target]
            write_output(data, str(Path(output) / name), out, err)
        else:
            write_output(data, output, out, err)
    return EXIT_OK


def _run_threagile(args: argparse.Namespace, paths: Sequence[Path], out: TextIO, err: TextIO) -> int:
    """``--format threagile``: Threagile's own files (risks.json, stats.json, technical-assets.json) per model."""
    if not args.output:
        raise CliError("--format threagile needs --output DIRECTORY")
    for path in paths:
        folder = Path(args.output) if len(paths) == 1 else Path(args.output) / path.stem
        try:
            run = run_threagile(
                path, folder, mode=args.threagile_mode, ignore_orphans=args.ignore_orphaned_risk_tracking
            )
        except ThreagileCommandError as exc:
            raise CliError(str(exc)) from None
        for written in run.files:
            err.write(f"wrote {written}\n")
        out.write(f"{path}: {run.summary()}\n")
    return EXIT_OK


def run_assess(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    paths = [Path(p) for p in args.files]
    if args.format == THREAGILE_FORMAT:
        return _run_threagile(args, paths, out, err)
    if args.convert_to:
        return convert(paths, args.convert_to, args.output, out, err)
    baseline = baseline_fingerprints(Path(args.baseline)) if args.baseline else None
    items = [
        assess_file(p, baseline=baseline, workers=args.workers, min_parallel=args.min_parallel, author=args.author)
        for p in paths
    ]
    emit(args.format, items, args.output, out, err)
    for item in items:
        if item.imported.assumptions:
            err.write(
                f"{item.path}: read as {item.imported.format}; {len(item.imported.assumptions)} assumption(s) made "
                f"(`trustmap convert {item.path} --to native -o /dev/null` lists them)\n"
            )
    if baseline is not None:
        for item in items:
            err.write(f"{item.path}: {len(item.result.findings)} new finding(s), {item.known} in the baseline\n")
    if args.fail_on:
        bad = [(item.path, fid) for item in items for fid in failing(item, args.fail_on)]
        if bad:
            scope = "new open" if baseline is not None else "open"
            err.write(f"{len(bad)} {scope} finding(s) at or above {args.fail_on}:\n")
            for path, fid in bad[:50]:
                err.write(f"  {path}: {fid}\n")
            return EXIT_FINDINGS
    return EXIT_OK


def add_assess_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``assess`` (``manage.py assess`` adds the same ones to its parser)."""
    parser.add_argument("files", nargs="+", metavar="FILE", help="model files (native, OTM, Threat Dragon, .tm7)")
    parser.add_argument(
        "--format",
        "-f",
        choices=(*REPORT_FORMATS, THREAGILE_FORMAT),
        default="text",
        help="report format (default text); 'threagile' reads Threagile models and writes Threagile's JSON files",
    )
    parser.add_argument(
        "--output", "-o", help="write here instead of standard output (a directory: one file per model)"
    )
    parser.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        help=f"exit {EXIT_FINDINGS} when open findings at or above this severity exist",
    )
    parser.add_argument(
        "--baseline", metavar="PREVIOUS.json", help="report and fail only on findings new since this run"
    )
    parser.add_argument("--convert-to", choices=registry.WRITABLE, help="write the model in this format instead")
    parser.add_argument("--workers", type=int, default=None, help="processes for one large analysis (default: auto)")
    parser.add_argument("--min-parallel", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--author", default="", help="author shown on the HTML/PDF cover")
    add_threagile_arguments(parser)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trustmap",
        description="Assess threat models in CI and convert them between formats (no database needed).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    a = commands.add_parser(
        "assess",
        help="run the analysis on model files",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_assess_arguments(a)
    c = commands.add_parser("convert", help="convert a model file to another format")
    c.add_argument("files", nargs="+", metavar="FILE")
    c.add_argument("--to", required=True, choices=registry.WRITABLE, dest="convert_to")
    c.add_argument("--output", "-o")
    commands.add_parser("formats", help="list the formats read and written")
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        if args.command == "formats":
            for name, fmt in registry.FORMATS.items():
                modes = ("read" if fmt.read else "") + ("/write" if fmt.write else "")
                out.write(f"{name:15} {modes.strip('/'):10} {fmt.label}\n")
            return EXIT_OK
        if args.command == "convert":
            return convert([Path(p) for p in args.files], args.convert_to, args.output, out, err)
        return run_assess(args, out, err)
    except CliError as exc:
        err.write(f"trustmap: {exc}\n")
        return EXIT_ERROR


def entry_point() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry_point()
