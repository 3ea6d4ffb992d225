"""Models as things in a real browser, from an empty team: log in, New model from the dashboard, rename,
duplicate, archive and restore, delete with confirmation; each step checked on screen."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import PageErrors, open_editor

pytestmark = pytest.mark.browser


def _rows(page: Any) -> list[str]:
    return page.locator("[data-testid=model-list] tbody tr").evaluate_all("rows => rows.map(r => r.dataset.name)")


def _search(page: Any, text: str) -> None:
    """Type into the list's search box and press Search, waiting for the page it loads (rows read before it
    arrives would be the old page's, or none while it is loading)."""
    page.fill("#id_q", text)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Search").click()


def _message(page: Any) -> str:
    return page.locator(".messages li").first.inner_text()


def test_model_lifecycle_from_an_empty_team(browser: Any, live_server: Any, browser_user: Any) -> None:
    # Playwright evaluates wait predicates as strings, which the CSP forbids (tests/browser/test_csp.py checks it)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    errors = PageErrors(page)

    # log in as a person does
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "architect")
    page.fill("#id_password", "pw-123456")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    assert "No models yet." in page.locator("main").inner_text()

    # New model from the dashboard: a blank name is refused inline, nothing is created
    page.get_by_test_id("new-model").click()
    page.wait_for_url(re.compile(r"/models/new/$"))
    page.get_by_role("button", name="Create model").click()
    assert page.locator("#err-name").inner_text() == "a model needs a name"
    assert page.locator("#id_name").get_attribute("aria-invalid") == "true"
    page.fill("#id_name", "Payments platform")
    page.fill("#id_description", "Card payments for the shop")
    page.select_option("#id_criticality", "critical")
    page.get_by_role("button", name="Create model").click()
    page.wait_for_url(re.compile(r"/models/\d+/$"))
    open_editor(page, page.url)
    assert page.locator("h1").inner_text() == "Payments platform"
    model_id = int(re.search(r"/models/(\d+)/$", page.url).group(1))  # type: ignore[union-attr]

    # rename in the settings; a second model's name is refused there with the reason next to the field
    page.get_by_role("link", name="Settings").click()
    page.fill("#id_name", "Payments")
    page.get_by_role("button", name="Save").click()
    assert _message(page) == "Saved Payments (revision 2)."
    assert page.locator("h1").inner_text().startswith("Payments")
    page.goto(f"{live_server.url}/models/new/")
    page.fill("#id_name", "payments")
    page.get_by_role("button", name="Create model").click()
    assert page.locator("#err-name").inner_text() == "a model named 'Payments' already exists in team 'Platform'"

    # the models page: name, criticality, score column, last change
    page.get_by_role("link", name="Models", exact=True).click()
    assert _rows(page) == ["Payments"]
    row = page.locator(f"tr[data-model='{model_id}']")
    # every revision is assessed in the background; a blank model gets no grade, never 100
    assert "Critical" in row.inner_text() and "not enough detail" in row.inner_text()
    assert "100.0" not in row.inner_text()
    assert "Renamed the model to 'Payments'" in row.inner_text()
    assert "r2 · architect" in row.inner_text()

    # duplicate
    row.get_by_role("button", name="Duplicate").click()
    assert _message(page) == "Duplicated Payments as Payments (copy)."
    assert _rows(page) == ["Payments", "Payments (copy)"]
    _search(page, "copy")
    assert _rows(page) == ["Payments (copy)"]
    _search(page, "")

    # archive: off the list and the dashboard, in Archived; restore brings it back
    page.locator(f"tr[data-model='{model_id}']").get_by_role("button", name="Archive").click()
    assert _message(page).startswith("Archived Payments")
    assert _rows(page) == ["Payments (copy)"]
    page.goto(f"{live_server.url}/")
    assert "Payments (copy)" in page.locator("main").inner_text()
    assert page.locator(f"[data-testid=dashboard-platform] tr[data-model='{model_id}']").count() == 0
    page.goto(f"{live_server.url}/models/?status=archived")
    assert _rows(page) == ["Payments"]
    page.locator(f"tr[data-model='{model_id}']").get_by_role("button", name="Restore").click()
    assert _message(page) == "Restored Payments."
    assert _rows(page) == ["Payments", "Payments (copy)"]

    # delete with confirmation: a wrong name keeps the model, the right one deletes it
    page.locator(f"tr[data-model='{model_id}']").get_by_role("link", name="Delete").click()
    assert page.locator("h1").inner_text() == "Delete Payments?"
    page.fill("#id_confirm", "Paymen")
    page.get_by_role("button", name="Delete for good").click()
    assert page.locator("#err-confirm").inner_text() == "type the model's name, Payments, to confirm"
    page.fill("#id_confirm", "Payments")
    page.get_by_role("button", name="Delete for good").click()
    assert _message(page) == "Deleted Payments."
    assert _rows(page) == ["Payments (copy)"]
    gone = page.goto(f"{live_server.url}/models/{model_id}/")
    assert gone is not None and gone.status == 404

    assert not errors.dialogs
    # the refused forms answer 400 and the deleted model 404, which the console reports; nothing else
    expected = ("status of 400", "status of 404", "live-assessment", "favicon")
    assert not [e for e in errors.errors if not any(text in e for text in expected)], errors.errors
    context.close()


def test_deleting_a_referenced_element_asks_first(browser: Any, live_server: Any, browser_user: Any) -> None:
    from tests.browser.conftest import login_context, settle
    from threatmodel import models as m
    from threatmodel import services
    from threatmodel.domain import Component, DataFlow, ModelInfo, Snapshot

    snapshot = Snapshot.build(
        ModelInfo(name="Refs"),
        components=[Component(id="api", name="API"), Component(id="db", name="Database")],
        flows=[DataFlow(id="api-db", source="api", target="db")],
    )
    model = services.model_create(team=browser_user.team, snapshot=snapshot, user=browser_user)
    context = login_context(browser, live_server, browser_user)
    page = context.new_page()
    asked: list[str] = []
    answer = {"accept": False}

    def on_dialog(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept() if answer["accept"] else dialog.dismiss()

    page.on("dialog", on_dialog)
    open_editor(page, f"{live_server.url}/models/{model.pk}/")
    page.evaluate("window.trustmap.select(['db'])")
    page.locator("#diagram").focus()
    page.keyboard.press("Delete")
    assert asked == ["Also delete what refers to Database: flow API → Database?"]
    assert page.evaluate("[window.trustmap.count('component'), window.trustmap.count('flow')]") == [2, 1]
    assert "Nothing deleted." in page.locator("#editor-status").inner_text()
    answer["accept"] = True
    page.keyboard.press("Delete")
    page.wait_for_function("window.trustmap.count('flow') === 0")
    settle(page)
    assert len(asked) == 2
    assert list(m.Component.objects.filter(model=model).values_list("key", flat=True)) == ["api"]
    assert not m.DataFlow.objects.filter(model=model).exists()
    context.close()
