"""Attach manifests and a Kiali graph to a model through the API, read the conformance (API and page)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conformance.helpers import KIALI, MESH
from threatmodel import models as m
from threatmodel.selectors import snapshot_of_model

pytestmark = pytest.mark.django_db

BOOKINFO_OPTIONS = json.dumps({"default_namespace": "bookinfo", "meshed_namespaces": ["bookinfo"]})
DESIGN = [("productpage-v1", "details-v1"), ("productpage-v1", "reviews-v2"), ("reviews-v2", "ratings-v1")]


def _browser(user: Any) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _bookinfo_files() -> list[SimpleUploadedFile]:
    path = MESH / "bookinfo/platform/kube/bookinfo.yaml"
    return [SimpleUploadedFile("bookinfo.yaml", path.read_bytes(), content_type="application/yaml")]


def _import_bookinfo(clients: Any, team_setup: Any) -> int:
    response = clients.editor.post(
        f"/api/v1/teams/{team_setup.team.pk}/models/import-manifests/",
        {"files": _bookinfo_files(), "options": BOOKINFO_OPTIONS, "name": "Bookinfo"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    model_id = int(response.json()["id"])
    flows = [
        {
            "op": "create",
            "kind": "flow",
            "id": f"f{i}",
            "data": {
                "source": f"wl:bookinfo:{a}",
                "target": f"wl:bookinfo:{b}",
                "encryption": "mtls",
                "authentication": "mtls",
            },
        }
        for i, (a, b) in enumerate(DESIGN)
    ]
    revision = m.ThreatModel.objects.get(pk=model_id).revision
    changed = clients.editor.post(
        f"/api/v1/models/{model_id}/changesets/",
        {"base_revision": revision, "changes": flows, "message": "design"},
        format="json",
    )
    assert changed.status_code == 201, changed.content
    return model_id


def test_import_manifests_attach_a_kiali_graph_and_read_the_verdicts(clients: Any, team_setup: Any) -> None:
    model_id = _import_bookinfo(clients, team_setup)
    model = m.ThreatModel.objects.get(pk=model_id)
    assert model.team_id == team_setup.team.pk
    snapshot = snapshot_of_model(model=model)
    assert [c.id for c in snapshot.components][:2] == ["wl:bookinfo:details-v1", "wl:bookinfo:productpage-v1"]
    assert len(snapshot.flows) == 3 and snapshot.identity_by_id["sa:bookinfo:bookinfo-reviews"]
    graph = (KIALI / "graph-workload.json").read_bytes()
    attached = clients.editor.post(
        f"/api/v1/models/{model_id}/mesh/observations/", graph, content_type="application/json"
    )
    assert attached.status_code == 201, attached.content
    assert attached.json()["recorder"] == "kiali" and attached.json()["summary"]["flows"] == 18
    result = clients.viewer.get(f"/api/v1/models/{model_id}/conformance/").json()
    assert result["counts"]["conforming"] == 3
    assert result["counts"]["over-permissive"] == 6 * 5 - 3 - 3  # every undesigned, unobserved pair is allowed
    shadow = {(v["source"], v["target"]) for v in result["verdicts"] if "shadow-dependency" in v["categories"]}
    assert ("(unknown)", "bookinfo/productpage-v1") in shadow
    only = clients.viewer.get(f"/api/v1/models/{model_id}/conformance/?category=conforming").json()["verdicts"]
    assert [(v["source"], v["target"]) for v in only] == [(f"bookinfo/{a}", f"bookinfo/{b}") for a, b in sorted(DESIGN)]
    assert all(v["authz"] == "no-policy" and v["mtls"] for v in only)
    page = _browser(team_setup.viewer).get(f"/models/{model_id}/conformance/?category=conforming")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-category="conforming">3<' in html and "bookinfo/reviews-v2" in html


def _model_without_manifests(team_setup: Any) -> int:
    return int(team_setup.model.pk)


def test_sock_shop_manifests_attached_as_json_show_blocked_flows(clients: Any, team_setup: Any) -> None:
    files = [
        {"name": p.relative_to(MESH).as_posix(), "content": p.read_text()}
        for p in sorted((MESH / "sock-shop").rglob("*.yaml"))
    ]
    model_id = _model_without_manifests(team_setup)
    response = clients.editor.post(f"/api/v1/models/{model_id}/mesh/manifests/", {"files": files}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["summary"]["counts"]["network_policies"] == 13
    result = clients.viewer.get(f"/api/v1/models/{model_id}/conformance/").json()
    rules = {(f["rule"], f["source"]) for f in result["findings"]}
    assert ("netpol-selects-nothing", "sock-shop/manifests-policy/netpol-cart-access.yaml#1") in rules
    # the demo model's components are not sock-shop workloads: nothing maps, everything is listed as unmapped
    assert result["unmapped_components"] and not any(v["designed"] for v in result["verdicts"])


def test_bad_manifests_are_a_400_naming_file_and_document_and_nothing_is_saved(clients: Any, team_setup: Any) -> None:
    model_id = _model_without_manifests(team_setup)
    bad = [
        {"name": "ok.yaml", "content": "kind: ServiceAccount\nmetadata: {name: a}\n"},
        {
            "name": "bad.yaml",
            "content": "kind: ConfigMap\nmetadata: {name: c}\n---\nkind: "
            "Service\nmetadata: {name: s}\nspec: {ports: [{port: 0}]}\n",
        },
    ]
    response = clients.editor.post(f"/api/v1/models/{model_id}/mesh/manifests/", {"files": bad}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "bad.yaml#2 (Service s): spec.ports[0].port"
    garbage = clients.editor.post(
        f"/api/v1/models/{model_id}/mesh/observations/", b"<html>", content_type="application/json"
    )
    assert garbage.status_code == 400 and "not" in garbage.json()["detail"]
    options = clients.editor.post(
        f"/api/v1/models/{model_id}/mesh/manifests/",
        {"files": bad[:1], "options": {"mesh_provider": "consul"}},
        format="json",
    )
    assert options.status_code == 400 and options.json()["errors"][0]["path"] == "options.mesh_provider"
    assert not m.MeshSource.objects.exists()
    missing = clients.viewer.get(f"/api/v1/models/{model_id}/conformance/")
    assert missing.status_code == 404 and "no manifests" in missing.json()["detail"]
    page = _browser(team_setup.viewer).get(f"/models/{model_id}/conformance/")
    assert page.status_code == 200 and b'data-testid="conformance-empty"' in page.content


def test_team_scoping_and_roles(clients: Any, team_setup: Any) -> None:
    model_id = _model_without_manifests(team_setup)
    files = [{"name": "sa.yaml", "content": "kind: ServiceAccount\nmetadata: {name: a}\n"}]
    assert (
        clients.viewer.post(f"/api/v1/models/{model_id}/mesh/manifests/", {"files": files}, format="json").status_code
        == 403
    )
    assert (
        clients.outsider.post(f"/api/v1/models/{model_id}/mesh/manifests/", {"files": files}, format="json").status_code
        == 404
    )
    assert (
        clients.editor.post(f"/api/v1/models/{model_id}/mesh/manifests/", {"files": files}, format="json").status_code
        == 201
    )
    assert clients.outsider.get(f"/api/v1/models/{model_id}/conformance/").status_code == 404
    assert clients.outsider.get(f"/api/v1/models/{model_id}/mesh/").status_code == 404
    assert _browser(team_setup.outsider).get(f"/models/{model_id}/conformance/").status_code == 404
    listed = clients.viewer.get(f"/api/v1/models/{model_id}/mesh/").json()
    assert [s["kind"] for s in listed] == ["manifests"]
    unknown = clients.viewer.get(f"/api/v1/models/{model_id}/conformance/?category=nope")
    assert unknown.status_code == 400


def test_generated_policy_and_its_dry_run(clients: Any, team_setup: Any) -> None:
    model_id = _import_bookinfo(clients, team_setup)
    graph = (KIALI / "graph-workload.json").read_bytes()
    clients.editor.post(f"/api/v1/models/{model_id}/mesh/observations/", graph, content_type="application/json")
    result = clients.viewer.get(f"/api/v1/models/{model_id}/conformance/policy/").json()
    assert result["designed_pairs"] == 3
    assert result["dry_run"]["designed_blocked"] == [] and result["dry_run"]["undesigned_allowed"] == []
    # observed but undesigned: productpage -> reviews-v1/v3 and reviews-v3 -> ratings would now be blocked
    assert ["bookinfo/productpage-v1", "bookinfo/reviews-v1"] in result["dry_run"]["observed_blocked"]
    download = clients.viewer.get(f"/api/v1/models/{model_id}/conformance/policy/?download=1")
    assert download.status_code == 200 and download["Content-Type"].startswith("application/yaml")
    assert (
        b"kind: AuthorizationPolicy" in download.content
        and b"cluster.local/ns/bookinfo/sa/bookinfo-productpage" in download.content
    )
    assert clients.outsider.get(f"/api/v1/models/{model_id}/conformance/policy/").status_code == 404


def test_conformance_as_sarif_points_into_the_attached_manifests(clients: Any, team_setup: Any) -> None:
    import jsonschema

    from tests.conformance.helpers import DATA

    model_id = _import_bookinfo(clients, team_setup)
    graph = (KIALI / "graph-workload.json").read_bytes()
    attached = clients.editor.post(
        f"/api/v1/models/{model_id}/mesh/observations/", graph, content_type="application/json"
    )
    assert attached.status_code == 201
    answer = clients.viewer.get(f"/api/v1/models/{model_id}/conformance/sarif/?download=1")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/sarif+json")
    assert answer["Content-Disposition"] == f'attachment; filename="model-{model_id}-conformance.sarif"'
    document = json.loads(answer.content)
    schema = json.loads((DATA / "sarif-2.1.0.schema.json").read_text())
    assert not list(jsonschema.Draft4Validator(schema).iter_errors(document))
    results = document["runs"][0]["results"]
    shadow = {tuple(r["properties"]["pair"]): r for r in results if r["ruleId"] == "conformance/shadow-dependency"}
    located = shadow[("bookinfo/productpage-v1", "bookinfo/reviews-v1")]["locations"][0]["physicalLocation"]
    text = (MESH / "bookinfo/platform/kube/bookinfo.yaml").read_text().splitlines()
    line = located["region"]["startLine"]
    assert located["artifactLocation"]["uri"] == "bookinfo.yaml"
    # the document starting at that line is reviews-v1's Deployment
    document_text = "\n".join(text[line - 1 : line + 8])
    assert "kind: Deployment" in document_text and "name: reviews-v1" in document_text
    assert text[line - 2].strip() == "---" or line == 1
    assert document["runs"][0]["properties"]["revision"] == m.ThreatModel.objects.get(pk=model_id).revision
    missing = clients.viewer.get(f"/api/v1/models/{model_id + 999}/conformance/sarif/")
    assert missing.status_code == 404 and missing["Content-Type"].startswith("application/json")


def test_sarif_report_of_a_manifest_model_points_into_its_manifests(
    clients: Any, team_setup: Any, django_capture_on_commit_callbacks: Any, settings: Any, tmp_path: Any
) -> None:
    from pathlib import Path

    from assessments.engine import assess
    from assessments.engine.codec import to_json_dict
    from assessments.models import AssessmentRun
    from assessments.services.reports import report_request

    settings.MEDIA_ROOT = str(tmp_path)
    model_id = _import_bookinfo(clients, team_setup)
    model = m.ThreatModel.objects.get(pk=model_id)
    result = assess(snapshot_of_model(model=model))
    run = AssessmentRun.objects.create(
        model=model, revision=model.revision, status="succeeded", result=json.loads(json.dumps(to_json_dict(result)))
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = report_request(model=model, run=run, fmt="sarif", user=team_setup.editor)
    report.refresh_from_db()
    assert report.status == "succeeded", report.error
    document = json.loads(Path(report.file.path).read_bytes())
    text = (MESH / "bookinfo/platform/kube/bookinfo.yaml").read_text().splitlines()
    by_uri: dict[str, list[tuple[list[str], int]]] = {}
    for item in document["runs"][0]["results"]:
        physical = item["locations"][0]["physicalLocation"]
        by_uri.setdefault(physical["artifactLocation"]["uri"], []).append(
            (item["properties"]["elements"], physical["region"]["startLine"])
        )
    assert set(by_uri) == {"bookinfo.yaml", "bookinfo.trustmap.yaml"}  # drawn flows: the native export
    lines = {elements[0]: line for elements, line in by_uri["bookinfo.yaml"]}
    for element, kind, name in (
        ("wl:bookinfo:reviews-v1", "Deployment", "reviews-v1"),
        ("sa:bookinfo:bookinfo-reviews", "ServiceAccount", "bookinfo-reviews"),
    ):
        window = "\n".join(text[lines[element] - 1 : lines[element] + 6])
        assert f"kind: {kind}" in window and f"name: {name}" in window, (element, lines[element])
        assert text[lines[element] - 2].strip() == "---"  # the document starts there
    artifacts = [a["location"]["uri"] for a in document["runs"][0]["artifacts"]]
    assert artifacts == ["bookinfo.trustmap.yaml", "bookinfo.yaml"]
