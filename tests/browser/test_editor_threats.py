"""A manual threat recorded in the editor's Threats panel: saved as a change set, kept across a reload, shown as
a finding, and printed in the PDF report (issue 14, item 4), in real headless Chromium."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import PageErrors, login_context, open_editor, settle
from tests.browser.test_editor_panels import SHOP, _model

pytestmark = pytest.mark.browser

TITLE = "Forged webhook replays against the gateway"


def test_add_a_manual_threat_in_the_editor_reload_and_find_it_in_the_pdf(
    browser: Any, live_server: Any, browser_user: Any, tmp_path: Path
) -> None:
    model = _model(browser_user.team, browser_user, SHOP)
    context = login_context(browser, live_server, browser_user)
    page = context.new_page()
    errors = PageErrors(page)
    open_editor(page, f"{live_server.url}/models/{model.pk}/")
    assert "No manual threats yet." in page.get_by_test_id("threats-list").inner_text()

    page.evaluate("window.trustmap.select(['gateway'])")
    page.wait_for_function("document.getElementById('threats-target').textContent === 'on Gateway'")
    page.get_by_test_id("threat-title").fill(TITLE)
    page.get_by_test_id("threat-category").select_option("spoofing")
    page.select_option("#threat-likelihood", "frequent")
    page.select_option("#threat-impact", "high")
    page.fill("#threat-mitigation", "Sign webhooks and reject old timestamps.")
    page.get_by_test_id("threat-add").click()
    settle(page)
    assert TITLE in page.get_by_test_id("threats-list").inner_text()
    (threat_id,) = page.evaluate("window.trustmap.ids('threat')")
    fingerprint = f"manual.threat@{threat_id}"
    page.wait_for_function(f"window.trustmap.findingIds().includes('{fingerprint}')", timeout=20_000)
    assert TITLE in page.locator(f"#findings-list [data-finding='{fingerprint}']").inner_text()

    # kept across a reload: the stored model has it
    open_editor(page, f"{live_server.url}/models/{model.pk}/")
    assert TITLE in page.get_by_test_id("threats-list").inner_text()
    page.evaluate("window.trustmap.select(['orders'])")
    page.wait_for_function("document.getElementById('threats-target').textContent === 'on Orders'")
    assert TITLE not in page.get_by_test_id("threats-list").inner_text()
    document = page.evaluate(f"fetch('/api/v1/models/{model.pk}/document/').then(r => r.json())")
    (stored,) = document["document"]["threats"]
    assert (stored["target"], stored["title"], stored["category"], stored["likelihood"]) == (
        "gateway",
        TITLE,
        "spoofing",
        "frequent",
    )

    # deleting its element deletes the threat in the same change set; undo brings both back
    page.evaluate("window.trustmap.select(['gateway'])")
    page.locator("#diagram").focus()
    errors.confirm_next()  # the editor asks before deleting an element that others refer to
    page.keyboard.press("Delete")
    page.wait_for_function("window.trustmap.count('threat') === 0")
    settle(page)
    page.keyboard.press("Control+z")
    page.wait_for_function("window.trustmap.count('threat') === 1 && window.trustmap.count('component') === 4")
    settle(page)

    # the stored assessment of that revision lists it; a PDF report prints its title
    revision = page.evaluate("window.trustmap.revision()")
    deadline = time.monotonic() + 30
    score: dict[str, Any] = {}
    while time.monotonic() < deadline:
        score = page.evaluate(f"fetch('/api/v1/models/{model.pk}/score/').then(r => r.ok ? r.json() : {{}})")
        if score.get("revision") == revision:
            break
        time.sleep(0.3)
    assert score.get("revision") == revision, score
    page.goto(f"{live_server.url}/models/{model.pk}/reports/")
    page.select_option("#report-format", "pdf")
    page.get_by_test_id("report-generate").click()
    link = page.locator("#report-download")
    link.wait_for(state="visible", timeout=90_000)
    response = context.request.get(f"{live_server.url}{link.get_attribute('href')}")
    assert response.status == 200
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.body())
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert TITLE in " ".join(text.split())
    assert not errors.errors, errors.errors
    context.close()
