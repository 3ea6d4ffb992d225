"""The pages around the editor in a real browser: findings triage, API tokens, reports with progress."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import login_context

pytestmark = pytest.mark.browser


def test_triage_tokens_and_reports(browser: Any, live_server: Any, browser_user: Any, screenshots: Any) -> None:
    from tests.factories import demo_model

    model = demo_model(team=browser_user.team, user=browser_user)
    context = login_context(browser, live_server, browser_user, 1440, 900)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # findings: filter, then accept one risk with a justification and an expiry
    page.goto(f"{live_server.url}/models/{model.pk}/findings/")
    page.wait_for_function("document.body.dataset.findingsReady === '1'")
    total = int(page.locator("#findings-count").get_attribute("data-matching"))
    assert total > 5 and page.locator("#findings-body > tr").count() == min(total, 50)
    page.select_option("#finding-filters [name=severity]", "high")
    with page.expect_navigation():
        page.click("#finding-filters button[type=submit]")
    page.wait_for_function("document.body.dataset.findingsReady === '1'")
    high = int(page.locator("#findings-count").get_attribute("data-matching"))
    assert 0 < high < total, page.url
    row = page.locator("#findings-body > tr").first
    fingerprint = row.get_attribute("data-finding")
    row.locator("input.row-select").check()
    assert page.locator("#selected-count").inner_text() == "1"
    page.select_option("#bulk-triage [name=status]", "accepted")
    page.get_by_test_id("bulk-submit").click()  # no reason: refused in the page
    assert page.locator("#bulk-triage [name=justification]").get_attribute("aria-invalid") == "true"
    page.fill("#bulk-triage [name=justification]", "Compensated by the WAF until the Q3 migration")
    page.fill("#bulk-triage [name=expires_at]", "2031-06-30")
    with page.expect_navigation():
        page.get_by_test_id("bulk-submit").click()
    message = page.locator(".messages").inner_text()
    assert "1 finding marked accepted risk." in message, message
    status = page.evaluate(
        f"fetch('/api/v1/models/{model.pk}/live-assessment/').then(r => r.json())"
        f".then(r => r.findings.find(f => f.id === {fingerprint!r}).status)"
    )
    assert status == "accepted"
    page.screenshot(path=str(screenshots / "findings-triage.png"))
    # the editor no longer counts the accepted finding as open
    page.goto(f"{live_server.url}/models/{model.pk}/")
    page.wait_for_function("document.body.dataset.editorSettled === '1'")
    assert fingerprint not in page.evaluate("window.trustmap.findingIds()")

    # API tokens: the secret is shown once; revoke
    page.goto(f"{live_server.url}/account/tokens/")
    page.fill("#token-name", "CI pipeline")
    page.get_by_test_id("token-create").click()
    secret = page.get_by_test_id("token-secret")
    secret.wait_for(state="visible")
    value = secret.inner_text()
    assert len(value) > 20
    page.wait_for_selector("#token-rows tr[data-token]")
    assert "CI pipeline" in page.get_by_test_id("token-rows").inner_text()
    page.reload()
    page.wait_for_selector("#token-rows tr[data-token]")
    assert value not in page.content()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#token-rows button.danger").first.click()
    page.wait_for_function("document.getElementById('token-status').textContent.startsWith('Revoked')")
    page.wait_for_function("!document.querySelector('#token-rows button.danger')")

    # reports: generate an HTML report, follow its progress, download it
    page.goto(f"{live_server.url}/models/{model.pk}/reports/")
    assert "No reports yet" in page.get_by_test_id("reports-body").inner_text()
    page.select_option("#report-format", "html")
    page.get_by_test_id("report-generate").click()
    link = page.locator("#report-download")
    link.wait_for(state="visible", timeout=60_000)
    href = link.get_attribute("href")
    status = page.evaluate(f"fetch({href!r}).then(r => r.status)")
    assert status == 200
    assert page.locator("#report-bar").evaluate("e => e.value") == 100
    # the list of earlier reports follows without a reload
    listed = page.get_by_test_id("reports-body").locator("tr[data-report]")
    listed.first.wait_for(timeout=10_000)
    assert "succeeded" in listed.first.inner_text() and listed.first.locator("a").get_attribute("href") == href
    assert not errors, errors
    context.close()
