"""The command-line entry of the Threagile pack: read a Threagile model file, assess it, write Threagile's files.

Called by ``manage.py assess MODEL.yaml --format threagile --output DIR`` (``add_threagile_arguments`` and
``run_threagile_command`` are what the command wires in). No Django here.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assessments.engine.threagile.context import Mode
from assessments.engine.threagile.outputs import write_outputs
from assessments.engine.threagile.runner import ThreagileResult, assess_threagile
from assessments.engine.threagile.tracking import RiskTrackingError
from threatmodel.interchange.threagile import enums
from threatmodel.interchange.threagile.reader import read_threagile_file
from threatmodel.invariants import ModelValidationError

THREAGILE_FORMAT = "threagile"


class ThreagileCommandError(ValueError):
    """The model cannot be read or assessed; the message says why and where."""


@dataclass(frozen=True)
class ThreagileRun:
    result: ThreagileResult
    files: tuple[Path, ...]

    def summary(self) -> str:
        counts = dict.fromkeys(reversed(enums.SEVERITY), 0)
        for risk in self.result.risks:
            counts[enums.SEVERITY[risk.severity]] += 1
        open_risks = len(self.result.still_at_risk())
        spread = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        return f"{len(self.result.risks)} risks ({spread}); {open_risks} still at risk; mode {self.result.mode}"


def add_threagile_arguments(parser: argparse.ArgumentParser | Any) -> None:
    parser.add_argument(
        "--threagile-mode",
        default=Mode.COMPATIBLE.value,
        choices=[m.value for m in Mode],
        help="with --format threagile: reproduce Threagile exactly, or correct its known bugs (docs/threagile.md)",
    )
    parser.add_argument(
        "--ignore-orphaned-risk-tracking",
        action="store_true",
        help="with --format threagile: do not fail on risk_tracking entries that match no risk",
    )


def run_threagile(
    model_file: Path | str, output_dir: Path | str, *, mode: str = Mode.COMPATIBLE.value, ignore_orphans: bool = False
) -> ThreagileRun:
    """Read, assess and write ``risks.json``, ``stats.json`` and ``technical-assets.json`` into ``output_dir``."""
    path = Path(model_file)
    if not path.is_file():
        raise ThreagileCommandError(f"{path}: no such file")
    try:
        model = read_threagile_file(path)
        result = assess_threagile(model, mode, ignore_orphaned_tracking=ignore_orphans)
    except ModelValidationError as exc:
        raise ThreagileCommandError(f"{path}: invalid Threagile model:\n" + "\n".join(map(str, exc.issues))) from exc
    except RiskTrackingError as exc:
        raise ThreagileCommandError(f"{path}: {exc}") from exc
    return ThreagileRun(result, tuple(write_outputs(result, output_dir)))


def run_threagile_command(options: Mapping[str, Any]) -> ThreagileRun:
    """The ``assess`` command's options -> a run (``file``, ``output``, ``threagile_mode``, ...)."""
    if not options.get("output"):
        raise ThreagileCommandError("--format threagile needs --output DIRECTORY")
    return run_threagile(
        options["file"],
        options["output"],
        mode=options.get("threagile_mode") or Mode.COMPATIBLE.value,
        ignore_orphans=bool(options.get("ignore_orphaned_risk_tracking")),
    )
