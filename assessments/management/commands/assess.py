"""``manage.py assess``: the ``trustmap assess`` CLI (``assessments.cli``) with the project's engine settings.

    python manage.py assess FILE... [--format text|json|sarif|csv|html|pdf] [--output PATH] [--fail-on SEVERITY]
                                    [--baseline PREVIOUS.json] [--convert-to FORMAT]
    python manage.py assess MANIFESTS_FILE_OR_DIR [--meshed-namespaces a,b] [--observation GRAPH] --conformance

FILE may also be Kubernetes/Istio/Linkerd manifests (a file or a directory; detected, or ``--input-format
kubernetes``): they become the model. ``--conformance`` prints designed x allowed x observed instead, with
``--observation`` a Kiali graph or ``linkerd viz edges`` output (detected, or ``--observation-format``);
``--manifests`` checks a native design against manifests and ``--policy-out`` writes the least-privilege policy.

Same exit status as ``trustmap assess`` (0 ok, 1 unreadable or invalid file, 2 usage error, 3 open findings at
or above ``--fail-on``). No database is used.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO, cast

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments import cli
from assessments.management.commands import _mesh
from threatmodel.domain import Snapshot
from threatmodel.interchange.base import ImportResult
from threatmodel.interchange.kubernetes import ManifestFile
from threatmodel.invariants import ModelValidationError

#: Options that only make sense with manifests: they send the command down the mesh path.
MESH_ONLY = ("manifests", "policy_out", "observation", "conformance")


class Command(BaseCommand):
    help = "Run the assessment engine on model files (any importable format, or manifests) and print the result."

    def add_arguments(self, parser: CommandParser) -> None:
        cli.add_assess_arguments(parser)
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

    def handle(self, *args: Any, **options: Any) -> None:
        out, err = cast(TextIO, self.stdout._out), cast(TextIO, self.stderr._out)
        namespace = argparse.Namespace(**options)
        namespace.workers = options.get("workers") or settings.ENGINE_WORKERS or None
        namespace.min_parallel = options.get("min_parallel") or settings.ENGINE_PARALLEL_MIN_ELEMENTS
        try:
            files = self._manifest_files(options)
            forced = options.get("input_format") == "kubernetes" or any(options.get(name) for name in MESH_ONLY)
            if files is not None or forced:
                status = self._handle_mesh(namespace, options, files, out, err)
            else:
                status = cli.run_assess(namespace, out, err)
        except cli.CliError as exc:
            raise CommandError(str(exc)) from None
        if status:
            sys.exit(status)

    # -- manifests ----------------------------------------------------------------------------------

    def _manifest_files(self, options: dict[str, Any]) -> list[ManifestFile] | None:
        """FILE's manifest files (read and detected once, ``_mesh.manifest_files``), or None."""
        path = Path(options["files"][0])
        try:
            return _mesh.manifest_files(path, options.get("input_format") or "auto")
        except ModelValidationError as exc:
            raise CommandError(f"{path}: invalid manifests:\n{exc}") from exc

    def _handle_mesh(
        self,
        args: argparse.Namespace,
        options: dict[str, Any],
        files: list[ManifestFile] | None,
        out: TextIO,
        err: TextIO,
    ) -> int:
        if len(options["files"]) != 1:
            raise CommandError("manifests are read one FILE or directory at a time")
        path = Path(options["files"][0])
        snapshot, manifests = self._read(path, options, files)
        manifests = self._mesh_extras(snapshot, manifests, options)
        if options.get("conformance"):
            self._conformance(snapshot, manifests, options, out, err)
            return cli.EXIT_OK
        baseline = cli.baseline_fingerprints(Path(args.baseline)) if args.baseline else None
        locations = _mesh.manifest_locations(path, manifests, snapshot) if files is not None else {}
        item = cli.assess_imported(
            path,
            ImportResult("kubernetes", snapshot, locations=locations),
            baseline=baseline,
            workers=args.workers,
            min_parallel=args.min_parallel,
            author=args.author,
        )
        cli.emit(args.format, [item], args.output, out, err)
        if args.fail_on and cli.failing(item, args.fail_on):
            err.write(f"open finding(s) at or above {args.fail_on}\n")
            return cli.EXIT_FINDINGS
        return cli.EXIT_OK

    def _read(self, path: Path, options: dict[str, Any], files: list[ManifestFile] | None) -> tuple[Snapshot, Any]:
        """The model and the manifests: FILE is manifests here (``files``, already read), or a native design
        checked against --manifests."""
        if not path.exists():
            raise CommandError(f"{path}: no such file or directory")
        if files is not None:
            try:
                manifests, snapshot = _mesh.read_mesh_input(path, _mesh.mesh_options(options), files)
            except ModelValidationError as exc:
                raise CommandError(f"{path}: invalid manifests:\n{exc}") from exc
            return snapshot, manifests
        return cli.read_file(path).snapshot, None

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

    def _conformance(
        self, snapshot: Snapshot, manifests: Any, options: dict[str, Any], out: TextIO, err: TextIO
    ) -> None:
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
        fmt = options["format"] if options["format"] in ("json", "sarif") else "text"
        root = Path(options["manifests"] or options["files"][0])
        data = _mesh.render_conformance(report, fmt, manifests, root)
        cli.write_output(data, options.get("output"), out, err)
