"""Revisions that mean something: an author's consecutive editor change sets within a few seconds merge into one
revision with a message written from what it changes; stale writes are still refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from threatmodel import models as m
from threatmodel import selectors, services
from threatmodel.changes import ElementChange
from threatmodel.choices import Role
from threatmodel.messages import describe
from threatmodel.revisions import merge_rows
from threatmodel.services import RevisionConflict

pytestmark = pytest.mark.django_db


def _edit(model: Any, user: Any, *changes: ElementChange, coalesce: bool = True) -> m.Revision:
    model.refresh_from_db()
    return services.changeset_apply(
        model=model, user=user, base_revision=model.revision, changes=list(changes), coalesce=coalesce
    )


def _set(kind: str, element_id: str, **data: Any) -> ElementChange:
    return ElementChange("update", kind, element_id, data)


def test_consecutive_edits_by_one_author_are_one_revision(demo_model: Any, alice: Any) -> None:
    first = _edit(demo_model, alice, _set("flow", "checkout-to-payment", encryption="tls"))
    assert (first.number, first.coalesced) == (2, False)
    assert first.message == "Set encryption of Checkout service → Payment service to TLS"
    second = _edit(demo_model, alice, _set("flow", "checkout-to-payment", encryption="mtls", port=443))
    assert (second.number, second.coalesced) == (3, True)
    third = _edit(demo_model, alice, _set("component", "payment", description="Charges cards"))
    assert third.number == 4
    assert list(m.Revision.objects.filter(model=demo_model).values_list("number", flat=True)) == [4, 1]
    revision = m.Revision.objects.get(model=demo_model, number=4)
    records = list(revision.changes.order_by("seq").values_list("element_key", "before", "after"))
    assert [key for key, _, _ in records] == ["checkout-to-payment", "payment"]
    flow_before, flow_after = records[0][1], records[0][2]
    # the first before (mtls, port 50051 in the demo) and the last after are kept
    assert (flow_before["encryption"], flow_before["port"]) == ("mtls", 50051)
    assert (flow_after["encryption"], flow_after["port"]) == ("mtls", 443)
    assert revision.change_count == 2
    assert (
        revision.message == "Set port of Checkout service → Payment service to 443; set description of Payment service"
    )
    demo_model.refresh_from_db()
    assert demo_model.revision == 4
    current = selectors.snapshot_of_model(model=demo_model)
    assert selectors.snapshot_of_model(model=demo_model, revision=4) == current
    diff = selectors.revision_diff(model=demo_model, from_revision=1, to_revision=4).as_dict()
    assert diff["summary"] == {"added": 0, "removed": 0, "changed": 2}


def test_stale_base_is_refused_while_coalescing(demo_model: Any, alice: Any, bob: Any) -> None:
    services.membership_set(team=demo_model.team, user=bob, role=Role.EDITOR)
    _edit(demo_model, alice, _set("component", "cart", description="one"))  # r2
    with pytest.raises(RevisionConflict) as caught:
        services.changeset_apply(
            model=demo_model, user=bob, base_revision=1, changes=[_set("component", "cart", description="bob")]
        )
    assert caught.value.current_revision == 2
    merged = _edit(demo_model, alice, _set("component", "cart", description="two"))  # merged, now r3
    assert merged.number == 3 and merged.coalesced
    # bob had seen r2, which alice's merge moved on: refused, although r2 no longer exists as such
    with pytest.raises(RevisionConflict) as caught:
        services.changeset_apply(
            model=demo_model, user=bob, base_revision=2, changes=[_set("component", "cart", description="bob")]
        )
    assert caught.value.current_revision == 3
    # bob, up to date, gets his own revision: another author never merges into alice's
    own = _edit(demo_model, bob, _set("component", "cart", description="bob"))
    assert (own.number, own.coalesced, own.author) == (4, False, bob)
    # and alice's next edit does not merge into bob's
    after = _edit(demo_model, alice, _set("component", "cart", description="alice again"))
    assert (after.number, after.coalesced) == (5, False)


def test_edits_further_apart_than_the_window_stay_apart(demo_model: Any, alice: Any, settings: Any) -> None:
    settings.REVISION_COALESCE_SECONDS = 5
    first = _edit(demo_model, alice, _set("component", "cart", description="one"))
    m.Revision.objects.filter(pk=first.pk).update(last_change_at=timezone.now() - timedelta(seconds=6))
    second = _edit(demo_model, alice, _set("component", "cart", description="two"))
    assert (second.number, second.coalesced) == (3, False)
    settings.REVISION_COALESCE_SECONDS = 0
    third = _edit(demo_model, alice, _set("component", "cart", description="three"))
    assert (third.number, third.coalesced) == (4, False)


def test_window_slides_with_each_merged_edit(demo_model: Any, alice: Any) -> None:
    first = _edit(demo_model, alice, _set("component", "cart", description="a"))
    m.Revision.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    typed = _edit(demo_model, alice, _set("component", "cart", description="ab"))
    assert typed.coalesced  # typing for minutes is still one revision while the pauses stay short


def test_opt_out_and_non_editor_revisions_do_not_merge(demo_model: Any, alice: Any) -> None:
    # revision 1 (the model's creation) never absorbs an edit
    first = _edit(demo_model, alice, _set("component", "cart", description="one"))
    assert first.number == 2 and not first.coalesced
    separate = _edit(demo_model, alice, _set("component", "cart", description="two"), coalesce=False)
    assert separate.number == 3 and not separate.coalesced
    # a change set sent with coalesce=False is not merged into by the next one either
    nxt = _edit(demo_model, alice, _set("component", "cart", description="three"))
    assert nxt.number == 4 and not nxt.coalesced


def test_an_edit_and_its_undo_leave_an_empty_revision(demo_model: Any, alice: Any) -> None:
    original = selectors.snapshot_of_model(model=demo_model)
    _edit(demo_model, alice, _set("flow", "cart-to-redis", encryption="tls"))
    undone = _edit(demo_model, alice, _set("flow", "cart-to-redis", encryption="none"))
    assert undone.coalesced and undone.change_count == 0
    assert undone.message == "No net change (the edits cancelled out)"
    assert selectors.snapshot_of_model(model=demo_model, revision=undone.number).flows == original.flows


def test_added_then_deleted_drops_out(demo_model: Any, alice: Any) -> None:
    _edit(demo_model, alice, ElementChange("create", "component", "tmp", {"name": "Temp", "kind": "service"}))
    _edit(demo_model, alice, _set("component", "cart", description="kept"))
    last = _edit(demo_model, alice, ElementChange("delete", "component", "tmp"))
    keys = list(m.ChangeRecord.objects.filter(revision=last).values_list("element_key", "action"))
    assert keys == [("cart", "update")]
    assert last.message == "Set description of Cart service"


def test_merge_rows_keeps_first_before_and_last_after() -> None:
    earlier = [("component", "a", "create", None, {"name": "A"}), ("flow", "f", "update", {"port": 1}, {"port": 2})]
    later = [
        ("component", "a", "update", {"name": "A"}, {"name": "B"}),
        ("flow", "f", "update", {"port": 2}, {"port": 1}),
    ]
    assert merge_rows(earlier, later) == [("component", "a", "create", None, {"name": "B"})]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("model", "model", "update", {"name": "A"}, {"name": "B"})], "Renamed the model to 'B'"),
        ([("component", "x", "create", None, {"name": "Payments", "kind": "service"})], "Added service Payments"),
        ([("data_asset", "d", "delete", {"name": "Cards"}, None)], "Deleted data asset Cards"),
        (
            [("component", "x", "update", {"name": "A", "position": {"x": 1}}, {"name": "A", "position": {"x": 2}})],
            "Moved A",
        ),
        (
            [("component", c, "update", {"name": c, "position": 1}, {"name": c, "position": 2}) for c in "abc"],
            "Moved 3 elements",
        ),
        ([("component", "x", "update", {"name": "A"}, {"name": "B"})], "Renamed A to 'B'"),
        (
            [
                (
                    "component",
                    "x",
                    "update",
                    {"name": "A", "internet_facing": False},
                    {"name": "A", "internet_facing": True},
                )
            ],
            "Set internet facing of A to yes",
        ),
        ([("grant", "g", "create", None, {"identity": "i", "target": "*"})], "Added grant of i on *"),
    ],
)
def test_messages(rows: list[Any], message: str) -> None:
    assert describe(rows) == message


def test_api_reports_the_merge(demo_model: Any, alice: Any) -> None:
    from tests.conftest import client_for

    client = client_for(alice)
    url = f"/api/v1/models/{demo_model.pk}/changesets/"
    change = {"op": "update", "kind": "flow", "id": "cart-to-redis", "data": {"encryption": "tls"}}
    body = client.post(url, {"base_revision": 1, "changes": [change]}, format="json").json()
    assert body == {
        "revision": 2,
        "change_count": 1,
        "coalesced": False,
        "message": "Set encryption of Cart service → Redis (carts) to TLS",
    }
    change["data"] = {"encryption": "mtls"}
    body = client.post(url, {"base_revision": 2, "changes": [change]}, format="json").json()
    assert body == {
        "revision": 3,
        "change_count": 1,
        "coalesced": True,
        "message": "Set encryption of Cart service → Redis (carts) to mTLS",
    }
    stale = client.post(url, {"base_revision": 2, "changes": [change]}, format="json")
    assert stale.status_code == 409 and stale.json()["current_revision"] == 3
    refused = client.post(url, {"base_revision": 3, "changes": [change], "coalesce": "yes"}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["path"] == "coalesce"


def test_the_locking_reads_of_a_change_set_do_not_join_the_team(demo_model: Any, alice: Any) -> None:
    """``FOR UPDATE`` locks every row a query joins: a lookup ordered by the default ordering (team name, model name)
    would lock the team's row, so that the edits of all the team's models would queue on it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _edit(demo_model, alice, _set("component", "payment", description="one"))
    with CaptureQueriesContext(connection) as queries:
        _edit(demo_model, alice, _set("component", "payment", description="two"))  # merges: the coalescing lookup
    assert not [q["sql"] for q in queries.captured_queries if '"threatmodel_team"' in q["sql"]]
