"""A boundary resized over elements adopts them and releases those it no longer covers (issue 13, item 3), in
real headless Chromium: the handle at the selected boundary's corner dragged with the mouse."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import PageErrors, login_context, open_editor, settle

pytestmark = pytest.mark.browser

MODEL = """
trustmap: 1
model: {name: Resize}
boundaries:
  - {id: zone, name: Cluster, kind: cluster, trust_level: high}
components:
  - {id: a, name: Orders, kind: service, boundary: zone, position: {x: 100, y: 100}}
  - {id: c, name: Billing, kind: service, boundary: zone, position: {x: 100, y: 260}}
  - {id: b, name: Cache, kind: cache, position: {x: 420, y: 100}}
  - {id: far, name: Bank, kind: external-entity, position: {x: 900, y: 500}}
"""


def _drag_handle(page: Any, to: dict[str, float]) -> None:
    handle = page.get_by_test_id("boundary-resize")
    handle.wait_for(state="visible")
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(to["x"], to["y"], steps=10)
    page.mouse.up()
    settle(page)


def test_resizing_a_boundary_adopts_what_it_covers_and_releases_the_rest(
    browser: Any, live_server: Any, browser_user: Any
) -> None:
    from threatmodel import services
    from threatmodel.interchange.native import read_model
    from threatmodel.models import Revision

    model = services.model_create(team=browser_user.team, snapshot=read_model(MODEL, "m.yaml"), user=browser_user)
    context = login_context(browser, live_server, browser_user)
    page = context.new_page()
    errors = PageErrors(page)
    open_editor(page, f"{live_server.url}/models/{model.pk}/")
    zone = page.evaluate("window.trustmap.renderedBox('zone')")
    page.mouse.click(zone["x1"] + 6, (zone["y1"] + zone["y2"]) / 2)  # the boundary's own area selects it
    page.wait_for_function("JSON.stringify(window.trustmap.selected()) === '[\"zone\"]'")
    revision = page.evaluate("window.trustmap.revision()")

    # wider, over the cache (but not the bank): the cache becomes a member, in one revision
    past_b = page.evaluate("window.trustmap.modelToPage(520, 330)")
    _drag_handle(page, past_b)
    page.wait_for_function("window.trustmap.parentOf('b') === 'zone'")
    assert page.evaluate("[window.trustmap.parentOf('a'), window.trustmap.parentOf('c')]") == ["zone", "zone"]
    assert page.evaluate("window.trustmap.parentOf('far')") is None
    assert page.evaluate("window.trustmap.revision()") == revision + 1
    last = Revision.objects.filter(model_id=model.pk).order_by("-number").first()
    assert last.message == "Set boundary of Cache to zone"

    # shorter, above Billing: it goes back out (to no boundary, the cluster's parent)
    above_c = page.evaluate("window.trustmap.modelToPage(520, 180)")
    _drag_handle(page, above_c)
    page.wait_for_function("window.trustmap.parentOf('c') === null")
    assert page.evaluate("[window.trustmap.parentOf('a'), window.trustmap.parentOf('b')]") == ["zone", "zone"]
    assert page.evaluate("window.trustmap.element('c').boundary") is None

    # undone like any edit
    page.keyboard.press("Control+z")
    page.wait_for_function("window.trustmap.parentOf('c') === 'zone'")
    settle(page)
    assert not errors.dialogs
    assert not [e for e in errors.errors if "favicon" not in e], errors.errors
    context.close()
