"""Import a model file (native YAML/JSON, OTM, Threat Dragon, .tm7) into a team: ``tm_import FILE --team SLUG``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.packs.controls import control_ids
from threatmodel import models as m
from threatmodel import selectors, services
from threatmodel.interchange import registry, reimport
from threatmodel.interchange.native import MAX_FILE_BYTES
from threatmodel.invariants import ModelValidationError


class Command(BaseCommand):
    help = "Import a model file into a team (atomic: a bad file changes nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", help="path to a model file: native .yaml/.yml/.json, OTM, Threat Dragon v2 .json or .tm7"
        )
        parser.add_argument("--team", required=True, help="team slug")
        parser.add_argument("--user", help="username recorded as the author")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="if a model with the same name exists, apply the file as a new revision of it",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(f"{path}: file is larger than {MAX_FILE_BYTES:,} bytes")
        team = m.Team.objects.filter(slug=options["team"]).first()
        if team is None:
            raise CommandError(f"no team with slug {options['team']!r}")
        user = None
        if options.get("user"):
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user {options['user']!r}")
        raw = path.read_bytes()
        try:
            result = registry.read(raw, filename=path.name, known_controls=control_ids())
            snapshot = result.snapshot
            existing = m.ThreatModel.objects.filter(team=team, name=snapshot.info.name).first()
            if existing and options["replace"]:
                current = selectors.snapshot_of_model(model=existing)
                revision = services.model_replace(
                    model=existing,
                    snapshot=reimport.align(current, snapshot),
                    user=user,
                    base_revision=existing.revision,
                    current=current,
                    message=f"Imported {path.name}",
                )
                if revision is None:
                    self.stdout.write(f"model {existing.pk} ({existing.name}) is already identical to {path.name}")
                else:
                    self.stdout.write(
                        self.style.SUCCESS(
                            f"updated model {existing.pk} ({existing.name}) to revision {revision.number} "
                            f"({revision.change_count} changes)"
                        )
                    )
                return
            model = services.model_create(team=team, snapshot=snapshot, user=user, message=f"Imported {path.name}")
        except ModelValidationError as exc:
            raise CommandError(
                f"{path}: refused, nothing was written:\n  " + "\n  ".join(str(issue) for issue in exc.issues)
            ) from None
        for assumption in result.assumptions:
            self.stdout.write(f"  assumed: {assumption}")
        self.stdout.write(
            self.style.SUCCESS(
                f"imported model {model.pk} ({model.name}) into team {team.slug}: "
                f"{len(snapshot.components)} components, {len(snapshot.flows)} flows, revision {model.revision}"
            )
        )
