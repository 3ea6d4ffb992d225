"""Inserting many rows at once (a whole model's element, link and change-log rows): plain column values, no model
instances (building tens of thousands of ORM objects costs more than the database work).

On SQLite one statement inserts as many rows as the connection's variable limit allows
(``INSERT ... VALUES (...), (...), ...``): ``executemany`` of a one-row statement steps, binds and resets the
statement once per row from Python, which made a large import's element rows cost markedly more (measured in
benchmarks/NOTES.md, "import_10k_s, 2026-12-04"). The statements go to the SQLite connection itself
(:func:`_sqlite_insert` says why), so they are not in ``connection.queries``. PostgreSQL keeps ``executemany``
through Django's cursor (psycopg sends the rows pipelined, one round trip for many).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import chain
from operator import itemgetter
from typing import Any

from django.db import connection, models

#: The most variables one SQLite statement takes here, whatever the library allows (SQLite's own default since
#: 3.32; the statement's text and its compiled program grow with it).
SQLITE_MAX_VARIABLES = 32_766


#: The page cache (KiB) a whole model's write may use on SQLite: enough for the pages a 10,000-component import
#: touches (about 45 MB of rows, indexes and its creation log), which SQLite's default cache (2 MB) would spill
#: to the write-ahead log again and again while the transaction is still open.
BULK_CACHE_KIB = 131_072


@contextmanager
def bulk_write_cache() -> Iterator[None]:
    """On SQLite, let the connection's page cache hold a whole model's write (:data:`BULK_CACHE_KIB`) inside the
    block, and give it back after: with the default cache the B-tree pages of the indexes, modified in random
    order, were written to the log again and again before the commit (measured in benchmarks/NOTES.md,
    "import_10k_s, 2026-12-04, cache"). ``cache_size`` is the connection's setting, not part of the transaction
    or the database; PostgreSQL has nothing to set."""
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    (previous,) = raw.execute("PRAGMA cache_size").fetchone()
    raw.execute(f"PRAGMA cache_size = {-BULK_CACHE_KIB:d}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA cache_size = {int(previous):d}")


def json_text(value: Any) -> str:
    """``json.dumps(value)`` as a JSON column stores it, answered at once for the values most columns hold."""
    if value is None:
        return "null"
    if not value and (type(value) is dict or type(value) is list):
        return "{}" if type(value) is dict else "[]"
    return json.dumps(value)


def insert_rows(
    row_model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]], *, encoded: bool = False
) -> int:
    """Insert ``rows`` (tuples of the ``columns``, attnames such as ``boundary_id``) into the table of ``row_model``.
    JSON columns are Python values, serialized here, or (``encoded``) their text already. Answers the number of
    rows."""
    meta = row_model._meta
    fields = {f.attname: f for f in meta.concrete_fields if not f.primary_key}
    unknown = set(columns) - set(fields)
    if unknown:
        raise ValueError(f"{meta.label} has no columns {sorted(unknown)}")
    json_at = [] if encoded else [i for i, c in enumerate(columns) if isinstance(fields[c], models.JSONField)]
    values: list[Sequence[Any]] = [_with_json_text(row, json_at) for row in rows] if json_at else list(rows)
    if not values:
        return 0
    quote = connection.ops.quote_name
    # identifiers come from the model definition (never from input) and are quoted
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(fields[c].column or c) for c in columns)}) VALUES "  # noqa: S608
    if connection.vendor == "sqlite":
        _sqlite_insert(head, len(columns), values)
        return len(values)
    with connection.cursor() as cursor:
        cursor.executemany(head + "(" + ", ".join(["%s"] * len(columns)) + ")", values)
    return len(values)


def _sqlite_insert(head: str, width: int, values: list[Sequence[Any]]) -> None:
    """The rows in statements of as many rows as one may bind, on the connection's own SQLite connection: Django's
    cursor rewrites each ``%s`` of a statement to ``?`` with a regular expression, which for a whole model's rows
    (millions of values) was a noticeable share of its import (benchmarks/NOTES.md). The statements run in the
    transaction Django holds (the same connection), after the same check that it is not broken, and errors come
    out as Django's."""
    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    raw = connection.connection
    assert raw is not None
    per = max(1, min(raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER), SQLITE_MAX_VARIABLES) // width)
    one = "(" + ", ".join(["?"] * width) + ")"
    full = head + ", ".join([one] * per)
    with connection.wrap_database_errors:
        for start in range(0, len(values), per):
            batch = values[start : start + per]
            sql = full if len(batch) == per else head + ", ".join([one] * len(batch))
            raw.execute(sql, list(chain.from_iterable(batch)))


def update_column(row_model: type[models.Model], column: str, values: Sequence[tuple[Any, int]]) -> int:
    """Set ``column`` (an attname such as ``parent_id``) of many rows: ``values`` are ``(value, primary key)``,
    one statement run for all (a queryset ``update`` per row costs Django's query building each time). A plain
    UPDATE, as ``QuerySet.update`` does: no ``save``, no signals, no ``auto_now``. Answers the number of rows."""
    if not values:
        return 0
    meta = row_model._meta
    field = next((f for f in meta.concrete_fields if f.attname == column and not f.primary_key), None)
    if field is None:
        raise ValueError(f"{meta.label} has no column {column!r}")
    quote = connection.ops.quote_name
    # identifiers come from the model definition (never from input) and are quoted
    table, target, pk = quote(meta.db_table), quote(field.column or column), quote(str(meta.pk.column))
    sql = f"UPDATE {table} SET {target} = %s WHERE {pk} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, list(values))
    return len(values)


def insert_dicts(row_model: type[models.Model], rows: Iterable[Mapping[str, Any]]) -> int:
    """:func:`insert_rows` of column dicts, which all have the keys of the first."""
    rows = list(rows)
    if not rows:
        return 0
    columns = list(rows[0])
    values = itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
    return insert_rows(row_model, columns, map(values, rows))


def _with_json_text(row: Sequence[Any], json_at: list[int]) -> list[Any]:
    out = list(row)
    for i in json_at:
        out[i] = json_text(out[i])
    return out
