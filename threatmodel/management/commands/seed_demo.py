"""Create the demo team, user and model (idempotent): used by ``make run``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from catalog.packs.controls import control_ids
from config.env import local_secret
from threatmodel import models as m
from threatmodel import services
from threatmodel.choices import Role
from threatmodel.interchange.native import read_model

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "online-shop.yaml"


class Command(BaseCommand):
    help = "Create (once) the demo user, the 'Demo' team and the Boutique demo model; print the credentials."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default=os.environ.get("DEMO_USERNAME", "demo"))
        parser.add_argument(
            "--password",
            default=os.environ.get("DEMO_PASSWORD", ""),
            help="default: generated once and kept in var/demo_password",
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        password = options["password"] or local_secret("demo_password", 12)
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(username=username, defaults={"email": ""})
        if created or not user.check_password(password):
            user.set_password(password)
            user.is_staff = True
            user.is_superuser = True
            user.save()
        team = m.Team.objects.filter(slug="demo").first() or services.team_create(name="Demo", owner=user, slug="demo")
        services.membership_set(team=team, user=user, role=Role.OWNER)
        snapshot = read_model(DEMO_FILE.read_bytes(), DEMO_FILE.name, known_controls=control_ids())
        model = m.ThreatModel.objects.filter(team=team, name=snapshot.info.name).first()
        if model is None:
            model = services.model_create(team=team, snapshot=snapshot, user=user, message="Demo model")
            self.stdout.write(f"created demo model {model.pk}: {model.name}")
        else:
            self.stdout.write(f"demo model already present ({model.pk}: {model.name}, revision {model.revision})")
        if not model.assessment_runs.exists():
            # a first assessment, so the dashboard shows a score and findings straight away
            from assessments.services.runs import assessment_run_start

            assessment_run_start(model=model, user=user)
            self.stdout.write("queued the first assessment of the demo model")
        self.stdout.write(self.style.SUCCESS(f"demo login: username={username} password={password}"))
