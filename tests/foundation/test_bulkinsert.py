"""``threatmodel.bulkinsert``: rows go in whole statements of as many rows as one binds (the last one shorter), in
the caller's transaction, and a database error comes out as Django's, as through the ORM."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from threatmodel import bulkinsert, services
from threatmodel import models as m
from threatmodel.domain import ModelInfo, Snapshot

pytestmark = pytest.mark.django_db

COLUMNS = ("model_id", "key", "name", "description", "kind", "mfa", "tags", "attributes", "foreign_id")


def _model(team: Any, alice: Any) -> m.ThreatModel:
    return services.model_create(team=team, snapshot=Snapshot.build(ModelInfo(name="Rows")), user=alice)


def _rows(model: m.ThreatModel, count: int) -> list[tuple[Any, ...]]:
    return [
        (model.pk, f"id-{n:03}", f"Identity {n}", "", "workload", False, ["t"] if n % 2 else [], {"n": n}, "")
        for n in range(count)
    ]


def test_rows_in_several_statements_and_a_shorter_last_one(
    team_a: Any, alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = _model(team_a, alice)
    monkeypatch.setattr(bulkinsert, "SQLITE_MAX_VARIABLES", len(COLUMNS) * 7)  # 7 rows a statement: 7 + 7 + 6
    assert bulkinsert.insert_rows(m.Identity, COLUMNS, _rows(model, 20)) == 20
    stored = list(
        m.Identity.objects.filter(model=model).order_by("key").values_list("key", "name", "tags", "attributes")
    )
    assert stored == [(f"id-{n:03}", f"Identity {n}", ["t"] if n % 2 else [], {"n": n}) for n in range(20)]


def test_an_integrity_error_is_djangos_and_the_transaction_keeps_nothing(team_a: Any, alice: Any) -> None:
    model = _model(team_a, alice)
    rows = _rows(model, 3)
    with pytest.raises(IntegrityError), transaction.atomic():
        bulkinsert.insert_rows(m.Identity, COLUMNS, [*rows, rows[0]])  # the same key twice
    assert not m.Identity.objects.filter(model=model).exists()


def test_unknown_columns_are_refused(team_a: Any, alice: Any) -> None:
    with pytest.raises(ValueError, match="no columns"):
        bulkinsert.insert_rows(m.Identity, ("model_id", "nonsense"), [(1, 2)])


def test_a_whole_model_write_gives_the_page_cache_back(team_a: Any, alice: Any) -> None:
    from django.db import connection

    def cache_size() -> Any:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return cursor.fetchone()[0]

    if connection.vendor != "sqlite":
        pytest.skip("a SQLite connection setting")
    before = cache_size()
    with transaction.atomic(), bulkinsert.bulk_write_cache():
        assert cache_size() == -bulkinsert.BULK_CACHE_KIB
    assert cache_size() == before
    with pytest.raises(RuntimeError), bulkinsert.bulk_write_cache():
        raise RuntimeError("a write that fails")
    assert cache_size() == before


def test_update_column_sets_one_column_of_many_rows(team_a: Any, alice: Any) -> None:
    model = _model(team_a, alice)
    bulkinsert.insert_rows(m.Identity, COLUMNS, _rows(model, 3))
    pks = dict(m.Identity.objects.filter(model=model).values_list("key", "pk"))
    assert bulkinsert.update_column(m.Identity, "name", [("first", pks["id-000"]), ("third", pks["id-002"])]) == 2
    assert bulkinsert.update_column(m.Identity, "name", []) == 0
    names = dict(m.Identity.objects.filter(model=model).values_list("key", "name"))
    assert names == {"id-000": "first", "id-001": "Identity 1", "id-002": "third"}
    with pytest.raises(ValueError, match="no column"):
        bulkinsert.update_column(m.Identity, "nope", [(1, pks["id-000"])])
