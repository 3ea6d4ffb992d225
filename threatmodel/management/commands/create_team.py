"""Create a team and its owner account: how an operator sets up the first user and team of a deployment.

``manage.py create_team "Platform security" --owner alice --email alice@example.com``: creates the account
``alice`` (password from ``TRUSTMAP_OWNER_PASSWORD``, from standard input with ``--password-stdin``, or asked
twice at the terminal) unless it exists, then the team with ``alice`` as its owner. Owners invite everyone else
from the team page or the API. A refusal is one line on standard error and exit status 1, never a traceback.
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from threatmodel import models as m
from threatmodel import services
from threatmodel.inputgate import name_issues

PASSWORD_ENV = "TRUSTMAP_OWNER_PASSWORD"


class Command(BaseCommand):
    help = "Create a team and its owner (the owner account is created too if it does not exist)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the team's name")
        parser.add_argument("--owner", required=True, help="username of the owner (created if missing)")
        parser.add_argument("--email", default="", help="e-mail of a new owner account")
        parser.add_argument("--superuser", action="store_true", help="a new owner account may use /admin/ too")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help=f"read a new owner's password from the first line of standard input (instead of {PASSWORD_ENV})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = str(options["name"]).strip()
        problems = name_issues(name, "name")
        if problems or not name:
            raise CommandError(problems[0].message if problems else "the team needs a name")
        if m.Team.objects.filter(name=name).exists():
            raise CommandError(f"a team named {name!r} already exists")
        User = get_user_model()
        owner = User.objects.filter(username=options["owner"]).first()
        with transaction.atomic():
            if owner is None:
                owner = self._new_owner(User, options)
            team = services.team_create(name=name, owner=owner)
        self.stdout.write(f"team {team.name!r} (id {team.pk}, slug {team.slug}) owned by {owner.username!r}")

    def _new_owner(self, User: Any, options: dict[str, Any]) -> Any:
        user = User(username=options["owner"], email=options["email"])
        try:
            user.full_clean(exclude=["password"])
        except ValidationError as exc:
            raise CommandError("account refused: " + " ".join(exc.messages)) from None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = os.environ.get(PASSWORD_ENV) or self._ask_password()
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("password refused: " + " ".join(exc.messages)) from None
        user.set_password(password)
        user.is_staff = user.is_superuser = bool(options["superuser"])
        user.save()
        self.stdout.write(f"created account {user.username!r}")
        return user

    def _ask_password(self) -> str:
        if not os.isatty(0):
            raise CommandError(f"set {PASSWORD_ENV} or run this at a terminal to give the new owner a password")
        first = getpass.getpass("Password of the new owner: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("the passwords differ")
        return first
