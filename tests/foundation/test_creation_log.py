"""A model's first revision stores its change log as one document (``CreationLog``), not one ``ChangeRecord`` per
element, and every reader of the log sees the same rows: a revision's changes, past snapshots, diffs, exports,
the replay of the whole log and re-importing the first revision over later ones."""

from __future__ import annotations

from typing import Any

import pytest

from testkit.synthetic import generate_snapshot
from tests.conftest import client_for
from threatmodel import models as m
from threatmodel import selectors, services
from threatmodel.changes import MODEL_KEY, MODEL_KIND, ElementChange
from threatmodel.domain import KIND_OF_COLLECTION
from threatmodel.interchange import registry
from threatmodel.interchange.native import snapshot_to_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(team_a: Any, alice: Any) -> Any:
    snapshot = generate_snapshot(30, 120, seed=3)
    raw = registry.write(snapshot, "native-json")
    return services.model_import(team=team_a, raw=raw, filename="model.json", user=alice), raw


def _elements(raw: bytes) -> list[tuple[str, str, dict[str, Any]]]:
    document = snapshot_to_document(registry.read(raw, filename="model.json").snapshot, compact=False)
    return [
        (kind, item["id"], item)
        for collection, kind in KIND_OF_COLLECTION.items()
        for item in document.get(collection, [])
    ]


def test_the_import_revision_is_one_document_not_a_record_per_element(imported: Any) -> None:
    model, raw = imported
    revision = m.Revision.objects.get(model=model, number=1)
    assert m.ChangeRecord.objects.filter(model=model).count() == 0
    assert m.CreationLog.objects.filter(model=model).count() == 1
    elements = _elements(raw)
    assert revision.change_count == len(elements) + 1
    records = selectors.changes_of_revision(revision=revision)
    assert [r.seq for r in records] == list(range(len(elements) + 1))
    assert (records[0].element_kind, records[0].element_key, records[0].before) == (MODEL_KIND, MODEL_KEY, None)
    assert (records[0].after or {})["name"] == model.name
    assert [(r.element_kind, r.element_key, r.action, r.before, r.after) for r in records[1:]] == [
        (kind, key, "create", None, item) for kind, key, item in elements
    ]


def test_history_diff_export_and_replay_of_an_imported_model(imported: Any, alice: Any) -> None:
    model, raw = imported
    targeted = m.Control.objects.filter(model=model).values_list("target_key", flat=True)
    flow = m.DataFlow.objects.filter(model=model).exclude(key__in=list(targeted)).order_by("key").first()
    assert flow is not None
    services.changeset_apply(
        model=model,
        user=alice,
        base_revision=1,
        changes=[ElementChange("update", "flow", flow.key, {"port": 4242}), ElementChange("delete", "flow", flow.key)],
    )
    services.changeset_apply(
        model=model,
        user=alice,
        base_revision=2,
        changes=[ElementChange("create", "data_asset", "fresh", {"name": "Fresh", "classification": "internal"})],
    )
    assert m.ChangeRecord.objects.filter(model=model).count() == 2  # the later revisions keep a row per change
    # the first revision replays to the imported file (history, exports, restoring it by re-import)
    assert registry.write(selectors.snapshot_of_model(model=model, revision=1), "native-json") == raw
    diff = selectors.revision_diff(model=model, from_revision=1, to_revision=3).as_dict()
    assert sorted((e["status"], e["id"]) for e in diff["elements"]) == [("added", "fresh"), ("removed", flow.key)]
    # the replay of the whole log equals the tables
    stale = m.ThreatModel.objects.get(pk=model.pk)
    stale.revision += 1  # forces the change-log path for the current revision
    assert selectors.snapshot_of_model(model=stale, revision=3) == selectors.snapshot_of_model(model=model)
    assert selectors.element_state_at(model=model, revision=0) == {}
    # the API answers revision 1 with every creation, as before
    body = client_for(alice).get(f"/api/v1/models/{model.pk}/revisions/1/").json()
    assert len(body["changes"]) == m.Revision.objects.get(model=model, number=1).change_count
    assert body["changes"][1]["action"] == "create" and body["changes"][1]["before"] is None
    # restoring revision 1: re-import its export over the current model
    back = services.model_replace(
        model=model,
        snapshot=selectors.snapshot_of_model(model=model, revision=1),
        user=alice,
        base_revision=3,
        current=selectors.snapshot_of_model(model=model),
    )
    assert back is not None
    assert registry.write(selectors.snapshot_of_model(model=model), "native-json") == raw


def test_deleting_a_model_deletes_its_creation_log(imported: Any) -> None:
    model, _ = imported
    services.model_delete(model=model)
    assert not m.CreationLog.objects.exists()
