"""Export a model as a native file: ``tm_export MODEL_ID [--format yaml|json] [--revision N] [--output F]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from threatmodel import models as m
from threatmodel import selectors
from threatmodel.interchange.native import write_model


class Command(BaseCommand):
    help = "Export a model (optionally at a past revision) in the native YAML or JSON format."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("model", help="model id, or team-slug/model-name")
        parser.add_argument("--format", choices=["yaml", "json"], default="yaml")
        parser.add_argument("--revision", type=int)
        parser.add_argument("--output", help="write to this file instead of standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        ref = options["model"]
        if ref.isdigit():
            model = m.ThreatModel.objects.filter(pk=int(ref)).first()
        else:
            team_slug, _, name = ref.partition("/")
            model = m.ThreatModel.objects.filter(team__slug=team_slug, name=name).first()
        if model is None:
            raise CommandError(f"no model {ref!r}")
        try:
            snapshot = selectors.snapshot_of_model(model=model, revision=options.get("revision"))
        except selectors.NotFound as exc:
            raise CommandError(str(exc)) from None
        text = write_model(snapshot, options["format"])
        if options.get("output"):
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"wrote {options['output']}")
        else:
            self.stdout.write(text, ending="")
