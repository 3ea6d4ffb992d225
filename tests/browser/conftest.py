"""Real headless Chromium (Debian's /usr/bin/chromium, never a downloaded browser) against ``live_server``.

One browser per session; each test gets a fresh context logged in by a session cookie.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from testkit.browser import CHROMIUM, CHROMIUM_ARGS

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Browser tests run last: once Playwright's sync API has started, this thread has a running event loop,
    in which Django refuses ORM calls unless DJANGO_ALLOW_ASYNC_UNSAFE is set (only from then on)."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    assert Path(CHROMIUM).exists() or shutil.which("chromium"), "chromium is missing: run make system-test"
    from playwright.sync_api import sync_playwright

    # The tests' own ORM calls are synchronous and run between Playwright calls, never concurrently with it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def browser_user(transactional_db: Any) -> Any:
    from tests.factories import MembershipFactory, TeamFactory, UserFactory
    from threatmodel.choices import Role

    user = UserFactory(username="architect")
    team = TeamFactory(name="Platform", slug="platform")
    MembershipFactory(team=team, user=user, role=Role.OWNER)
    user.team = team
    return user


def login_context(
    browser: Any, live_server: Any, user: Any, width: int = 1440, height: int = 900, *, bypass_csp: bool = True
) -> Any:
    """A browser context carrying a logged-in session cookie for ``user``. Playwright's ``wait_for_function``
    evaluates its predicate with ``eval``, which the site's CSP forbids: contexts bypass the CSP unless a test
    checks the page under it (tests/browser/test_csp.py, which waits on selectors only)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=bypass_csp)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    return context


class PageErrors:
    """Collects page errors, console errors and dialogs (an unexpected dialog means injected script ran).

    ``confirm_next()`` accepts the next confirmation the application itself asks (recorded in ``confirmed``)."""

    def __init__(self, page: Any):
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.confirmed: list[str] = []
        self._accept_confirm = False
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)

        def on_dialog(dialog: Any) -> None:
            if self._accept_confirm and dialog.type == "confirm":
                self._accept_confirm = False
                self.confirmed.append(dialog.message)
                dialog.accept()
                return
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)

    def confirm_next(self) -> None:
        self._accept_confirm = True


def open_editor(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_function("document.body.dataset.editorReady === '1'", timeout=20_000)
    page.wait_for_function("document.body.dataset.editorSettled === '1'", timeout=30_000)


def settle(page: Any) -> None:
    """Wait until every queued save (and its re-assessment) has finished."""
    page.wait_for_function("window.trustmap && window.trustmap.pending() === 0", timeout=20_000)
