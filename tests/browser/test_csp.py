"""The Content-Security-Policy (issue 19, observation 7): no inline script allowed, and the editor, Swagger UI and
ReDoc still work under it in a real browser, without a single CSP violation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import login_context

pytestmark = pytest.mark.browser


def test_editor_swagger_and_redoc_work_under_the_csp(browser: Any, live_server: Any, browser_user: Any) -> None:
    from tests.factories import demo_model

    model = demo_model(team=browser_user.team, user=browser_user)
    context = login_context(browser, live_server, browser_user, 1280, 800, bypass_csp=False)
    page = context.new_page()
    violations: list[str] = []
    errors: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    response = page.goto(f"{live_server.url}/models/{model.pk}/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    page.wait_for_selector("body[data-editor-ready='1']", state="attached", timeout=20_000)
    page.wait_for_selector("body[data-editor-settled='1']", state="attached", timeout=30_000)
    assert page.locator("canvas").count() > 0  # the graph is drawn

    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    assert page.locator(".swagger-ui .opblock").count() > 50

    page.goto(f"{live_server.url}/api/redoc/")
    page.wait_for_selector("[role=search], .menu-content", timeout=30_000)
    assert page.get_by_text("Trustmap API").first.is_visible()

    # the only thing blocked is what should be: ReDoc's "powered by" logo from its CDN (we serve no CDN content)
    assert all("cdn.redoc.ly" in v and "script-src" not in v for v in violations), violations
    assert errors == [], errors
    context.close()
