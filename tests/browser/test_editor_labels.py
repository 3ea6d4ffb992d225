"""Flow labels on the demo model in real headless Chromium (issue 13, item 3): horizontal, never clipped, and
placed clear of the components and of the boundaries' titles (their drawn boxes measured)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import login_context, open_editor

pytestmark = pytest.mark.browser


def test_flow_labels_of_the_demo_are_horizontal_whole_and_clear_of_nodes_and_titles(
    browser: Any, live_server: Any, browser_user: Any
) -> None:
    from tests.factories import demo_model

    model = demo_model(team=browser_user.team, user=browser_user)
    context = login_context(browser, live_server, browser_user, 1920, 1080)
    page = context.new_page()
    open_editor(page, f"{live_server.url}/models/{model.pk}/")
    page.wait_for_function("document.body.dataset.layout === 'done' && document.body.dataset.labels === 'placed'")
    flows = page.evaluate("window.trustmap.ids('flow')")
    assert len(flows) > 20
    for flow in flows:
        assert page.evaluate(f"window.trustmap.labelStyle('{flow}')") == {"rotation": "none", "wrap": "none"}
    assert page.evaluate("window.trustmap.labelOverlaps()") == []
    context.close()
