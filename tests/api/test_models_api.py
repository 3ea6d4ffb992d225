"""Threat models, the document, change sets, elements, revisions, import and export."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.conftest import client_for
from threatmodel import models as m

pytestmark = pytest.mark.django_db


def url(model: Any, suffix: str = "") -> str:
    return f"/api/v1/models/{model.pk}/{suffix}"


def test_model_detail_contract(clients: Any, team_setup: Any) -> None:
    response = clients.viewer.get(url(team_setup.model))
    assert response.status_code == 200
    body = response.json()
    for key in ("id", "name", "team", "revision", "business_criticality", "description", "tags"):
        assert key in body
    assert body["revision"] == 1 and body["team"] == team_setup.team.pk
    assert response["ETag"] == '"1"'


def test_model_list_only_own_teams(clients: Any, team_setup: Any) -> None:
    assert [r["id"] for r in clients.viewer.get("/api/v1/models/").json()["results"]] == [team_setup.model.pk]
    assert clients.outsider.get("/api/v1/models/").json()["results"] == []


def test_model_create_update_delete(clients: Any, team_setup: Any) -> None:
    response = clients.editor.post("/api/v1/models/", {"team": team_setup.team.pk, "name": "New"}, format="json")
    assert response.status_code == 201, response.json()
    model_id = response.json()["id"]
    assert response.json()["revision"] == 1
    response = clients.editor.patch(f"/api/v1/models/{model_id}/", {"description": "hello"}, format="json")
    assert response.status_code == 428
    response = clients.editor.patch(
        f"/api/v1/models/{model_id}/", {"description": "hello", "base_revision": 1}, format="json"
    )
    assert response.status_code == 200 and response.json()["revision"] == 2
    assert response.json()["description"] == "hello"
    assert clients.editor.delete(f"/api/v1/models/{model_id}/").status_code == 403
    assert clients.owner.delete(f"/api/v1/models/{model_id}/").status_code == 428  # which revision? (issue 19)
    assert clients.owner.delete(f"/api/v1/models/{model_id}/", HTTP_IF_MATCH='"1"').status_code == 409
    assert clients.owner.delete(f"/api/v1/models/{model_id}/", HTTP_IF_MATCH='"2"').status_code == 204
    assert not m.ThreatModel.objects.filter(pk=model_id).exists()


def test_viewer_cannot_create_model(clients: Any, team_setup: Any) -> None:
    response = clients.viewer.post("/api/v1/models/", {"team": team_setup.team.pk, "name": "X"}, format="json")
    assert response.status_code == 403
    response = clients.outsider.post("/api/v1/models/", {"team": team_setup.team.pk, "name": "X"}, format="json")
    assert response.status_code == 404


def test_document(clients: Any, team_setup: Any) -> None:
    body = clients.viewer.get(url(team_setup.model, "document/")).json()
    assert body["revision"] == 1
    assert body["document"]["model"]["name"] == team_setup.model.name
    assert body["document"]["components"] and "position" in body["document"]["components"][0]


def _first(client: Any, model: Any, segment: str) -> dict[str, Any]:
    return client.get(url(model, f"{segment}/")).json()["results"][0]


def test_changeset_applies_and_conflicts(clients: Any, team_setup: Any) -> None:
    model = team_setup.model
    component = _first(clients.editor, model, "components")
    changes = [{"op": "update", "kind": "component", "id": component["id"], "data": {"description": "edited"}}]
    response = clients.editor.post(
        url(model, "changesets/"), {"base_revision": 1, "message": "m", "changes": changes}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json() == {
        "revision": 2,
        "change_count": 1,
        "coalesced": False,
        "message": f"Set description of {component['name']}",
    }
    # stale: based on revision 1 again
    stale = [{"op": "update", "kind": "component", "id": component["id"], "data": {"description": "other"}}]
    response = clients.editor.post(url(model, "changesets/"), {"base_revision": 1, "changes": stale}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["current_revision"] == 2
    assert body["diff"]["summary"]["changed"] == 1
    assert clients.viewer.get(url(model, f"components/{component['id']}/")).json()["description"] == "edited"
    model.refresh_from_db()
    assert model.revision == 2


def test_changeset_invalid(clients: Any, team_setup: Any) -> None:
    model = team_setup.model
    flow = _first(clients.editor, model, "flows")
    changes = [{"op": "update", "kind": "flow", "id": flow["id"], "data": {"port": "not-a-port"}}]
    response = clients.editor.post(url(model, "changesets/"), {"base_revision": 1, "changes": changes}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["path"].startswith("changes[0].data.port")
    response = clients.editor.post(url(model, "changesets/"), {"base_revision": 1, "changes": "x"}, format="json")
    assert response.status_code == 400
    response = clients.editor.post(url(model, "changesets/"), {"changes": []}, format="json")
    assert response.status_code == 428
    model.refresh_from_db()
    assert model.revision == 1


def test_viewer_cannot_write_changeset(clients: Any, team_setup: Any) -> None:
    response = clients.viewer.post(
        url(team_setup.model, "changesets/"), {"base_revision": 1, "changes": []}, format="json"
    )
    assert response.status_code == 403


SEGMENTS = ["boundaries", "components", "flows", "data-assets", "identities", "grants", "controls"]


@pytest.mark.parametrize("segment", SEGMENTS)
def test_element_list_and_detail(clients: Any, team_setup: Any, segment: str) -> None:
    response = clients.viewer.get(url(team_setup.model, f"{segment}/?limit=2"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] >= 1 and len(body["results"]) <= 2
    ids = [r["id"] for r in body["results"]]
    assert ids == sorted(ids)
    detail = clients.viewer.get(url(team_setup.model, f"{segment}/{ids[0]}/"))
    assert detail.status_code == 200 and detail.json() == body["results"][0]
    assert clients.outsider.get(url(team_setup.model, f"{segment}/{ids[0]}/")).status_code == 404
    assert clients.viewer.get(url(team_setup.model, f"{segment}/no-such-id/")).status_code == 404


def test_element_filters(clients: Any, team_setup: Any) -> None:
    everything = clients.viewer.get(url(team_setup.model, "components/?limit=1000")).json()["results"]
    facing = clients.viewer.get(url(team_setup.model, "components/?internet_facing=true")).json()["results"]
    assert facing and all(c["internet_facing"] for c in facing) and len(facing) < len(everything)
    flows = clients.viewer.get(url(team_setup.model, "flows/?limit=1000")).json()["results"]
    source = flows[0]["source"]
    filtered = clients.viewer.get(url(team_setup.model, f"flows/?source={source}")).json()["results"]
    assert filtered and all(f["source"] == source for f in filtered)


def test_element_crud(clients: Any, team_setup: Any) -> None:
    model = team_setup.model
    new = {"id": "new-svc", "name": "New service", "kind": "service"}
    assert clients.editor.post(url(model, "components/"), new, format="json").status_code == 428
    response = clients.editor.post(url(model, "components/"), new, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 201, response.json()
    assert response.json()["id"] == "new-svc" and response["ETag"] == '"2"'
    response = clients.editor.patch(
        url(model, "components/new-svc/"), {"technology": "Go", "base_revision": 2}, format="json"
    )
    assert response.status_code == 200 and response.json()["technology"] == "Go"
    response = clients.editor.put(
        url(model, "components/new-svc/"), {"name": "Renamed", "base_revision": 3}, format="json"
    )
    assert response.status_code == 200 and response.json()["technology"] == ""
    response = clients.editor.patch(url(model, "components/new-svc/"), {"port": 1, "base_revision": 4}, format="json")
    assert response.status_code == 400
    response = clients.editor.delete(url(model, "components/new-svc/?base_revision=3"))
    assert response.status_code == 409
    assert clients.viewer.delete(url(model, "components/new-svc/?base_revision=4")).status_code == 403
    response = clients.editor.delete(url(model, "components/new-svc/"), HTTP_IF_MATCH='"4"')
    assert response.status_code == 204
    assert clients.viewer.get(url(model, "components/new-svc/")).status_code == 404


def test_delete_referenced_component_needs_cascade(clients: Any, team_setup: Any) -> None:
    model = team_setup.model
    flow = _first(clients.viewer, model, "flows")
    response = clients.editor.delete(url(model, f"components/{flow['source']}/?base_revision=1"))
    assert response.status_code == 400
    response = clients.editor.delete(url(model, f"components/{flow['source']}/?base_revision=1&cascade=1"))
    assert response.status_code == 204
    assert clients.viewer.get(url(model, f"flows/{flow['id']}/")).status_code == 404


def test_revisions(clients: Any, team_setup: Any) -> None:
    model = team_setup.model
    component = _first(clients.editor, model, "components")
    clients.editor.patch(
        url(model, f"components/{component['id']}/"), {"description": "x", "base_revision": 1}, format="json"
    )
    listing = clients.viewer.get(url(model, "revisions/")).json()
    assert [r["number"] for r in listing["results"]] == [2, 1]
    detail = clients.viewer.get(url(model, "revisions/2/")).json()
    assert detail["changes"][0]["element_key"] == component["id"]
    assert detail["changes"][0]["after"]["description"] == "x"
    diff = clients.viewer.get(url(model, "revisions/diff/?from=1&to=2")).json()
    assert diff["summary"] == {"added": 0, "removed": 0, "changed": 1}
    assert clients.viewer.get(url(model, "revisions/diff/?from=1&to=9")).status_code == 404
    assert clients.viewer.get(url(model, "revisions/7/")).status_code == 404
    assert clients.outsider.get(url(model, "revisions/1/")).status_code == 404
    assert clients.outsider.get(url(model, "revisions/")).status_code == 404
    assert clients.outsider.get(url(model, "revisions/diff/?from=0&to=1")).status_code == 404


def test_export_and_import(clients: Any, team_setup: Any) -> None:
    model = team_setup.model
    response = clients.viewer.get(url(model, "export/?format=yaml"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/yaml")
    document = yaml.safe_load(response.content)
    assert document["model"]["name"] == model.name
    response = clients.viewer.get(url(model, "export/?format=json"))
    assert response.status_code == 200 and response.json()["model"]["name"] == model.name
    assert clients.viewer.get(url(model, "export/?format=xml")).status_code == 400

    document["model"]["name"] = "Imported copy"
    raw = yaml.safe_dump(document)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("copy.yaml", raw.encode(), content_type="application/yaml")
    response = clients.editor.post(
        f"/api/v1/teams/{team_setup.team.pk}/models/import/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    copy_id = response.json()["id"]
    # raw body, invalid -> 400 with errors, nothing created
    before = m.ThreatModel.objects.count()
    response = clients.editor.generic(
        "POST",
        f"/api/v1/teams/{team_setup.team.pk}/models/import/",
        "model: {name: 3}",
        content_type="application/yaml",
    )
    assert response.status_code == 400 and response.json()["errors"]
    assert m.ThreatModel.objects.count() == before
    assert (
        clients.viewer.post(
            f"/api/v1/teams/{team_setup.team.pk}/models/import/", {"file": upload}, format="multipart"
        ).status_code
        == 403
    )
    # re-import into the existing model as a new revision
    document["components"][0]["description"] = "changed by re-import"
    response = clients.editor.generic(
        "POST",
        f"/api/v1/models/{copy_id}/import/?base_revision=1",
        yaml.safe_dump(document),
        content_type="application/yaml",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["revision"] == 2 and response.json()["changed"] is True
    response = clients.editor.generic(
        "POST",
        f"/api/v1/models/{copy_id}/import/?base_revision=1",
        yaml.safe_dump(document),
        content_type="application/yaml",
    )
    assert response.status_code == 409


def test_outsider_gets_404_everywhere(clients: Any, team_setup: Any) -> None:
    model = team_setup.model
    for path in ("", "document/", "export/", "revisions/", "components/"):
        assert clients.outsider.get(url(model, path)).status_code == 404, path
    assert clients.outsider.patch(url(model), {"name": "x", "base_revision": 1}, format="json").status_code == 404
    assert clients.outsider.delete(url(model)).status_code == 404
    assert (
        clients.outsider.post(url(model, "changesets/"), {"base_revision": 1, "changes": []}, format="json").status_code
        == 404
    )


def test_anonymous_is_rejected(team_setup: Any) -> None:
    from rest_framework.test import APIClient

    assert APIClient().get(url(team_setup.model)).status_code in (401, 403)


def test_session_auth_requires_csrf(team_setup: Any) -> None:
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(team_setup.editor)  # (the login form itself is django-axes' territory: tests/hardening)
    assert client.get(url(team_setup.model)).status_code == 200
    response = client.post(url(team_setup.model, "changesets/"), {"base_revision": 1, "changes": []}, format="json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    _ = client_for


def test_if_match_forms(clients: Any, team_setup: Any) -> None:
    model = team_setup.model
    component = _first(clients.editor, model, "components")
    target = url(model, f"components/{component['id']}/")
    bad = clients.editor.patch(target, {"description": "a"}, format="json", HTTP_IF_MATCH="nonsense")
    assert bad.status_code == 400
    response = clients.editor.patch(target, {"description": "a"}, format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 200 and response["ETag"] == '"2"'
    assert clients.editor.patch(target, {"description": "b", "base_revision": -1}, format="json").status_code == 400
    assert clients.editor.patch(target, {"description": "b", "base_revision": True}, format="json").status_code == 400
    assert clients.editor.delete(target).status_code == 428
