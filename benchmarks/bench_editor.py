"""Browser editor figures (headless Debian Chromium against gunicorn on loopback, as in production; the
server runs in its own processes so it does not share this process' interpreter lock with Playwright):

* ``editor_open_2000``: navigation to the diagram's first complete render of a generated 2,000-component /
  5,000-flow model (median of 3; 1 in quick mode). Target <= 2 s. "Complete": the animation frame after
  Cytoscape's first ``render`` event (a frame drawing every element), when the task that drew it has ended and
  the page answers input; the page records how many components and flows that frame held and the benchmark
  fails unless it is all 2,000 and 5,000. Parts: ``_server`` (time to the response's first
  byte), ``_scripts`` (response end to the diagram's construction), ``_cytoscape`` (construction and first
  frame), ``_transfer`` (the page's bytes on the wire), ``_renderer_cpu`` (CPU seconds of the page's renderer
  process, all its threads, from the navigation to the ready frame: on a shared host it follows the code, while
  the wall-clock figures follow the load).
* ``editor_roundtrip_demo``: on the demo model, one edit saved as a change set plus the live re-assessment
  applied to the diagram (median of 7; 3 in quick mode). Target < 300 ms.
* ``editor_first_model_s``: a scripted user, no think time, from a click on the dashboard's "New model" to a
  saved 10-component model with 9 flows: name the model, create it, place ten components from the palette and
  draw a flow between each pair of neighbours, until every save has been acknowledged (median of 3; 1 in quick
  mode). The benchmark fails unless the stored model then holds the 10 components and 9 flows.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import django_ready, report, run_child
from testkit.browser import CHROMIUM, CHROMIUM_ARGS


def run(quick: bool) -> None:
    if not Path(CHROMIUM).exists():
        print("bench_editor: chromium is not installed; skipped", file=sys.stderr)
        return
    run_child("bench_editor", quick, extra_env={"DJANGO_ALLOW_ASYNC_UNSAFE": "true"})


def child(quick: bool) -> None:
    django_ready()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from playwright.sync_api import sync_playwright

    from testkit.demo import demo_model
    from testkit.servers import start_gunicorn, stop
    from testkit.synthetic import generate_snapshot
    from threatmodel import services

    user = get_user_model().objects.create_user("bench-editor")
    team = services.team_create(name="Bench editor", owner=user)
    big = services.model_create(team=team, snapshot=generate_snapshot(2_000, 5_000, seed=7), user=user)
    demo = demo_model(team=team, user=user)
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # gunicorn serves what collectstatic made
    server, base = start_gunicorn(dict(os.environ), workers=2, timeout=60)  # as deployed, own processes
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            # Playwright evaluates wait predicates as strings, which the app's CSP forbids
            context = browser.new_context(viewport={"width": 1600, "height": 1000}, bypass_csp=True)
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])
            page = context.new_page()
            page.goto(f"{base}/models/{big.pk}/")  # warm-up (server caches, static files): not measured
            page.wait_for_function("document.body && document.body.dataset.editorReady === '1'", timeout=60_000)
            cdp = context.new_cdp_session(page)
            cdp.send("Performance.enable")
            opens, ttfb, scripts, draw, transfer, cpu = [], [], [], [], [], []
            for _ in range(1 if quick else 3):
                # Leave the previous editor once it has finished its own work (live assessment applied, idle):
                # the new page cannot commit while the old one's main thread is busy, and that wait belongs
                # to the previous page, not to opening this one.
                page.wait_for_function("document.body.dataset.editorSettled === '1'", timeout=120_000)
                page.evaluate(
                    "new Promise(function (done) { requestIdleCallback(function () { done(0); }, { timeout: 5000 }); })"
                )
                before = _process_time(cdp)
                page.goto(f"{base}/models/{big.pk}/", wait_until="commit")
                page.wait_for_function("document.body && document.body.dataset.editorReady === '1'", timeout=60_000)
                after = _process_time(cdp)
                if before is not None and after is not None and after >= before:  # same renderer process
                    cpu.append(after - before)
                # the first frame must have drawn the whole model, not a part of it
                drawn = page.evaluate("JSON.parse(document.body.dataset.editorDrawn)")
                if drawn != {"components": 2_000, "flows": 5_000}:
                    raise RuntimeError(f"the editor's first frame drew {drawn}, not the whole model")
                opens.append(float(page.evaluate("parseFloat(document.body.dataset.editorReadyAt)")) / 1000)
                marks = page.evaluate("JSON.parse(document.body.dataset.editorTimings)")
                nav = page.evaluate(
                    "(() => { var n = performance.getEntriesByType('navigation')[0]; "
                    "return [n.responseStart, n.responseEnd, n.transferSize]; })()"
                )
                draw.append((marks["firstFrame"] - marks["cytoscape"]) / 1000)
                scripts.append((marks["cytoscape"] - nav[1]) / 1000)
                ttfb.append(nav[0] / 1000)
                transfer.append(nav[2] / 1024)
            report("editor_open_2000", statistics.median(opens), "s")
            # where the time goes: the server's response; the page's scripts up to the diagram (HTML, Cytoscape
            # and the editor's modules loaded, embedded model parsed); Cytoscape building and painting the
            # first frame; and the bytes of the page on the wire
            report("editor_open_2000_server", statistics.median(ttfb), "s")
            report("editor_open_2000_scripts", statistics.median(scripts), "s")
            report("editor_open_2000_cytoscape", statistics.median(draw), "s")
            report("editor_open_2000_transfer", statistics.median(transfer), "KiB")
            if cpu:
                report("editor_open_2000_renderer_cpu", statistics.median(cpu), "s")

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
            firsts = [_first_model(page, base, team, f"First model {i}") for i in range(1 if quick else 3)]
            report("editor_first_model_s", statistics.median(firsts), "s")
            browser.close()
    finally:
        stop(server, timeout=15)


def _process_time(cdp: Any) -> float | None:
    """CPU seconds the page's renderer process has used so far (Chrome's ``ProcessTime`` metric)."""
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    value = metrics.get("ProcessTime")
    return float(value) if value is not None else None


#: Palette kinds placed by the first-model user, left to right on two rows.
FIRST_MODEL_KINDS = (
    "human-user",
    "load-balancer",
    "api-gateway",
    "web-frontend",
    "service",
    "service",
    "queue",
    "cache",
    "datastore",
    "secret-store",
)


def _first_model(page: Any, base: str, team: Any, name: str) -> float:
    """Seconds from the click on "New model" to the tenth component and ninth flow saved."""
    from threatmodel import models as m

    page.goto(f"{base}/")
    page.wait_for_load_state("load")
    start = time.perf_counter()
    page.get_by_test_id("new-model").click()
    page.wait_for_selector("#id_name")
    page.fill("#id_name", name)
    page.get_by_role("button", name="Create model").click()
    page.wait_for_function("document.body && document.body.dataset.editorReady === '1'", timeout=60_000)
    box = page.locator("#diagram").bounding_box()
    for i, kind in enumerate(FIRST_MODEL_KINDS):
        x = box["x"] + box["width"] * (0.1 + 0.18 * (i % 5))
        y = box["y"] + box["height"] * (0.3 if i < 5 else 0.7)
        page.get_by_test_id(f"palette-{kind}").click()
        page.mouse.click(x, y)
        page.wait_for_function("n => window.trustmap.ids('component').length > n", arg=i)
    page.keyboard.press("Escape")
    page.get_by_test_id("tool-connect").click()
    # neighbours on the canvas, row by row, so no flow crosses another element
    positions = page.evaluate(
        "window.trustmap.ids('component').map(function (i) { return [i, window.trustmap.pagePosition(i)]; })"
    )
    middle = box["y"] + box["height"] / 2
    placed = [i for i, _ in sorted(positions, key=lambda item: (item[1]["y"] > middle, item[1]["x"]))]
    for n, (source, target) in enumerate(zip(placed, placed[1:], strict=False)):
        a = page.evaluate(f"window.trustmap.pagePosition('{source}')")
        b = page.evaluate(f"window.trustmap.pagePosition('{target}')")
        page.mouse.move(a["x"], a["y"])
        page.mouse.down()
        page.mouse.move((a["x"] + b["x"]) / 2, (a["y"] + b["y"]) / 2, steps=4)
        page.mouse.move(b["x"], b["y"], steps=4)
        page.mouse.up()
        page.wait_for_function("n => window.trustmap.count('flow') > n", arg=n)
    page.get_by_test_id("tool-connect").click()
    page.wait_for_function("window.trustmap.pending() === 0", timeout=60_000)
    elapsed = time.perf_counter() - start
    model = m.ThreatModel.objects.get(team=team, name=name)
    stored = (m.Component.objects.filter(model=model).count(), m.DataFlow.objects.filter(model=model).count())
    if stored != (10, 9):
        raise RuntimeError(f"the first model was saved with {stored[0]} components and {stored[1]} flows, not 10 and 9")
    return elapsed
