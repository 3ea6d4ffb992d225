#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import secrets
import sys
from pathlib import Path

#: Commands that work on files only (no database, no sessions): they run without configuration, so a
#: CI pipeline can call ``manage.py assess model.yaml`` with no secret key; an ephemeral one is used.
OFFLINE_COMMANDS = frozenset({"assess"})
#: The development key ``make run`` generated (config/env.py): management commands of that checkout use it.
DEV_SECRET_FILE = Path(__file__).resolve().parent / "var" / "secret_key"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if len(sys.argv) > 1 and sys.argv[1] in OFFLINE_COMMANDS:
        os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    elif not os.environ.get("DJANGO_SECRET_KEY") and DEV_SECRET_FILE.is_file():
        os.environ["DJANGO_SECRET_KEY"] = DEV_SECRET_FILE.read_text().strip()
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except RuntimeError as exc:
        # config.env.ImproperlyConfiguredEnv, raised while the settings load (so it cannot be imported first): a
        # missing or malformed setting is one line naming the variable, never a traceback.
        if type(exc).__module__ != "config.env":
            raise
        sys.exit(f"manage.py: {exc} (see Configuration in README.md)")


if __name__ == "__main__":
    main()
