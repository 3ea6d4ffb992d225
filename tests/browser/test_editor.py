"""Acceptance tests of the diagram editor in real headless Chromium (issue 5)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import PageErrors, login_context, open_editor, settle

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)>"


def _empty_model(team: Any, user: Any, name: str = "Payments platform") -> Any:
    from threatmodel import services
    from threatmodel.domain import ModelInfo, Snapshot

    return services.model_create(team=team, snapshot=Snapshot.build(ModelInfo(name=name)), user=user)


def _canvas_point(page: Any, fx: float, fy: float) -> tuple[float, float]:
    box = page.locator("#diagram").bounding_box()
    return box["x"] + box["width"] * fx, box["y"] + box["height"] * fy


def _place(page: Any, kind: str, fx: float, fy: float) -> str:
    before = set(page.evaluate("window.trustmap.ids('component').concat(window.trustmap.ids('boundary'))"))
    page.get_by_test_id(f"palette-{kind}").click()
    page.mouse.click(*_canvas_point(page, fx, fy))
    page.wait_for_function(
        "n => window.trustmap.ids('component').length + window.trustmap.ids('boundary').length > n", arg=len(before)
    )
    after = set(page.evaluate("window.trustmap.ids('component').concat(window.trustmap.ids('boundary'))"))
    (new,) = after - before
    return str(new)


def _drag(page: Any, start: dict[str, float], end: dict[str, float]) -> None:
    page.mouse.move(start["x"], start["y"])
    page.mouse.down()
    page.mouse.move((start["x"] + end["x"]) / 2, (start["y"] + end["y"]) / 2, steps=8)
    page.mouse.move(end["x"], end["y"], steps=8)
    page.mouse.up()


def _draw_flow(page: Any, source: str, target: str) -> None:
    count = page.evaluate("window.trustmap.count('flow')")
    _drag(
        page,
        page.evaluate(f"window.trustmap.pagePosition('{source}')"),
        page.evaluate(f"window.trustmap.pagePosition('{target}')"),
    )
    page.wait_for_function("n => window.trustmap.count('flow') > n", arg=count)


def _set_field(page: Any, name: str, value: str) -> None:
    field = page.locator(f"#properties [name='{name}']")
    if field.evaluate("e => e.tagName") == "SELECT":
        field.select_option(value)
    else:
        field.fill(value)
        field.press("Enter")


def test_draw_a_system_see_a_finding_fix_it_and_reload(
    browser: Any, live_server: Any, browser_user: Any, screenshots: Any
) -> None:
    model = _empty_model(browser_user.team, browser_user)
    context = login_context(browser, live_server, browser_user)
    page = context.new_page()
    errors = PageErrors(page)
    open_editor(page, f"{live_server.url}/models/{model.pk}/")
    assert page.evaluate("window.trustmap.count('component')") == 0

    # one boundary, three components (one dropped in by click, one dragged in), two flows
    zone = _place(page, "boundary", 0.62, 0.45)
    web = _place(page, "web-frontend", 0.2, 0.3)
    api = _place(page, "service", 0.62, 0.45)  # clicked inside the boundary: becomes a member
    db = _place(page, "datastore", 0.3, 0.8)
    settle(page)
    assert page.evaluate(f"window.trustmap.parentOf('{api}')") == zone
    assert page.evaluate(f"window.trustmap.parentOf('{db}')") is None
    box = page.evaluate(f"window.trustmap.boundingBox('{zone}')")
    drop = page.evaluate(f"window.trustmap.modelToPage({box['x2']} - 14, {box['y2']} - 14)")
    _drag(page, page.evaluate(f"window.trustmap.pagePosition('{db}')"), drop)
    page.wait_for_function(f"window.trustmap.parentOf('{db}') === '{zone}'")
    settle(page)
    assert page.evaluate(f"window.trustmap.element('{db}').boundary") == zone

    page.get_by_test_id("tool-connect").click()
    _draw_flow(page, web, api)
    _draw_flow(page, api, db)
    page.get_by_test_id("tool-connect").click()
    settle(page)
    flows = page.evaluate("window.trustmap.ids('flow')")
    assert len(flows) == 2
    db_flow = next(f for f in flows if page.evaluate(f"window.trustmap.element('{f}').target") == db)

    # rename through the properties panel (the name is canvas text and list text)
    page.evaluate(f"window.trustmap.select(['{api}'])")
    _set_field(page, "name", "Orders API")
    settle(page)
    status = page.locator("#editor-status").inner_text()
    assert page.evaluate(f"window.trustmap.labelOf('{api}')") == "Orders API", status
    assert "Orders API" in page.get_by_test_id("text-components").inner_text()

    live = page.evaluate(f"fetch('/api/v1/models/{model.pk}/live-assessment/').then(r => r.status)")
    assert live == 200, f"the live assessment answered {live}"
    # the drawn flow to the database is TLS without client authentication: a finding appears on it
    page.wait_for_function(
        "window.trustmap.findingIds().some(f => f.startsWith('zt.flow-unauthenticated') && "
        f"f.split('@').slice(1).includes('{db_flow}'))"
    )
    assert page.evaluate(f"window.trustmap.severityOf('{db_flow}')") is not None
    flow_findings = [
        f
        for f in page.evaluate("window.trustmap.findingIds()")
        if f.startswith("zt.flow-unauthenticated") and db_flow in f.split("@")[1:]
    ]
    score_bad = page.evaluate("window.trustmap.score()")
    assert page.locator(f"#findings-list [data-finding='{flow_findings[0]}']").count() == 1
    page.locator(f"#findings-list [data-finding='{flow_findings[0]}']").click()  # selects the flow
    page.wait_for_function(f"window.trustmap.selected().includes('{db_flow}')")
    page.screenshot(path=str(screenshots / "editor-drawn-finding.png"))

    # fix it in the properties panel: the finding disappears and the score rises
    page.evaluate(f"window.trustmap.select(['{db_flow}'])")
    _set_field(page, "encryption", "mtls")
    _set_field(page, "authentication", "mtls")
    settle(page)
    page.wait_for_function(
        "!window.trustmap.findingIds().some(f => f.startsWith('zt.flow-unauthenticated') && "
        f"f.split('@').slice(1).includes('{db_flow}'))"
    )
    assert not set(flow_findings) & set(page.evaluate("window.trustmap.findingIds()"))
    assert page.evaluate("window.trustmap.score()") > score_bad
    assert float(page.evaluate("document.body.dataset.score")) > score_bad

    # reload: the same diagram
    state = (
        "JSON.stringify(['component','boundary','flow'].map(k => window.trustmap.ids(k).sort().map(id => "
        "{const e = window.trustmap.element(id); return [id, window.trustmap.parentOf(id) || null, "
        "e.position ? [Math.round(e.position.x), Math.round(e.position.y)] : null, e.source || null, "
        "e.target || null, e.name || null, e.encryption || null]})))"
    )
    before = page.evaluate(state)
    revision = page.evaluate("window.trustmap.revision()")
    page.reload()
    open_editor(page, page.url)
    assert page.evaluate("window.trustmap.revision()") == revision
    assert page.evaluate(state) == before

    # deleting the boundary keeps its members (they move out); undo puts them back in
    page.evaluate(f"window.trustmap.select(['{zone}'])")
    page.locator("#diagram").focus()
    page.keyboard.press("Delete")
    page.wait_for_function("window.trustmap.count('boundary') === 0")
    settle(page)
    assert page.evaluate(f"[window.trustmap.parentOf('{api}'), window.trustmap.count('component')]") == [None, 3]
    page.keyboard.press("Control+z")
    page.wait_for_function(f"window.trustmap.parentOf('{api}') === '{zone}'")
    settle(page)
    assert page.evaluate(f"window.trustmap.element('{db}').boundary") == zone
    assert not errors.dialogs
    assert not [e for e in errors.errors if "live-assessment" not in e and "favicon" not in e], errors.errors
    context.close()


def test_keyboard_undo_redo_copy_paste_delete(browser: Any, live_server: Any, browser_user: Any) -> None:
    model = _empty_model(browser_user.team, browser_user, name="Keyboard")
    context = login_context(browser, live_server, browser_user)
    page = context.new_page()
    open_editor(page, f"{live_server.url}/models/{model.pk}/")
    a = _place(page, "service", 0.3, 0.4)
    b = _place(page, "cache", 0.7, 0.4)
    settle(page)
    page.evaluate(f"window.trustmap.select(['{a}'])")
    page.locator("#diagram").focus()
    start = page.evaluate(f"window.trustmap.element('{a}').position")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"window.trustmap.element('{a}').position.x >= {start['x']} + 20")
    settle(page)
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    page.wait_for_function("window.trustmap.count('component') === 3")
    settle(page)
    page.keyboard.press("Control+z")
    page.wait_for_function("window.trustmap.count('component') === 2")
    page.keyboard.press("Control+y")
    page.wait_for_function("window.trustmap.count('component') === 3")
    settle(page)
    page.evaluate(f"window.trustmap.select(['{b}'])")
    page.locator("#diagram").focus()
    page.keyboard.press("Delete")
    page.wait_for_function("window.trustmap.count('component') === 2")
    settle(page)
    assert "Delete" in page.locator("#editor-status").inner_text()
    # the text view drives the selection too
    page.locator(f"#text-components li[data-id='{a}']").click()
    page.wait_for_function(f"JSON.stringify(window.trustmap.selected()) === JSON.stringify(['{a}'])")
    assert page.locator(f"#text-components li[data-id='{a}']").get_attribute("aria-selected") == "true"
    # the palette works from the keyboard: Enter arms, Enter again places in the middle of the view
    page.get_by_test_id("palette-queue").focus()
    page.keyboard.press("Enter")
    assert page.get_by_test_id("palette-queue").get_attribute("aria-pressed") == "true"
    page.keyboard.press("Enter")
    page.wait_for_function("window.trustmap.count('component') === 3")
    settle(page)
    page.reload()
    open_editor(page, page.url)
    assert page.evaluate("window.trustmap.count('component')") == 3
    context.close()


def test_a_stale_second_tab_gets_a_conflict(browser: Any, live_server: Any, browser_user: Any) -> None:
    from tests.factories import demo_model

    model = demo_model(team=browser_user.team, user=browser_user)
    context = login_context(browser, live_server, browser_user)
    first, second = context.new_page(), context.new_page()
    url = f"{live_server.url}/models/{model.pk}/"
    open_editor(first, url)
    open_editor(second, url)
    first.evaluate("window.trustmap.select(['cart'])")
    _set_field(first, "name", "Cart service v2")
    settle(first)
    assert first.evaluate("window.trustmap.revision()") == model.revision + 1

    second.evaluate("window.trustmap.select(['checkout'])")
    _set_field(second, "name", "Checkout (stale edit)")
    dialog = second.get_by_test_id("conflict")
    dialog.wait_for(state="visible")
    text = dialog.inner_text()
    assert "cart" in text and "changed" in text
    assert second.evaluate("window.trustmap.conflict()") is True
    second.get_by_test_id("conflict-reload").click()
    second.wait_for_function("!window.trustmap.conflict()")
    assert second.evaluate("window.trustmap.element('cart').name") == "Cart service v2"
    assert second.evaluate("window.trustmap.element('checkout').name") != "Checkout (stale edit)"
    from threatmodel.models import Component

    assert Component.objects.get(model=model, key="checkout").name != "Checkout (stale edit)"
    context.close()


def test_hostile_names_render_as_text(browser: Any, live_server: Any, browser_user: Any) -> None:
    from tests.factories import demo_model
    from threatmodel import services
    from threatmodel.changes import ElementChange

    model = demo_model(team=browser_user.team, user=browser_user)
    services.changeset_apply(
        model=model,
        user=browser_user,
        base_revision=model.revision,
        changes=[
            ElementChange("update", "component", "cart", {"name": HOSTILE, "description": HOSTILE}),
            ElementChange("update", "boundary", "eks", {"name": HOSTILE}),
        ],
        message=HOSTILE,
    )
    context = login_context(browser, live_server, browser_user)
    page = context.new_page()
    errors = PageErrors(page)
    page.add_init_script("window.__pwned = 0; window.alert = () => { window.__pwned++; };")
    open_editor(page, f"{live_server.url}/models/{model.pk}/")
    assert HOSTILE in page.get_by_test_id("text-components").inner_text()
    assert page.evaluate("window.trustmap.labelOf('cart')") == HOSTILE
    page.evaluate("window.trustmap.select(['cart'])")
    assert page.locator("#properties [name='name']").input_value() == HOSTILE
    assert HOSTILE in page.locator("#properties h3").inner_text()
    for path in (
        "/",
        f"/models/{model.pk}/revisions/",
        f"/models/{model.pk}/revisions/{model.revision + 1}/",
        f"/models/{model.pk}/findings/",
    ):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        if path.endswith("revisions/"):
            assert HOSTILE in page.locator("main").inner_text()
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    assert page.evaluate("window.__pwned") == 0
    assert not errors.dialogs
    context.close()


def test_the_automatic_layout_is_kept_with_the_first_edit(browser: Any, live_server: Any, browser_user: Any) -> None:
    from tests.factories import demo_model

    model = demo_model(team=browser_user.team, user=browser_user)  # imported without positions
    context = login_context(browser, live_server, browser_user)
    page = context.new_page()
    open_editor(page, f"{live_server.url}/models/{model.pk}/")
    page.wait_for_function("document.body.dataset.layout === 'done'")
    assert page.get_by_test_id("tool-save-layout").is_visible()
    positions = (
        "JSON.stringify(window.trustmap.ids('component').sort().map(id => {"
        "const p = window.trustmap.element(id).position; return [id, Math.round(p.x), Math.round(p.y)]; }))"
    )
    before = page.evaluate(positions)
    page.evaluate("window.trustmap.select(['cart'])")
    _set_field(page, "name", "Cart service (laid out)")
    settle(page)
    assert not page.get_by_test_id("tool-save-layout").is_visible()
    page.reload()
    open_editor(page, page.url)
    assert page.evaluate("document.body.dataset.layout") is None  # no layout ran: positions came from the model
    assert page.evaluate(positions) == before

    # nested boundaries: a component dropped inside an inner boundary joins the innermost one ...
    page.evaluate("window.trustmap.fit()")
    box = page.evaluate("window.trustmap.boundingBox('ns-platform')")
    target = page.evaluate(f"window.trustmap.modelToPage({box['x2']} - 12, {box['y2']} - 12)")
    _drag(page, page.evaluate("window.trustmap.pagePosition('staff')"), target)
    page.wait_for_function("window.trustmap.parentOf('staff') === 'ns-platform'")
    settle(page)
    assert page.evaluate("window.trustmap.element('staff').boundary") == "ns-platform"
    # ... and dropped outside every boundary it leaves them all
    outside = page.evaluate("window.trustmap.emptyPagePoint()")
    _drag(page, page.evaluate("window.trustmap.pagePosition('staff')"), outside)
    page.wait_for_function("window.trustmap.parentOf('staff') === null")
    settle(page)
    assert page.evaluate("window.trustmap.element('staff').boundary") is None
    context.close()


def test_a_large_model_opens_whole_in_overview_mode(browser: Any, live_server: Any, browser_user: Any) -> None:
    """Above 600 components the editor opens in overview mode: the first frame holds every component and
    flow, labels (too small to read at that zoom) are switched on after it, and at once when zooming in."""
    from testkit.synthetic import generate_snapshot
    from threatmodel import services

    snapshot = generate_snapshot(700, 1_600, seed=3)
    model = services.model_create(team=browser_user.team, snapshot=snapshot, user=browser_user)
    context = login_context(browser, live_server, browser_user)
    page = context.new_page()
    errors = PageErrors(page)
    page.goto(f"{live_server.url}/models/{model.pk}/")
    page.wait_for_function("document.body.dataset.editorReady === '1'", timeout=30_000)
    assert page.evaluate("window.trustmap.zones()") is True
    assert page.evaluate("JSON.parse(window.trustmap.drawn())") == {
        "components": len(snapshot.components),
        "flows": len(snapshot.flows),
    }
    first = snapshot.components[0]
    assert page.evaluate("window.trustmap.zoom()") < 0.45  # opened zoomed out: no label would be legible
    page.wait_for_function(f"window.trustmap.drawnLabel('{first.id}') !== ''", timeout=10_000)
    assert page.evaluate(f"window.trustmap.drawnLabel('{first.id}')") == first.name

    page.reload()  # zooming in switches labels on at once, without waiting for an idle moment
    page.wait_for_function("document.body.dataset.editorReady === '1'", timeout=30_000)
    zoomed = page.evaluate("id => { window.trustmap.zoomTo(1); return window.trustmap.drawnLabel(id); }", first.id)
    assert zoomed == first.name
    assert not errors.errors
    context.close()
