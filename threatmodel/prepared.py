"""ORM queries compiled to SQL once, for the few reads that run on every API request.

Building and compiling a queryset costs a few hundred microseconds of CPU, several times what SQLite or
PostgreSQL take to answer a primary-key or unique-index lookup. A hot path (token authentication, the
membership check, the latest score) runs the same query shape on every request, so a
:class:`PreparedValuesQuery` builds it with the ORM once per database alias — same SQL, quoting, joins and
column conversions (datetimes, JSON, booleans) as ``.values()`` — and then only executes it with new
parameters. Queries go through Django's cursor wrapper, so they are logged and counted like any other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, str], ...]  # (position in params, placeholder name)
    names: tuple[str, ...]
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]  # (column, converters, expression)


class PreparedValuesQuery:
    """``build(**placeholders)`` must return a ``.values()`` queryset (at most one row is read).

    Each placeholder is a sentinel value (an ``int`` or ``str`` that no real query uses) for a parameter
    that varies per call; the compiled SQL must contain each one exactly once, or compilation fails
    loudly. Every other parameter of the query is a constant of its shape.
    """

    def __init__(self, build: Callable[..., QuerySet[Any, Any]], **placeholders: int | str) -> None:
        self._build = build
        self._placeholders = placeholders
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(self, alias: str) -> _Compiled:
        queryset = self._build(**self._placeholders).using(alias)
        query = queryset.query
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots = []
        for name, sentinel in self._placeholders.items():
            found = [i for i, value in enumerate(params) if type(value) is type(sentinel) and value == sentinel]
            if len(found) != 1:
                raise ValueError(f"placeholder {name!r} appears {len(found)} times in the compiled query")
            slots.append((found[0], name))
        names = (
            list(query.selected)
            if query.selected
            else [*query.extra_select, *query.values_select, *query.annotation_select]
        )
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        converters = tuple(
            (i, tuple(convs), expression) for i, (convs, expression) in compiler.get_converters(fields).items()
        )
        return _Compiled(sql=sql, params=tuple(params), slots=tuple(slots), names=tuple(names), converters=converters)

    def compiled(self, alias: str = DEFAULT_DB_ALIAS) -> _Compiled:
        compiled = self._compiled.get(alias)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(alias) or self._compile(alias)
                self._compiled[alias] = compiled
        return compiled

    def first(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> dict[str, Any] | None:
        """The first row as ``{name: value}`` (converted like the ORM does), or None."""
        compiled = self.compiled(using)
        params = list(compiled.params)
        for position, name in compiled.slots:
            params[position] = values[name]
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        row = list(row)
        for position, converters, expression in compiled.converters:
            value = row[position]
            for converter in converters:
                value = converter(value, expression, connection)
            row[position] = value
        return dict(zip(compiled.names, row, strict=True))
