"""Browser editor figures (headless Debian Chromium against a local threaded server):

* ``editor_open_2000``: navigation to the diagram's first complete render of a generated 2,000-component /
  5,000-flow model (median of 3; 1 in quick mode). Target <= 2 s.
* ``editor_roundtrip_demo``: on the demo model, one edit saved as a change set plus the live re-assessment
  applied to the diagram (median of 7; 3 in quick mode). Target < 300 ms.
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
from pathlib import Path
from typing import Any

from benchmarks.common import django_ready, report, run_child

CHROMIUM = os.environ.get("TRUSTMAP_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def run(quick: bool) -> None:
    if not Path(CHROMIUM).exists():
        print("bench_editor: chromium is not installed; skipped", file=sys.stderr)
        return
    run_child("bench_editor", quick, extra_env={"DJANGO_ALLOW_ASYNC_UNSAFE": "true"})


def _serve() -> tuple[Any, str]:
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet, allow_reuse_address=False)
    server.set_app(WSGIHandler())
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def child(quick: bool) -> None:
    django_ready()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from playwright.sync_api import sync_playwright

    from tests.factories import demo_model
    from threatmodel import services
    from threatmodel.synthetic import generate_snapshot

    user = get_user_model().objects.create_user("bench-editor")
    team = services.team_create(name="Bench editor", owner=user)
    big = services.model_create(team=team, snapshot=generate_snapshot(2_000, 5_000, seed=7), user=user)
    demo = demo_model(team=team, user=user)
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    server, base = _serve()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = browser.new_context(viewport={"width": 1600, "height": 1000})
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])
            page = context.new_page()
            page.goto(f"{base}/models/{big.pk}/")  # warm-up (server caches, static files): not measured
            page.wait_for_function("document.body && document.body.dataset.editorReady === '1'", timeout=60_000)
            opens, ttfb, draw = [], [], []
            for _ in range(1 if quick else 3):
                page.goto(f"{base}/models/{big.pk}/", wait_until="commit")
                page.wait_for_function("document.body && document.body.dataset.editorReady === '1'", timeout=60_000)
                opens.append(float(page.evaluate("parseFloat(document.body.dataset.editorReadyAt)")) / 1000)
                marks = page.evaluate("JSON.parse(document.body.dataset.editorTimings)")
                draw.append((marks["firstFrame"] - marks["cytoscape"]) / 1000)
                ttfb.append(page.evaluate("performance.getEntriesByType('navigation')[0].responseStart") / 1000)
            report("editor_open_2000", statistics.median(opens), "s")
            # where the time goes: the server's response, and Cytoscape building and painting the first frame
            report("editor_open_2000_server", statistics.median(ttfb), "s")
            report("editor_open_2000_cytoscape", statistics.median(draw), "s")

            page.goto(f"{base}/models/{demo.pk}/")
            page.wait_for_function("document.body.dataset.editorSettled === '1'", timeout=60_000)
            if page.evaluate("document.body.dataset.openFindings === undefined"):
                print("bench_editor: the live assessment is unavailable; no round-trip figure", file=sys.stderr)
            else:
                for i in range(3 if quick else 7):
                    page.evaluate(f"window.trustmap.update('component', 'cart', {{description: 'edit {i}'}})")
                    page.wait_for_function("window.trustmap.pending() === 0", timeout=30_000)
                trips = page.evaluate("window.trustmap.roundTrips()")
                report("editor_roundtrip_demo", statistics.median(trips), "ms")
            browser.close()
    finally:
        server.shutdown()

