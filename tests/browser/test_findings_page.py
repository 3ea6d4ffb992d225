"""The findings page in a real browser: filter, select every finding matching the filter, accept them in bulk
with a reason, an owner and an expiry, and see the stored counts change after a reload."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import PageErrors, login_context

pytestmark = pytest.mark.browser


def _count(page: Any, name: str) -> int:
    text = page.locator(f"[data-testid=stored-counts] [data-count={name}]").inner_text()
    found = re.match(r"(\d+) ", text)
    assert found, text
    return int(found.group(1))


def test_bulk_accept_of_everything_matching_a_filter(browser: Any, live_server: Any, browser_user: Any) -> None:
    from assessments.models import FindingTriage
    from tests.factories import demo_model

    model = demo_model(team=browser_user.team, user=browser_user)  # its revision is assessed when committed
    context = login_context(browser, live_server, browser_user, 1440, 900)
    page = context.new_page()
    errors = PageErrors(page)
    page.goto(f"{live_server.url}/models/{model.pk}/findings/")
    page.wait_for_function("document.body.dataset.findingsReady === '1'")
    total = int(page.locator("#findings-count").get_attribute("data-matching"))
    assert total > 50 and page.locator("#findings-body > tr").count() == 50  # the first page of two
    open_before, accepted_before = _count(page, "open"), _count(page, "accepted")
    assert accepted_before == 0

    # the page's checkbox selects its rows; the filter narrows the list (GET parameters)
    page.locator("#select-page").check()
    assert page.locator("#selected-count").inner_text() == "50"
    page.select_option("#finding-filters [name=severity]", "medium")
    page.select_option("#finding-filters [name=bucket]", "open")
    with page.expect_navigation():
        page.click("#finding-filters button[type=submit]")
    page.wait_for_function("document.body.dataset.findingsReady === '1'")
    assert "severity=medium" in page.url and "bucket=open" in page.url
    matching = int(page.locator("#findings-count").get_attribute("data-matching"))
    assert 0 < matching < total
    assert page.locator("#findings-body > tr[data-status=open]").count() == page.locator("#findings-body > tr").count()
    assert set(page.locator("#findings-body .sev").all_inner_texts()) == {"medium"}
    assert page.get_by_test_id("bulk-submit").is_disabled()  # nothing selected yet

    # every finding matching the filter, accepted with a reason, an owner and an expiry
    page.get_by_test_id("scope-matching").check()
    assert page.get_by_test_id("bulk-submit").is_enabled()
    page.select_option("#bulk-triage [name=status]", "accepted")
    page.fill("#bulk-triage [name=justification]", "Accepted for the pilot; revisit in Q3")
    page.select_option("#bulk-triage [name=owner]", label=browser_user.username)
    page.fill("#bulk-triage [name=expires_at]", "2031-06-30")
    with page.expect_navigation():
        page.get_by_test_id("bulk-submit").click()
    assert f"{matching} findings marked accepted risk." in page.locator(".messages").inner_text()
    assert int(page.locator("#findings-count").get_attribute("data-matching")) == 0  # none open any more

    page.reload()
    page.wait_for_function("document.body.dataset.findingsReady === '1'")
    assert _count(page, "accepted") == matching
    assert _count(page, "open") == open_before - matching
    decided = FindingTriage.objects.filter(model=model, status="accepted")
    assert decided.count() == matching and {t.owner_id for t in decided} == {browser_user.pk}

    # the detail row of an accepted finding says who decided, why and until when
    page.goto(f"{live_server.url}/models/{model.pk}/findings/?bucket=accepted")
    page.wait_for_function("document.body.dataset.findingsReady === '1'")
    first = page.locator("#findings-body > tr").first
    first.locator("summary").click()
    detail = first.locator(".finding-detail").inner_text()
    assert "Accepted for the pilot; revisit in Q3" in detail and "until 2031-06-30" in detail
    assert "Remediation." in detail
    assert not errors.errors and not errors.dialogs, (errors.errors, errors.dialogs)
    context.close()

    # under the site's CSP (no inline script): the page's module still runs, and nothing is refused
    from playwright.sync_api import expect

    strict = login_context(browser, live_server, browser_user, 1440, 900, bypass_csp=False)
    page = strict.new_page()
    errors = PageErrors(page)
    page.goto(f"{live_server.url}/models/{model.pk}/findings/")
    page.locator("#select-page").check()
    expect(page.locator("#selected-count")).to_have_text("50")
    assert not errors.errors, errors.errors
    strict.close()
