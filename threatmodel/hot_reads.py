"""Hand-written SQL for the few reads that every API request makes (speed trick, fenced here).

Why: on the 2-core box building and compiling a queryset costs 1-3 ms of CPU per query (``filter``, joins,
``as_sql``, the converters), several times what PostgreSQL takes to answer a primary-key or unique-index lookup,
and an API read made three of them (token, model or latest run, membership). Measured in
benchmarks/NOTES.md ("The read path"); the membership role now comes with the model or the run in the same
query (:func:`role_join`, one round trip fewer; "The load's reads, 2026-12-04"). The selectors keep the access
decision (``require_role``); only the fetching is done here.

How: a :class:`Columns` is the SELECT list of one table, built once from the model's fields (so a new column
is read too), run through Django's cursor (logged and counted like any other query), and its values converted
as the ORM converts them for the field types used here: datetimes made aware (SQLite returns naive ones), JSON
decoded by the field, booleans. Any other field type is refused when the list is built, so no column is ever
read unconverted. tests/api/test_hot_path.py checks each read against the ORM's answer.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Field, Model
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from threatmodel import models as m
from threatmodel.accounts import Account

#: The largest primary key (64-bit columns).
MAX_ID = 2**63 - 1

#: Field types whose database values are what the ORM gives (ints, floats, strings).
PLAIN = {
    "AutoField",
    "BigAutoField",
    "ForeignKey",
    "IntegerField",
    "BigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "FloatField",
    "CharField",
    "TextField",
    "SlugField",
    "EmailField",
}


def _datetime(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, datetime.datetime):  # SQLite without its declared type
        value = parse_datetime(value)
    if settings.USE_TZ and timezone.is_naive(value):  # SQLite stores UTC without an offset
        value = timezone.make_aware(value, connection.timezone)
    return value


def _boolean(value: Any) -> Any:
    return None if value is None else bool(value)


def _converter(field: Field[Any, Any]) -> Callable[[Any], Any] | None:
    kind = field.get_internal_type()
    if hasattr(field, "from_db_value") and kind != "JSONField":  # a field of its own conversion (e.g. encrypted)
        raise TypeError(f"hot_reads: {field.model.__name__}.{field.name} converts its values itself")
    if kind in PLAIN:
        return None
    if kind == "DateTimeField":
        return _datetime
    if kind == "BooleanField":
        return _boolean
    if kind == "JSONField":
        return lambda value: field.from_db_value(value, None, connection)  # type: ignore[attr-defined]
    raise TypeError(f"hot_reads: no conversion for {field.model.__name__}.{field.name} ({kind})")


class Columns:
    """The columns of ``model`` (all concrete fields, or ``names``) as ``alias."column"`` for a SELECT list."""

    def __init__(self, model: type[Model], alias: str, names: Sequence[str] | None = None) -> None:
        self.model = model
        self.alias = alias
        fields = [self.field(name) for name in names] if names else list(model._meta.concrete_fields)
        self.table = f'"{model._meta.db_table}"'
        self.attnames = [field.attname for field in fields]
        self.sql = ", ".join(f'{alias}."{field.column}"' for field in fields)
        self.converters = [_converter(field) for field in fields]
        self.width = len(fields)

    def field(self, name: str) -> Field[Any, Any]:
        meta = self.model._meta
        field = meta.pk if name == "pk" else meta.get_field(name)
        if not isinstance(field, Field):
            raise TypeError(f"hot_reads: {self.model.__name__}.{name} is not a column")
        return field

    def order_by(self, names: Sequence[str]) -> str:
        """An ORDER BY clause as ``QuerySet.order_by(*names)`` writes it (``-name``: descending)."""
        terms = []
        for name in names:
            column = self.field(name.lstrip("-")).column
            terms.append(f'{self.alias}."{column}"{" DESC" if name.startswith("-") else " ASC"}')
        return "ORDER BY " + ", ".join(terms)

    def values(self, row: Sequence[Any], start: int = 0) -> list[Any]:
        """This list's converted values in ``row`` from position ``start``."""
        values = list(row[start : start + self.width])
        for i, convert in enumerate(self.converters):
            if convert is not None:
                values[i] = convert(values[i])
        return values

    def instance(self, row: Sequence[Any], start: int = 0) -> Any:
        """A model instance, as the ORM would load it (needs every concrete field)."""
        return self.model.from_db(connection.alias, self.attnames, self.values(row, start))


def fetch_one(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row: tuple[Any, ...] | None = cursor.fetchone()
        return row


_TOKEN = Columns(m.ApiToken, "t")
_USER = Columns(Account, "u")
# identifiers come from the model definitions (never from input) and are quoted; values are parameters
TOKEN_SQL = (
    f"SELECT {_TOKEN.sql}, {_USER.sql} FROM {_TOKEN.table} t "  # noqa: S608
    f'INNER JOIN {_USER.table} u ON u."id" = t."user_id" WHERE t."key_hash" = %s'
)


def token_with_user(*, key_hash: str) -> m.ApiToken | None:
    """The token with this digest and its user (as ``select_related("user")`` loads them), or None."""
    row = fetch_one(TOKEN_SQL, [key_hash])
    if row is None:
        return None
    token: m.ApiToken = _TOKEN.instance(row)
    token.user = _USER.instance(row, _TOKEN.width)
    return token


ROLE_SQL = f'SELECT "role" FROM "{m.Membership._meta.db_table}" WHERE "team_id" = %s AND "user_id" = %s'  # noqa: S608


def membership_role(*, team_id: int, user_id: int) -> str | None:
    row = fetch_one(ROLE_SQL, [team_id, user_id])
    return None if row is None else str(row[0])


_MODEL = Columns(m.ThreatModel, "tm")
_TEAM = Columns(m.Team, "team")


def role_join(team_id_column: str) -> str:
    """A LEFT JOIN giving the reader's membership role (``mb."role"``, NULL for a non-member) in the team of
    ``team_id_column``; the reader's user id is its one parameter (None: an anonymous reader, no row). One
    round trip fewer per request than asking ``membership_role`` after the row is found."""
    return f'LEFT JOIN "{m.Membership._meta.db_table}" mb ON mb."team_id" = {team_id_column} AND mb."user_id" = %s'


_READER_ROLE = role_join('tm."team_id"')
MODEL_SQL = (
    f'SELECT {_MODEL.sql}, {_TEAM.sql}, mb."role" FROM {_MODEL.table} tm '  # noqa: S608
    f'INNER JOIN {_TEAM.table} team ON team."id" = tm."team_id" {_READER_ROLE} WHERE tm."id" = %s'
)


def model_with_team(*, model_id: int, user_id: int | None) -> tuple[m.ThreatModel, str | None] | None:
    """The model and its team (as ``select_related("team")`` loads them) with the role of user ``user_id`` in
    that team (None for a non-member), or None."""
    if not 0 < model_id <= MAX_ID:  # what the ORM answers for an id no column can hold
        return None
    row = fetch_one(MODEL_SQL, [user_id, model_id])
    if row is None:
        return None
    model: m.ThreatModel = _MODEL.instance(row)
    model.team = _TEAM.instance(row, _MODEL.width)
    role = row[_MODEL.width + _TEAM.width]
    return model, None if role is None else str(role)
