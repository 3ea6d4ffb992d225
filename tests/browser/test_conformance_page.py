"""The conformance page in a real browser: attach sock-shop's manifests, then bookinfo's with its Kiali graph."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import PageErrors, login_context
from tests.conformance.helpers import KIALI, MESH

pytestmark = pytest.mark.browser


def test_attach_manifests_and_a_graph_and_read_the_counts(browser: Any, live_server: Any, browser_user: Any) -> None:
    from threatmodel import models as m
    from threatmodel.interchange.kubernetes import ImportOptions, files_from_directory, read_manifests, to_snapshot
    from threatmodel.services import model_create

    manifests = read_manifests(
        files_from_directory(MESH / "bookinfo/platform/kube"),
        ImportOptions(default_namespace="bookinfo", meshed_namespaces=frozenset({"bookinfo"})),
    )
    model = model_create(team=browser_user.team, snapshot=to_snapshot(manifests, "Bookinfo"), user=browser_user)
    context = login_context(browser, live_server, browser_user)
    page = context.new_page()
    errors = PageErrors(page)
    page.goto(f"{live_server.url}/models/{model.pk}/conformance/")
    assert "No manifests are attached" in page.get_by_test_id("conformance-empty").inner_text()

    # a broken file: the error names file, document and field, and nothing is attached
    bad = {
        "name": "bad.yaml",
        "mimeType": "application/yaml",
        "buffer": b"kind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 0}]}\n",
    }
    page.set_input_files("#manifests-form input[name=files]", files=[bad])
    page.click("#manifests-form button[type=submit]")
    page.wait_for_function("document.getElementById('mesh-status').textContent.startsWith('Not attached')")
    assert "bad.yaml#1 (Service s): spec.ports[0].port" in page.locator("#mesh-status").inner_text()
    assert not m.MeshSource.objects.filter(model=model).exists()

    page.set_input_files("#manifests-form input[name=files]", str(MESH / "bookinfo/platform/kube/bookinfo.yaml"))
    page.fill("#manifests-form input[name=meshed_namespaces]", "bookinfo")
    page.fill("#manifests-form input[name=default_namespace]", "bookinfo")
    with page.expect_navigation():
        page.click("#manifests-form button[type=submit]")
    counts = page.get_by_test_id("conformance-counts")
    assert counts.locator("[data-category=over-permissive]").inner_text() == "30"  # no design yet, no policy
    assert counts.locator("[data-category=conforming]").inner_text() == "0"

    page.set_input_files("#observation-form input[name=file]", str(KIALI / "graph-workload.json"))
    with page.expect_navigation():
        page.click("#observation-form button[type=submit]")
    assert page.get_by_test_id("conformance-counts").locator("[data-category=shadow-dependency]").inner_text() != "0"
    page.click("text=shadow-dependency")
    rows = page.get_by_test_id("conformance-table").locator("tbody tr")
    assert rows.count() >= 8
    assert "(unknown)" in page.get_by_test_id("conformance-table").inner_text()
    # the only console error is the browser's own line for the deliberate 400 above
    assert [e for e in errors.errors if "status of 400" not in e] == [] and errors.dialogs == []
    context.close()
