"""The conformance page's live pull and "accept observed flows" in a real browser, against a small HTTP server on
127.0.0.1 that answers like Kiali with the recorded bookinfo workload graph (tests/data/kiali)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import PageErrors, login_context, open_editor
from tests.conformance.helpers import KIALI, MESH

pytestmark = pytest.mark.browser

GRAPH = (KIALI / "graph-workload.json").read_bytes()
DESIGN = [("productpage-v1", "details-v1"), ("productpage-v1", "reviews-v2"), ("reviews-v2", "ratings-v1")]
ACCEPT = [("bookinfo/productpage-v1", "bookinfo/reviews-v1"), ("bookinfo/productpage-v1", "bookinfo/reviews-v3")]


class _Kiali(http.server.BaseHTTPRequestHandler):
    paths: list[str] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        type(self).paths.append(self.path)
        found = self.path.startswith("/kiali/api/namespaces/graph?")
        body = GRAPH if found else b'{"error": "not found"}'
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def kiali() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Kiali)  # port 0: a free one
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Kiali.paths = []
    yield f"http://127.0.0.1:{server.server_address[1]}/kiali"
    server.shutdown()
    server.server_close()


def _bookinfo(user: Any) -> Any:
    import json

    from threatmodel.changes import ElementChange
    from threatmodel.services import changeset_apply
    from threatmodel.services_mesh import model_import_manifests

    model = model_import_manifests(
        team=user.team,
        name="Bookinfo",
        files=[("bookinfo.yaml", (MESH / "bookinfo/platform/kube/bookinfo.yaml").read_bytes())],
        options=json.loads('{"default_namespace": "bookinfo", "meshed_namespaces": ["bookinfo"]}'),
        user=user,
    )
    changes = [
        ElementChange(
            op="create",
            kind="flow",
            id=f"f{i}",
            data={
                "source": f"wl:bookinfo:{a}",
                "target": f"wl:bookinfo:{b}",
                "encryption": "mtls",
                "authentication": "mtls",
            },
        )  # fmt: skip
        for i, (a, b) in enumerate(DESIGN)
    ]
    changeset_apply(model=model, user=user, base_revision=model.revision, changes=changes, message="design")
    model.refresh_from_db()
    return model


def test_pull_from_kiali_then_accept_two_shadow_flows(
    browser: Any, live_server: Any, browser_user: Any, kiali: str, settings: Any
) -> None:
    from threatmodel import models as m
    from threatmodel.selectors import snapshot_of_model

    settings.MESH_PULL_CONNECT_TIMEOUT = 2.0
    settings.MESH_PULL_READ_TIMEOUT = 5.0
    model = _bookinfo(browser_user)
    revision = model.revision
    context = login_context(browser, live_server, browser_user)
    page = context.new_page()
    errors = PageErrors(page)
    page.goto(f"{live_server.url}/models/{model.pk}/conformance/")
    assert page.locator("#pull-now").count() == 0  # nothing to pull from yet
    form = page.locator("#live-form")
    form.locator("input[name=base_url]").fill(kiali)
    form.locator("select[name=auth]").select_option("none")
    form.locator("input[name=namespaces]").fill("bookinfo")
    form.locator("input[name=interval_minutes]").fill("0")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert kiali in page.get_by_test_id("live-status").inner_text()
    assert _Kiali.paths == []  # saving does not pull

    with page.expect_navigation():
        page.click("#pull-now")
    assert len(_Kiali.paths) == 1 and "namespaces=bookinfo" in _Kiali.paths[0]
    status = page.get_by_test_id("live-status").inner_text()
    assert "Pulled" in status or "ok" in status.lower(), status
    counts = page.get_by_test_id("conformance-counts")
    assert counts.locator("[data-category=conforming]").inner_text() == "3"
    shadow_before = int(counts.locator("[data-category=shadow-dependency]").inner_text())
    assert shadow_before >= 2
    assert "(kiali)" in page.get_by_test_id("conformance-counts").locator("xpath=..").inner_text()

    page.click("text=shadow-dependency")
    table = page.get_by_test_id("conformance-table")
    for source, target in ACCEPT:
        row = table.locator("tbody tr", has=page.locator(f'input[data-source="{source}"][data-target="{target}"]'))
        assert row.count() == 1, (source, target)
        assert "shadow-dependency" in row.inner_text()
        row.locator("input.accept-pair").check()
    with page.expect_navigation():
        page.click("#accept-observed")

    # the page now shows the new revision, the two pairs designed and one shadow dependency fewer each
    assert f"revision {revision + 1}" in page.locator(".page-head").inner_text()
    counts = page.get_by_test_id("conformance-counts")
    assert int(counts.locator("[data-category=shadow-dependency]").inner_text()) == shadow_before - 2
    page.goto(f"{live_server.url}/models/{model.pk}/conformance/?category=conforming")
    conforming = page.get_by_test_id("conformance-table").inner_text()
    for source, target in ACCEPT:
        assert f"{source}\t{target}\tyes" in conforming

    # and the editor draws the two accepted flows
    open_editor(page, f"{live_server.url}/models/{model.pk}/")
    drawn = page.evaluate("window.trustmap.edgePairs()")
    for source, target in ACCEPT:
        assert ["wl:" + source.replace("/", ":"), "wl:" + target.replace("/", ":")] in drawn
    snapshot = snapshot_of_model(model=m.ThreatModel.objects.get(pk=model.pk))
    assert sum(1 for f in snapshot.flows if f.provenance == "observed") == 2
    assert errors.errors == [] and errors.dialogs == []
    context.close()
