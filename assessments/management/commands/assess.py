"""Assess a native model file and print or write the result in any report format (no database needed).

    python manage.py assess FILE [--format text|json|sarif|csv|html|pdf|all] [--output PATH] [--fail-on SEVERITY]
    python manage.py assess MANIFESTS_FILE_OR_DIR [--meshed-namespaces a,b] [--observation GRAPH] --conformance

FILE may also be Kubernetes/Istio/Linkerd manifests (a file or a directory; detected, or ``--input-format
kubernetes``): they become the model. ``--conformance`` prints designed x allowed x observed instead, with
``--observation`` a Kiali graph or ``linkerd viz edges`` output (detected, or ``--observation-format``).

Exit status: 0 when the assessment ran (and, with ``--fail-on``, no open finding is at or above the
threshold); 3 when ``--fail-on`` is given and open (unmitigated) findings at or above that severity exist;
1 for an unreadable or invalid model file or another error; 2 for a usage error. ``--format all`` writes
every format into the directory given by ``--output``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.engine import assess, render_text
from assessments.engine.results import AssessmentResult
from assessments.management.commands import _mesh
from assessments.reporting.render import FORMATS, build_model, render_bytes
from threatmodel.domain import Snapshot
from threatmodel.interchange.native import MAX_FILE_BYTES, read_model
from threatmodel.invariants import ModelValidationError
from threatmodel.vocabulary import SEVERITIES, SEVERITY_RANK

EXIT_FINDINGS = 3
CLI_FORMATS = ("text", "json", "sarif", "csv", "html", "pdf")


def run_engine(snapshot: Snapshot) -> AssessmentResult:
    return assess(
        snapshot, workers=settings.ENGINE_WORKERS or None, min_parallel_elements=settings.ENGINE_PARALLEL_MIN_ELEMENTS
    )


class Command(BaseCommand):
    help = "Run the assessment engine on a native model file and print or write the result."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path to a native .yaml/.yml/.json model file")
        parser.add_argument(
            "--format",
            default="text",
            choices=(*CLI_FORMATS, "all"),
            help="output format (default: text); 'all' writes every format into --output DIR",
        )
        parser.add_argument(
            "--output", "-o", help="write to this file (or directory with --format all) instead of standard output"
        )
        parser.add_argument(
            "--fail-on",
            choices=SEVERITIES,
            help=f"exit with status {EXIT_FINDINGS} when open findings at or above this severity exist",
        )
        parser.add_argument("--author", default="", help="author shown on the PDF/HTML cover")
        parser.add_argument("--input-format", default="auto", choices=_mesh.INPUT_FORMATS, help="what FILE is")
        parser.add_argument("--meshed-namespaces", default="", help="manifests: namespaces injected outside Git")
        parser.add_argument("--default-namespace", default="", help="manifests: namespace of documents naming none")
        parser.add_argument("--mesh-provider", choices=("istio", "linkerd"), help="manifests: the mesh in use")
        parser.add_argument("--manifests", help="manifests (file or directory) to check a native design FILE against")
        parser.add_argument("--policy-out", help="write the least-privilege policy for the design to this YAML file")
        parser.add_argument("--observation", help="a Kiali graph JSON or `linkerd viz edges` output")
        parser.add_argument("--observation-format", default="", choices=("", "kiali", "linkerd-viz"))
        parser.add_argument(
            "--conformance", action="store_true", help="print designed x allowed x observed (text or json)"
        )

    def _read(self, path: Path, options: dict[str, Any]) -> tuple[Snapshot, str, Any]:
        """The model (native file or manifests), its text for SARIF locations, and the manifests if any."""
        if not path.exists():
            raise CommandError(f"{path}: no such file or directory")
        if path.is_file() and path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(f"{path}: file is larger than {MAX_FILE_BYTES:,} bytes")
        try:
            raw = path.read_text(encoding="utf-8") if path.is_file() else ""
        except UnicodeDecodeError:
            raise CommandError(f"{path}: not UTF-8 text") from None
        kind = options.get("input_format") or "auto"
        if kind == "kubernetes" or (kind == "auto" and _mesh.looks_like_manifests(path, raw)):
            try:
                manifests, snapshot = _mesh.read_mesh_input(path, _mesh.mesh_options(options))
            except ModelValidationError as exc:
                raise CommandError(f"{path}: invalid manifests:\n{exc}") from exc
            return snapshot, raw, manifests
        if not path.is_file():
            raise CommandError(f"{path}: a directory is read as manifests only (--input-format kubernetes)")
        try:
            return read_model(raw, path.name), raw, None
        except ModelValidationError as exc:
            raise CommandError(f"{path}: invalid model:\n{exc}") from exc

    def _mesh_extras(self, snapshot: Snapshot, manifests: Any, options: dict[str, Any]) -> Any:
        """``--manifests`` for a native design, and ``--policy-out``; returns the manifests in force."""
        if options.get("manifests"):
            manifests_path = Path(options["manifests"])
            if not manifests_path.exists():
                raise CommandError(f"{manifests_path}: no such file or directory")
            try:
                manifests, _ = _mesh.read_mesh_input(manifests_path, _mesh.mesh_options(options))
            except ModelValidationError as exc:
                raise CommandError(f"{manifests_path}: invalid manifests:\n{exc}") from exc
        if options.get("policy_out"):
            if manifests is None:
                raise CommandError("--policy-out needs manifests (FILE or --manifests)")
            text = _mesh.generated_policy(manifests, snapshot)
            Path(options["policy_out"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"wrote {options['policy_out']} ({len(text):,} bytes)")
        return manifests

    def _conformance(self, snapshot: Snapshot, manifests: Any, options: dict[str, Any]) -> None:
        if manifests is None:
            raise CommandError("--conformance needs manifests as FILE (a file or directory)")
        observation = None
        if options.get("observation"):
            observed = Path(options["observation"])
            if not observed.is_file():
                raise CommandError(f"{observed}: no such file")
            try:
                observation = _mesh.read_observation_file(observed, options.get("observation_format") or "")
            except ModelValidationError as exc:
                raise CommandError(f"{observed}: invalid observation:\n{exc}") from exc
        report = _mesh.conformance_report(manifests, snapshot, observation)
        data = _mesh.render_conformance(report, "json" if options["format"] == "json" else "text")
        if options.get("output"):
            Path(options["output"]).write_bytes(data)
            self.stderr.write(f"wrote {options['output']} ({len(data):,} bytes)")
        else:
            self._write_stdout(data)

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        snapshot, raw, manifests = self._read(path, options)
        manifests = self._mesh_extras(snapshot, manifests, options)
        if options.get("conformance"):
            self._conformance(snapshot, manifests, options)
            return
        result = run_engine(snapshot)
        report = build_model(snapshot, result, author=options.get("author") or "")
        fmt: str = options["format"]
        output = options.get("output")
        if fmt == "all":
            if not output:
                raise CommandError("--format all needs --output DIRECTORY")
            folder = Path(output)
            folder.mkdir(parents=True, exist_ok=True)
            for name in CLI_FORMATS:
                target = folder / f"{path.stem}.{FORMATS[name][0]}"
                target.write_bytes(self._render(name, report, result, path, raw))
                self.stderr.write(f"wrote {target}")
        else:
            data = self._render(fmt, report, result, path, raw)
            if output:
                Path(output).write_bytes(data)
                self.stderr.write(f"wrote {output} ({len(data):,} bytes)")
            elif fmt == "pdf" and sys.stdout.isatty():
                raise CommandError("refusing to write a PDF to a terminal: use --output FILE")
            else:
                self._write_stdout(data)
        threshold = options.get("fail_on")
        if threshold:
            limit = SEVERITY_RANK[threshold]
            failing = [f for f in result.findings if not f.mitigated and SEVERITY_RANK.get(f.severity, 99) <= limit]
            if failing:
                self.stderr.write(f"{len(failing)} open finding(s) at or above {threshold}")
                sys.exit(EXIT_FINDINGS)

    def _render(self, fmt: str, report: Any, result: AssessmentResult, path: Path, raw: str) -> bytes:
        if fmt == "text":
            text = render_text(result)
            return (text if text.endswith("\n") else text + "\n").encode("utf-8")
        return render_bytes(fmt, report, source_uri=path.name, source_text=raw)

    def _write_stdout(self, data: bytes) -> None:
        buffer = getattr(self.stdout._out, "buffer", None)
        if buffer is not None:
            self.stdout.flush()
            buffer.write(data)
            buffer.flush()
        else:
            self.stdout.write(data.decode("utf-8", "replace"), ending="")
