"""Canvas interaction of the editor in real headless Chromium (issue 13, items 3 and 4): selection as in
draw.io, membership by dragging, the opening zoom, sibling boundaries kept apart, undo history across a reload."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import PageErrors, login_context, open_editor, settle

pytestmark = pytest.mark.browser

NESTED = """
trustmap: 1
model: {name: Canvas}
boundaries:
  - {id: cloud, name: Cloud account, kind: cloud-account, trust_level: high}
  - {id: cluster, name: Cluster, kind: cluster, trust_level: high, parent: cloud}
  - {id: other, name: Partner, kind: third-party, trust_level: low}
components:
  - {id: api, name: Orders API, kind: service, boundary: cluster, position: {x: 400, y: 300}}
  - {id: db, name: Orders DB, kind: datastore, boundary: cluster, position: {x: 400, y: 420}}
  - {id: user, name: Shopper, kind: human-user, position: {x: 60, y: 300}}
  - {id: bank, name: Bank, kind: external-entity, boundary: other, position: {x: 800, y: 300}}
flows:
  - {id: user-api, source: user, target: api, protocol: https}
  - {id: api-db, source: api, target: db, protocol: postgresql, port: 5432}
"""
SMALL = """
trustmap: 1
model: {name: Small}
components:
  - {id: a, name: Web, kind: web-frontend, position: {x: 0, y: 0}}
  - {id: b, name: API, kind: service, position: {x: 200, y: 0}}
  - {id: c, name: DB, kind: datastore, position: {x: 400, y: 0}}
"""


def _model(team: Any, user: Any, text: str) -> Any:
    from threatmodel import services
    from threatmodel.interchange.native import read_model

    return services.model_create(team=team, snapshot=read_model(text, "model.yaml"), user=user)


def _open(browser: Any, live_server: Any, user: Any, model: Any) -> tuple[Any, Any, PageErrors]:
    context = login_context(browser, live_server, user)
    page = context.new_page()
    errors = PageErrors(page)
    open_editor(page, f"{live_server.url}/models/{model.pk}/")
    return context, page, errors


def _at(page: Any, id_: str) -> tuple[float, float]:
    p = page.evaluate(f"window.trustmap.pagePosition('{id_}')")
    return p["x"], p["y"]


def _selected(page: Any) -> list[str]:
    return sorted(page.evaluate("window.trustmap.selected()"))


def _wait_selected(page: Any, ids: list[str]) -> None:
    page.wait_for_function(
        "ids => JSON.stringify(window.trustmap.selected().slice().sort()) === JSON.stringify(ids)", arg=sorted(ids)
    )


def _drag(page: Any, start: tuple[float, float], end: tuple[float, float], shift: bool = False) -> None:
    if shift:
        page.keyboard.down("Shift")
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move((start[0] + end[0]) / 2, (start[1] + end[1]) / 2, steps=8)
    page.mouse.move(*end, steps=8)
    page.mouse.up()
    if shift:
        page.keyboard.up("Shift")


def _no_errors(errors: PageErrors) -> None:
    assert not errors.dialogs
    assert not [e for e in errors.errors if "favicon" not in e], errors.errors


def test_click_replaces_shift_adds_inner_element_wins_esc_clears(
    browser: Any, live_server: Any, browser_user: Any
) -> None:
    model = _model(browser_user.team, browser_user, NESTED)
    context, page, errors = _open(browser, live_server, browser_user, model)

    page.mouse.click(*_at(page, "api"))  # inside cluster inside cloud: the component, not its boundaries
    _wait_selected(page, ["api"])
    page.mouse.click(*_at(page, "user"))  # a plain click replaces the selection
    _wait_selected(page, ["user"])
    page.keyboard.down("Shift")
    page.mouse.click(*_at(page, "db"))  # Shift adds
    page.keyboard.up("Shift")
    _wait_selected(page, ["db", "user"])
    page.keyboard.down("Control")
    page.mouse.click(*_at(page, "bank"))  # so does Ctrl
    page.keyboard.up("Control")
    _wait_selected(page, ["bank", "db", "user"])
    assert page.locator("#properties").inner_text().startswith("3 elements selected")

    # a click on the cluster's own area (between its members' edge and its border) selects the cluster
    box = page.evaluate("window.trustmap.renderedBox('cluster')")
    page.mouse.click(box["x1"] + 6, (box["y1"] + box["y2"]) / 2)
    _wait_selected(page, ["cluster"])
    page.keyboard.press("Escape")
    _wait_selected(page, [])

    # rubber band (Shift + drag from the empty canvas) selects what it encloses, and only that
    cloud = page.evaluate("window.trustmap.renderedBox('cloud')")
    _drag(page, (cloud["x1"] - 12, cloud["y1"] - 12), (cloud["x2"] + 12, cloud["y2"] + 12), shift=True)
    _wait_selected(page, ["api", "api-db", "cloud", "cluster", "db"])  # the flow between them too
    empty = page.evaluate("window.trustmap.emptyPagePoint()")
    assert page.evaluate("window.scrollY") == 0  # selecting never scrolled the page away from the canvas
    page.mouse.click(empty["x"], empty["y"])  # a click on nothing clears
    _wait_selected(page, [])
    _no_errors(errors)
    context.close()


def test_new_element_is_selected_with_its_name_field_focused(browser: Any, live_server: Any, browser_user: Any) -> None:
    model = _model(browser_user.team, browser_user, SMALL)
    context, page, errors = _open(browser, live_server, browser_user, model)
    page.get_by_test_id("palette-cache").click()
    empty = page.evaluate("window.trustmap.emptyPagePoint()")
    page.mouse.click(empty["x"], empty["y"])
    page.wait_for_function("window.trustmap.count('component') === 4")
    (new,) = set(page.evaluate("window.trustmap.ids('component')")) - {"a", "b", "c"}
    _wait_selected(page, [new])
    page.wait_for_function("document.activeElement && document.activeElement.id === 'prop-name'")
    page.keyboard.type("Session cache")
    page.keyboard.press("Enter")
    settle(page)
    assert page.evaluate(f"window.trustmap.element('{new}').name") == "Session cache"
    _no_errors(errors)
    context.close()


def test_opening_zoom_of_a_small_model_is_at_most_100_percent(
    browser: Any, live_server: Any, browser_user: Any
) -> None:
    model = _model(browser_user.team, browser_user, SMALL)
    context, page, errors = _open(browser, live_server, browser_user, model)
    assert 0 < page.evaluate("window.trustmap.zoom()") <= 1.0
    page.get_by_test_id("tool-fit").click()
    assert 0 < page.evaluate("window.trustmap.zoom()") <= 1.0
    # the three components are all in view, and labels keep their size (15 px at 100 %)
    for id_ in ("a", "b", "c"):
        box = page.evaluate(f"window.trustmap.renderedBox('{id_}')")
        frame = page.locator("#diagram").bounding_box()
        assert frame["x"] <= box["x1"] and box["x2"] <= frame["x"] + frame["width"]
    _no_errors(errors)
    context.close()


def _box_page_point(page: Any, id_: str, fx: float, fy: float) -> tuple[float, float]:
    box = page.evaluate(f"window.trustmap.renderedBox('{id_}')")
    return box["x1"] + (box["x2"] - box["x1"]) * fx, box["y1"] + (box["y2"] - box["y1"]) * fy


def test_dragging_in_and_out_of_boundaries_sets_membership(browser: Any, live_server: Any, browser_user: Any) -> None:
    model = _model(browser_user.team, browser_user, NESTED)
    context, page, errors = _open(browser, live_server, browser_user, model)
    revision = page.evaluate("window.trustmap.revision()")

    # the shopper dragged into the cluster (nested in the cloud account) becomes a member of the cluster
    between = page.evaluate("window.trustmap.modelToPage(400, 360)")  # between the API and the database
    _drag(page, _at(page, "user"), (between["x"], between["y"]))
    page.wait_for_function("window.trustmap.parentOf('user') === 'cluster'")
    settle(page)
    assert page.evaluate("window.trustmap.element('user').boundary") == "cluster"
    assert page.evaluate("window.trustmap.revision()") == revision + 1  # one drag, one revision

    # dragged out of every boundary, the database is a member of none
    empty = page.evaluate("window.trustmap.emptyPagePoint()")
    _drag(page, _at(page, "db"), (empty["x"], empty["y"]))
    page.wait_for_function("window.trustmap.parentOf('db') === null")
    settle(page)
    assert page.evaluate("window.trustmap.element('db').boundary") is None

    # a whole boundary dragged into another is nested there, its members with it
    grip, centre = _box_page_point(page, "other", 0.5, 0.06), _box_page_point(page, "other", 0.5, 0.5)
    into = _box_page_point(page, "cloud", 0.5, 0.85)
    _drag(page, grip, (into[0] + grip[0] - centre[0], into[1] + grip[1] - centre[1]))  # its centre lands there
    page.wait_for_function("window.trustmap.element('other').parent !== null")
    settle(page)
    assert page.evaluate("window.trustmap.element('other').parent") in {"cloud", "cluster"}
    assert page.evaluate("window.trustmap.element('bank').boundary") == "other"
    _no_errors(errors)
    context.close()


def test_sibling_boundaries_never_overlap_after_a_move(browser: Any, live_server: Any, browser_user: Any) -> None:
    model = _model(browser_user.team, browser_user, NESTED)
    context, page, errors = _open(browser, live_server, browser_user, model)
    assert page.evaluate("window.trustmap.boundaryOverlaps()") == 0
    # the partner boundary dragged by its title so that it covers half the cloud account, its centre outside it
    cloud = page.evaluate("window.trustmap.renderedBox('cloud')")
    grip = _box_page_point(page, "other", 0.5, 0.06)
    other = page.evaluate("window.trustmap.renderedBox('other')")
    width = other["x2"] - other["x1"]
    revision = page.evaluate("window.trustmap.revision()")
    _drag(page, grip, (cloud["x2"] + width * 0.2, grip[1]))  # its left 30 % over the cloud account
    page.wait_for_function("r => window.trustmap.revision() > r", arg=revision)  # the move is saved
    settle(page)
    assert page.evaluate("window.trustmap.element('other').parent") is None
    assert page.evaluate("window.trustmap.boundaryOverlaps()") == 0
    moved = page.evaluate("window.trustmap.renderedBox('other')")
    assert moved["x1"] != other["x1"]  # it did move, and was pushed clear of the cloud account
    page.reload()
    open_editor(page, page.url)
    assert page.evaluate("window.trustmap.boundaryOverlaps()") == 0
    _no_errors(errors)
    context.close()


def test_undo_history_survives_a_reload_in_the_same_tab(browser: Any, live_server: Any, browser_user: Any) -> None:
    model = _model(browser_user.team, browser_user, SMALL)
    context, page, errors = _open(browser, live_server, browser_user, model)
    assert page.get_by_test_id("tool-undo").is_disabled()
    page.mouse.click(*_at(page, "b"))
    _wait_selected(page, ["b"])
    page.locator("#properties [name='name']").fill("Orders API")
    page.locator("#properties [name='name']").press("Enter")
    settle(page)
    page.locator("#properties [name='encryption_at_rest']").check()
    settle(page)
    revision = page.evaluate("window.trustmap.revision()")

    page.reload()
    open_editor(page, page.url)
    assert page.evaluate("window.trustmap.element('b').name") == "Orders API"
    assert page.get_by_test_id("tool-undo").is_enabled()
    page.get_by_test_id("tool-undo").click()
    page.wait_for_function("window.trustmap.element('b').encryption_at_rest === false")
    page.locator("#diagram").focus()
    page.keyboard.press("Control+z")
    page.wait_for_function("window.trustmap.element('b').name === 'API'")
    settle(page)
    assert page.evaluate("window.trustmap.revision()") == revision + 2  # each undo is saved as a change set

    page.reload()  # the redo stack is kept too
    open_editor(page, page.url)
    assert page.evaluate("window.trustmap.element('b').name") == "API"
    page.get_by_test_id("tool-redo").click()
    page.wait_for_function("window.trustmap.element('b').name === 'Orders API'")
    settle(page)

    # another tab (a new session storage) starts with an empty history
    other = context.new_page()
    open_editor(other, page.url)
    assert other.get_by_test_id("tool-undo").is_disabled()
    _no_errors(errors)
    context.close()
