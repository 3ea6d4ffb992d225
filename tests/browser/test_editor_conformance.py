"""The editor's Conformance toggle under the site's CSP: sock-shop's manifests attached to a design whose flows
their NetworkPolicy mistakes block; the toggle colours each flow by its verdict and the legend counts them."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.browser.conftest import login_context
from tests.conformance.helpers import MESH
from tests.conformance.test_threeway import SOCK_SHOP_DESIGN

pytestmark = pytest.mark.browser

BLOCKED, ALLOWED = "rgb(225,29,72)", "rgb(79,70,229)"  # conformance.js: #e11d48, #4f46e5


def _sock_shop(user: Any) -> Any:
    from threatmodel.changes import ElementChange
    from threatmodel.interchange.kubernetes import files_from_directory
    from threatmodel.services import changeset_apply
    from threatmodel.services_mesh import model_import_manifests

    files = [(f.name, f.content) for f in files_from_directory(MESH / "sock-shop")]
    model = model_import_manifests(team=user.team, name="Sock shop", files=files, options={}, user=user)
    changes = [
        ElementChange(
            op="create",
            kind="flow",
            id=f"f-{a}-{b}",
            data={"source": f"wl:sock-shop:{a}", "target": f"wl:sock-shop:{b}", "protocol": "http"},
        )
        for a, b in SOCK_SHOP_DESIGN
    ]
    changeset_apply(model=model, user=user, base_revision=model.revision, changes=changes, message="design")
    model.refresh_from_db()
    return model


def _color(page: Any, flow: str) -> str:
    return str(page.evaluate(f"window.trustmap.lineColor('{flow}')")).replace(" ", "")


def test_the_toggle_colours_flows_by_conformance(browser: Any, live_server: Any, browser_user: Any) -> None:
    model = _sock_shop(browser_user)
    context = login_context(browser, live_server, browser_user, bypass_csp=False)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(f"{live_server.url}/models/{model.pk}/")
    page.wait_for_selector("body[data-editor-settled='1']", state="attached", timeout=30_000)
    legend = page.get_by_test_id("conformance-legend")
    assert not legend.is_visible()
    flows = [f"f-{a}-{b}" for a, b in SOCK_SHOP_DESIGN]
    before = {flow: _color(page, flow) for flow in flows}  # grey, or the colour of the flow's worst finding
    assert not {BLOCKED, ALLOWED} & set(before.values())

    toggle = page.get_by_test_id("tool-conformance")
    toggle.click()
    page.wait_for_selector("body[data-conformance='on']", state="attached", timeout=20_000)
    assert toggle.get_attribute("aria-pressed") == "true"
    # the NetworkPolicy mistakes block these designed flows; the others are allowed (nothing observed yet)
    for flow in ("f-front-end-carts", "f-orders-carts", "f-front-end-session-db", "f-carts-carts-db"):
        assert page.evaluate(f"window.trustmap.conformanceOf('{flow}')") == "designed-but-blocked", flow
        assert _color(page, flow) == BLOCKED, flow
    assert page.evaluate("window.trustmap.conformanceOf('f-orders-payment')") == "designed-allowed"
    assert _color(page, "f-orders-payment") == ALLOWED
    assert legend.is_visible()
    assert "blocked by policy (4)" in legend.inner_text()
    assert "designed and allowed (no observation) (11)" in legend.inner_text()

    # an edit is saved, then the colours are read again for the new revision: the flow now goes to catalogue,
    # which the policies admit
    revision = page.evaluate("window.trustmap.revision()")
    assert page.evaluate("window.trustmap.update('flow', 'f-front-end-carts', {target: 'wl:sock-shop:catalogue'})") == 1
    deadline = time.monotonic() + 20
    while page.evaluate("window.trustmap.conformanceOf('f-front-end-carts')") != "designed-allowed":
        assert time.monotonic() < deadline, "the colours were not read again after the save"
        time.sleep(0.2)
    assert page.evaluate("window.trustmap.revision()") > revision
    assert _color(page, "f-front-end-carts") == ALLOWED
    assert "blocked by policy (3)" in legend.inner_text()

    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "false" and not legend.is_visible()
    assert page.evaluate("window.trustmap.conformanceOf('f-front-end-carts')") is None
    after = {flow: _color(page, flow) for flow in flows if flow != "f-front-end-carts"}
    assert after == {flow: colour for flow, colour in before.items() if flow != "f-front-end-carts"}
    assert _color(page, "f-front-end-carts") not in (BLOCKED, ALLOWED)
    assert problems == [], problems  # no CSP violation, no script error
    context.close()


def test_no_toggle_without_manifests(browser: Any, live_server: Any, browser_user: Any) -> None:
    from tests.factories import demo_model

    model = demo_model(team=browser_user.team, user=browser_user)
    context = login_context(browser, live_server, browser_user)
    page = context.new_page()
    page.goto(f"{live_server.url}/models/{model.pk}/")
    page.wait_for_selector("body[data-editor-ready='1']", state="attached", timeout=20_000)
    assert page.get_by_test_id("tool-conformance").count() == 0
    context.close()
