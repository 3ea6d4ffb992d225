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
