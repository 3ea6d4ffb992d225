"""Screenshots of the editor (demo model after the automatic layout) and of the pages, at laptop and
large-monitor widths, written to artifacts/screenshots/ (gitignored)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.browser.conftest import PageErrors, login_context, open_editor

pytestmark = pytest.mark.browser


def _runs(model: Any, scores: list[float]) -> None:
    from django.utils import timezone

    from assessments.choices import JobStatus
    from assessments.models import AssessmentRun

    AssessmentRun.objects.filter(model=model).delete()  # the assessment its creation scheduled: this history instead
    now = timezone.now()
    for i, score in enumerate(scores):
        AssessmentRun.objects.create(
            model=model,
            revision=model.revision,
            status=JobStatus.SUCCEEDED,
            overall_score=score,
            finished_at=now - timedelta(days=len(scores) - i),
            progress=100,
            counts={"critical": 1 if score < 60 else 0, "high": 3, "medium": 5 - i // 3, "low": 2, "info": 1},
        )


@pytest.mark.parametrize(("label", "width", "height"), [("large", 1920, 1080), ("laptop", 1366, 768)])
def test_editor_with_the_demo_model(
    browser: Any, live_server: Any, browser_user: Any, screenshots: Any, label: str, width: int, height: int
) -> None:
    from tests.factories import demo_model

    model = demo_model(team=browser_user.team, user=browser_user)
    context = login_context(browser, live_server, browser_user, width, height)
    page = context.new_page()
    errors = PageErrors(page)
    open_editor(page, f"{live_server.url}/models/{model.pk}/")
    page.wait_for_function("document.body.dataset.layout === 'done'")
    assert page.evaluate("window.trustmap.boundaryOverlaps()") == 0
    assert page.evaluate("window.trustmap.nodeOverlaps()") == 0
    page.wait_for_timeout(200)
    page.screenshot(path=str(screenshots / f"editor-demo-{label}.png"))
    if label == "large":
        page.evaluate("window.trustmap.select(['checkout'])")
        page.wait_for_timeout(400)
        page.screenshot(path=str(screenshots / "editor-demo-selected.png"), full_page=True)
        # an attack path is highlighted end to end (its hops and flows), and cleared again
        path = page.locator("#paths-list [data-path]").first
        path.click()
        assert page.evaluate("window.trustmap.highlightedPath()") == path.get_attribute("data-path")
        assert page.evaluate("window.trustmap.pathElementsOn()") >= 3
        page.wait_for_timeout(400)
        page.screenshot(path=str(screenshots / "editor-attack-path.png"))
        path.click()
        assert page.evaluate("window.trustmap.highlightedPath()") is None
    assert not errors.dialogs
    context.close()


def test_dashboard_and_pages(browser: Any, live_server: Any, browser_user: Any, screenshots: Any) -> None:
    from tests.factories import demo_model

    model = demo_model(team=browser_user.team, user=browser_user)
    other = demo_model(team=browser_user.team, user=browser_user, name="Inventory (legacy)")
    _runs(model, [48.0, 52.5, 55.0, 61.2, 60.1, 66.8, 71.4])
    _runs(other, [70.0, 64.0, 58.5])
    context = login_context(browser, live_server, browser_user, 1440, 900)
    page = context.new_page()
    errors = PageErrors(page)
    page.goto(live_server.url + "/")
    assert page.locator("svg.spark").count() == 2
    assert "71.4" in page.locator(f"[data-score-for='{model.pk}']").inner_text()
    page.screenshot(path=str(screenshots / "dashboard.png"), full_page=True)
    page.goto(live_server.url + "/catalog/rules/")
    page.screenshot(path=str(screenshots / "catalog.png"))
    page.goto(live_server.url + f"/models/{model.pk}/findings/")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(screenshots / "findings.png"))
    page.goto(live_server.url + "/import/")
    page.screenshot(path=str(screenshots / "import.png"))
    assert not errors.dialogs
    context.close()


def test_revision_diff_on_the_diagram(browser: Any, live_server: Any, browser_user: Any, screenshots: Any) -> None:
    from tests.factories import demo_model
    from threatmodel import services
    from threatmodel.changes import ElementChange

    model = demo_model(team=browser_user.team, user=browser_user)
    services.changeset_apply(
        model=model,
        user=browser_user,
        base_revision=model.revision,
        message="Harden",
        changes=[
            ElementChange("update", "flow", "cart-to-redis", {"encryption": "tls"}),
            ElementChange(
                "create", "component", "waf", {"name": "Web firewall", "kind": "load-balancer", "boundary": "dmz"}
            ),
            ElementChange("update", "component", "currency", {"authentication": "mtls"}),
        ],
    )
    context = login_context(browser, live_server, browser_user, 1440, 900)
    page = context.new_page()
    page.goto(f"{live_server.url}/models/{model.pk}/revisions/{model.revision}/")
    page.wait_for_function("document.body.dataset.editorReady === '1'")
    assert page.locator("table.diff tr.diff-added").count() == 1
    assert page.evaluate("window.trustmap.count('component')") >= 25
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshots / "revision-diff.png"))
    context.close()
