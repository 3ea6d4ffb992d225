"""Findings page figures (headless Debian Chromium against gunicorn on loopback, as in bench_editor). Not in the
quick set: the set-up alone (migrations, a 5,000-finding assessment, a browser) takes about 35 s.

* ``findings_page_5000_s``: a stored assessment with at least 5,000 findings (a generated 1,050-component /
  2,650-flow model, seed 7, assessed by the real run path), 200 of them triaged; from navigation start to the
  first page (50 rows) being interactive: the page's module has run (``findingsReadyAt``, since navigation
  start). Median of 5. Target <= 1.5 s. The benchmark fails unless the page says it lists every
  finding and shows 50 rows. Parts: ``_server`` (time to the response's first byte) and ``_transfer`` (bytes).
* ``findings_page_5000_filtered_s``: the same with a filter and a sort (``severity=high&bucket=open&sort=rule``,
  page 3).
* ``findings_triage_5000_s``: one bulk decision (``POST .../findings/triage/`` with the empty filter: every
  finding) by the API, until it answers with the new counts.
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

COMPONENTS, FLOWS = 1_050, 2_650
MIN_FINDINGS = 5_000


def run(quick: bool) -> None:
    if quick:  # about 35 s on the 2-core reference machine (migrations, a 5,000-finding assessment, a browser)
        print("bench_findings: not in the quick set (about 35 s); run --only bench_findings", file=sys.stderr)
        return
    if not Path(CHROMIUM).exists():
        print("bench_findings: chromium is not installed; skipped", file=sys.stderr)
        return
    run_child("bench_findings", quick, extra_env={"DJANGO_ALLOW_ASYNC_UNSAFE": "true"})


def _seed() -> tuple[Any, Any, Any]:
    """A user, their model and its stored assessment with at least ``MIN_FINDINGS`` findings, 200 triaged."""
    from django.contrib.auth import get_user_model

    from assessments.models import AssessmentRun, RunFinding
    from assessments.selectors import latest_successful_run
    from assessments.services import runs
    from assessments.services.triage import finding_triage_set_many
    from testkit.synthetic import generate_snapshot
    from threatmodel import services

    user = get_user_model().objects.create_user("bench-findings")
    team = services.team_create(name="Bench findings", owner=user)
    model = services.model_create(team=team, snapshot=generate_snapshot(COMPONENTS, FLOWS, seed=7), user=user)
    run = latest_successful_run(model_id=model.pk)  # the revision's own assessment (inline runner)
    if run is None:
        runs.assessment_run_start(model=model, user=user)
        run = latest_successful_run(model_id=model.pk)
    if run is None:
        raise RuntimeError("the model was not assessed")
    fingerprints = list(RunFinding.objects.filter(run=run).order_by("ordinal").values_list("fingerprint", flat=True))
    if len(fingerprints) < MIN_FINDINGS:
        raise RuntimeError(f"the run has {len(fingerprints)} findings, not {MIN_FINDINGS}")
    finding_triage_set_many(
        model=model, fingerprints=fingerprints[::25][:200], status="accepted", user=user, justification="bench"
    )
    return user, model, AssessmentRun.objects.defer("result").get(pk=run.pk)


def child(quick: bool) -> None:
    begun = time.perf_counter()
    django_ready()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from playwright.sync_api import sync_playwright

    from assessments.models import RunFinding
    from testkit.servers import start_gunicorn, stop

    started = time.perf_counter()
    user, model, run = _seed()
    total = RunFinding.objects.filter(run=run).count()
    print(f"# bench_findings: {total} findings stored in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    call_command("collectstatic", interactive=False, verbosity=0)
    server, base = start_gunicorn(dict(os.environ), workers=2, timeout=60)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1440, "height": 900}, bypass_csp=True)
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])
            page = context.new_page()
            url = f"{base}/models/{model.pk}/findings/"
            _open(page, url)  # warm-up (server caches, static files): not measured
            samples = 5
            opens, ttfb, transfer = [], [], []
            for _ in range(samples):
                seconds, nav = _open(page, url)
                matching = int(page.locator("#findings-count").get_attribute("data-matching") or -1)
                rows = page.locator("#findings-body > tr").count()
                if matching != total or rows != 50:
                    raise RuntimeError(f"the page lists {matching} of {total} findings in {rows} rows")
                opens.append(seconds)
                ttfb.append(nav[0] / 1000)
                transfer.append(nav[1] / 1024)
            report("findings_page_5000_s", statistics.median(opens), "s")
            report("findings_page_5000_server", statistics.median(ttfb), "s")
            report("findings_page_5000_transfer", statistics.median(transfer), "KiB")
            filtered = [_open(page, url + "?severity=high&bucket=open&sort=rule&page=3")[0] for _ in range(samples)]
            if page.locator("#findings-body > tr").count() == 0:
                raise RuntimeError("the filtered page is empty")
            report("findings_page_5000_filtered_s", statistics.median(filtered), "s")
            browser.close()
        api = Client()
        api.force_login(user)
        started = time.perf_counter()
        response = api.post(
            f"/api/v1/models/{model.pk}/findings/triage/",
            {"filter": {}, "status": "mitigated"},
            content_type="application/json",
        )
        seconds = time.perf_counter() - started
        if response.status_code != 200 or response.json()["counts"]["totals"]["mitigated"] != total:
            raise RuntimeError(f"the bulk decision answered {response.status_code}: {response.content[:300]!r}")
        report("findings_triage_5000_s", seconds, "s")
    finally:
        stop(server, timeout=15)
        print(f"# bench_findings: stopped at {time.perf_counter() - begun:.1f} s", file=sys.stderr)


def _open(page: Any, url: str) -> tuple[float, list[float]]:
    """Navigate and wait for the page's module; returns seconds from navigation start to interactive, and the
    navigation's time to first byte (ms) and transfer size (bytes)."""
    page.goto(url, wait_until="commit")
    page.wait_for_function("document.body && document.body.dataset.findingsReady === '1'", timeout=60_000)
    ready = float(page.evaluate("parseFloat(document.body.dataset.findingsReadyAt)")) / 1000
    nav = page.evaluate(
        "(() => { var n = performance.getEntriesByType('navigation')[0]; return [n.responseStart, n.transferSize]; })()"
    )
    return ready, [float(nav[0]), float(nav[1])]
