"""``manage.py assess``: the ``trustmap assess`` CLI (``assessments.cli``) with the project's engine settings.

    python manage.py assess FILE... [--format text|json|sarif|csv|html|pdf] [--output PATH] [--fail-on SEVERITY]
                                    [--baseline PREVIOUS.json] [--convert-to FORMAT]

Same options and exit status as ``trustmap assess`` (0 ok, 1 unreadable or invalid file, 2 usage error, 3 open
findings at or above ``--fail-on``). No database is used.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO, cast

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments import cli


class Command(BaseCommand):
    help = "Run the assessment engine on model files (any importable format) and print or write the result."

    def add_arguments(self, parser: CommandParser) -> None:
        cli.add_assess_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        namespace = argparse.Namespace(**options)
        namespace.workers = options.get("workers") or settings.ENGINE_WORKERS or None
        namespace.min_parallel = options.get("min_parallel") or settings.ENGINE_PARALLEL_MIN_ELEMENTS
        try:
            status = cli.run_assess(namespace, cast(TextIO, self.stdout._out), cast(TextIO, self.stderr._out))
        except cli.CliError as exc:
            raise CommandError(str(exc)) from None
        if status:
            sys.exit(status)
