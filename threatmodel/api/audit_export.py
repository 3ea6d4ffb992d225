"""The audit log as CSV (``GET /api/v1/teams/{id}/audit/?format=csv``): one row per event, newest first, a fixed
column order, streamed so a long log never sits in memory, formula-injection safe (a cell that a spreadsheet would
evaluate, starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, is prefixed with a single quote)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import UTC
from typing import Any

from threatmodel import models as m

#: Part of the format: new columns go at the end.
COLUMNS: tuple[str, ...] = (
    "id",
    "created_at",
    "action",
    "team_id",
    "actor",
    "actor_id",
    "target",
    "ip_address",
    "user_agent",
    "detail",
)
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
#: Rows fetched from the database at a time.
CHUNK = 500


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_DANGEROUS) else text


def event_row(event: m.AuditEvent) -> list[str]:
    values: tuple[Any, ...] = (
        event.pk,
        event.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        event.action,
        event.team_id,
        event.actor_name,
        event.actor_id,
        event.target,
        event.ip_address,
        event.user_agent,
        json.dumps(event.detail, sort_keys=True, ensure_ascii=False, separators=(",", ":")) if event.detail else "",
    )
    return [safe_cell(value) for value in values]


class _Line:
    """The file-like object ``csv.writer`` writes one row into; the row is then handed on as a string."""

    def write(self, text: str) -> str:
        return text


def csv_lines(events: Iterable[m.AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Line(), lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    yield writer.writerow(COLUMNS)
    for event in events:
        yield writer.writerow(event_row(event))
