"""Bad input: ids and names at the file format's rules (path, message, nothing saved); deleting an element others
refer to says what refers to it and lets the client cascade or cancel."""

from __future__ import annotations

from typing import Any

import pytest

from threatmodel import models as m
from threatmodel import selectors
from threatmodel.deletion import deletion_plan

pytestmark = pytest.mark.django_db


def _url(model: Any, suffix: str) -> str:
    return f"/api/v1/models/{model.pk}/{suffix}"


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        ({"id": "has space", "name": "A"}, "changes[0].data.id", "is not a valid id (letters, digits"),
        ({"id": "-dash-first", "name": "A"}, "changes[0].data.id", "is not a valid id (letters, digits"),
        ({"id": "x" * 129, "name": "A"}, "changes[0].data.id", "is not a valid id (letters, digits"),
        ({"id": "ok", "name": ""}, "changes[0].data.name", "should be non-empty"),
        ({"id": "ok", "name": "n" * 201}, "changes[0].data.name", "name is 201 characters; the limit is 200"),
    ],
)
def test_ids_and_names_follow_the_file_format(
    clients: Any, team_setup: Any, data: dict[str, Any], path: str, message: str
) -> None:
    model = team_setup.model
    change = {"op": "create", "kind": "component", "id": data["id"], "data": data}
    response = clients.editor.post(_url(model, "changesets/"), {"base_revision": 1, "changes": [change]}, format="json")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["path"] == path and message in error["message"], error
    model.refresh_from_db()
    assert model.revision == 1


def test_id_taken_by_another_kind(clients: Any, team_setup: Any) -> None:
    change = {"op": "create", "kind": "component", "id": "internet", "data": {"name": "X"}}
    response = clients.editor.post(
        _url(team_setup.model, "changesets/"), {"base_revision": 1, "changes": [change]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "changes[0].id", "message": "id 'internet' is already used by a boundary in this model"}
    ]


def test_delete_referenced_says_what_refers_and_changes_nothing(clients: Any, team_setup: Any) -> None:
    model = team_setup.model
    response = clients.editor.delete(_url(model, "components/redis-cart/?base_revision=1"))
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == (
        "2 references to component 'redis-cart' (Cart service → Redis (carts), cartservice SA on Redis (carts)): "
        "delete with cascade=true to delete or update them too, or cancel"
    )
    assert body["referenced_by"] == [
        {
            "kind": "flow",
            "id": "cart-to-redis",
            "name": "Cart service → Redis (carts)",
            "field": "target",
            "target": "redis-cart",
            "consequence": "deleted",
        },
        {
            "kind": "grant",
            "id": "g-cart-redis",
            "name": "cartservice SA on Redis (carts)",
            "field": "target",
            "target": "redis-cart",
            "consequence": "deleted",
        },
    ]
    assert body["errors"][0]["path"] == "flow[cart-to-redis].target"
    assert [(c["op"], c["id"]) for c in body["cascade_changes"]] == [
        ("delete", "cart-to-redis"),
        ("delete", "g-cart-redis"),
        ("delete", "redis-cart"),
    ]
    model.refresh_from_db()
    assert model.revision == 1 and m.Component.objects.filter(model=model, key="redis-cart").exists()
    # the preview says the same without trying
    preview = clients.viewer.get(_url(model, "components/redis-cart/references/")).json()
    assert preview["referenced_by"] == body["referenced_by"]
    # cascade: one revision
    assert clients.editor.delete(_url(model, "components/redis-cart/?base_revision=1&cascade=true")).status_code == 204
    model.refresh_from_db()
    assert model.revision == 2
    assert not m.DataFlow.objects.filter(model=model, key="cart-to-redis").exists()


def test_unreferenced_element_deletes_without_cascade(clients: Any, team_setup: Any) -> None:
    model = team_setup.model
    preview = clients.viewer.get(_url(model, "controls/c-vault-audit/references/")).json()
    assert preview["referenced_by"] == [] and preview["detail"] == "nothing refers to control 'c-vault-audit'"
    assert clients.editor.delete(_url(model, "controls/c-vault-audit/?base_revision=1")).status_code == 204


def test_cascade_moves_members_and_clears_references(team_setup: Any) -> None:
    snapshot = selectors.snapshot_of_model(model=team_setup.model)
    plan = deletion_plan(snapshot, ["eks", "sa-cart", "cart-data"])
    updates = {(c.kind, c.id): dict(c.data) for c in plan.changes if c.op == "update"}
    # namespaces of the deleted cluster move to its parent (the VPC)
    assert updates[("boundary", "ns-storefront")] == {"parent": "vpc-prod"}
    assert updates[("component", "cart")] == {"identity": None, "data_processed": []}
    assert updates[("flow", "frontend-to-cart")] == {"data_assets": []}
    deleted = {c.id for c in plan.changes if c.op == "delete"}
    assert {"eks", "sa-cart", "cart-data", "g-cart-redis"} <= deleted
    assert "cart" not in deleted


def test_cascade_of_a_boundary_through_the_api(clients: Any, team_setup: Any) -> None:
    model = team_setup.model
    response = clients.editor.delete(_url(model, "boundaries/ns-checkout/?base_revision=1"))
    assert response.status_code == 400
    assert {r["id"] for r in response.json()["referenced_by"]} >= {"checkout", "payment"}
    response = clients.editor.delete(_url(model, "boundaries/ns-checkout/?base_revision=1&cascade=1"))
    assert response.status_code == 204
    assert clients.viewer.get(_url(model, "components/checkout/")).json()["boundary"] == "eks"
