"""The findings page of a stored assessment: the numbers it shows, its filters (GET parameters), sorting, pages of
50, the detail of a finding, and the bulk triage form (selected rows or every finding matching the filter).
Expected values are computed here from the run's stored result and the model's snapshot, not from the page's
own selectors."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from assessments.models import AssessmentRun, FindingTriage
from assessments.selectors import run_counts
from assessments.services import runs
from assessments.services.triage import finding_triage_set
from threatmodel import models as m
from threatmodel.choices import AuditAction
from threatmodel.selectors import snapshot_of_model

pytestmark = pytest.mark.django_db


def _run(model: Any, user: Any, capture: Any) -> AssessmentRun:
    with capture(execute=True):
        run = runs.assessment_run_start(model=model, user=user)
    run = AssessmentRun.objects.get(pk=run.pk)
    assert run.status == "succeeded", run.error
    return run


def _page(client: Client, model: Any, **params: Any) -> str:
    response = client.get(f"/models/{model.pk}/findings/", params)
    assert response.status_code == 200
    return response.content.decode()


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr data-finding="([^"]+)"', page)


def _matching(page: str) -> int:
    found = re.search(r'id="findings-count"[^>]*data-matching="(\d+)"', page)
    assert found, "no match count"
    return int(found.group(1))


def _stored(page: str, name: str) -> int:
    found = re.search(rf'data-count="{name}">(\d+) ', page)
    assert found, name
    return int(found.group(1))


@pytest.fixture
def stored(team_setup: Any, django_capture_on_commit_callbacks: Any) -> Any:
    from types import SimpleNamespace

    run = _run(team_setup.model, team_setup.owner, django_capture_on_commit_callbacks)
    browser = Client()
    browser.force_login(team_setup.editor)
    findings = {f["id"]: f for f in run.result["findings"]}
    return SimpleNamespace(run=run, findings=findings, browser=browser, model=team_setup.model, setup=team_setup)


def test_counts_pages_and_columns(stored: Any) -> None:
    page = _page(stored.browser, stored.model)
    total = len(stored.findings)
    assert total > 50  # the demo's findings take two pages
    counts = run_counts(run=stored.run)
    assert _stored(page, "findings") == counts["findings"] == total
    assert _stored(page, "open") == counts["totals"]["open"]
    assert _matching(page) == total and f"{total} findings match; 1–50 shown." in page
    first = _rows(page)
    assert len(first) == 50 and 'data-testid="pager"' in page and "Page 1 of 2" in page
    second = _rows(_page(stored.browser, stored.model, page=2))
    assert len(second) == total - 50 and not set(first) & set(second)
    assert set(first) | set(second) == set(stored.findings)
    # the result's order (worst first) by default; STRIDE and CWE columns
    assert first == [f["id"] for f in stored.run.result["findings"]][:50]
    for bucket in ("open", "accepted", "mitigated", "false_positive"):  # the Status filter agrees with the counts
        assert _matching(_page(stored.browser, stored.model, bucket=bucket)) == counts["totals"][bucket], bucket
    one = stored.findings[first[0]]
    assert f'<td class="small">{one["stride"]}</td>' in page and f'<td class="small">{one["cwe"]}</td>' in page


def test_filters_select_what_they_say(stored: Any) -> None:
    findings = list(stored.findings.values())
    cases: list[tuple[dict[str, Any], set[str]]] = [
        ({"severity": "high"}, {f["id"] for f in findings if f["severity"] == "high"}),
        ({"stride": "spoofing"}, {f["id"] for f in findings if f["stride"] == "spoofing"}),
        ({"family": "encryption"}, {f["id"] for f in findings if f["family"] == "encryption"}),
        ({"rule": findings[0]["rule"]}, {f["id"] for f in findings if f["rule"] == findings[0]["rule"]}),
        ({"cwe": "CWE-319"}, {f["id"] for f in findings if f["cwe"] == "CWE-319"}),
        ({"element": "orders-db"}, {f["id"] for f in findings if "orders-db" in f["elements"]}),
        (
            {"severity": "high", "stride": "spoofing"},
            {f["id"] for f in findings if (f["severity"], f["stride"]) == ("high", "spoofing")},
        ),
    ]
    # the form's "any" choices come as empty values
    empty = {"bucket": "", "rule": "", "family": "", "stride": "", "cwe": "", "boundary": "", "new_since": "", "q": ""}
    cases.append(({"severity": "high", **empty}, cases[0][1]))
    for params, expected in cases:
        assert expected, params
        page = _page(stored.browser, stored.model, **params)
        shown = set(_rows(page))
        assert _matching(page) == len(expected), params
        assert shown == expected if len(expected) <= 50 else shown < expected, params


def test_boundary_filter_takes_nested_boundaries(stored: Any) -> None:
    snapshot = snapshot_of_model(model=stored.model)
    inside = {c.id for c in snapshot.components if "eks" in snapshot.boundary_chain(c.boundary)}
    inside |= {f.id for f in snapshot.flows if f.source in inside or f.target in inside}
    inside |= {b.id for b in snapshot.boundaries if "eks" in snapshot.boundary_chain(b.id)}
    expected = {f["id"] for f in stored.findings.values() if set(f["elements"]) & inside}
    page = _page(stored.browser, stored.model, boundary="eks")
    assert 0 < _matching(page) == len(expected) < len(stored.findings)
    namespace = _page(stored.browser, stored.model, boundary="ns-checkout")
    assert 0 < _matching(namespace) < _matching(page)  # a namespace inside the cluster has fewer


def test_sorting_and_invalid_filters(stored: Any) -> None:
    page = _page(stored.browser, stored.model, sort="rule", severity="medium")
    shown = [stored.findings[f]["rule"] for f in _rows(page)]
    assert shown == sorted(shown) and len(set(shown)) > 1
    page = _page(stored.browser, stored.model, sort="-rule", severity="medium")
    assert [stored.findings[f]["rule"] for f in _rows(page)] == sorted(shown, reverse=True)
    assert 'aria-sort="descending"' in page
    page = _page(stored.browser, stored.model, sort="element", severity="medium")
    primaries = [stored.findings[f]["elements"][0] for f in _rows(page)]
    assert primaries == sorted(primaries)
    bad = _page(stored.browser, stored.model, severity="catastrophic", new_since="x")
    assert 'data-testid="filter-errors"' in bad and "severity" in bad and "new_since" in bad
    assert _matching(bad) == len(stored.findings)


def test_new_since_a_revision(stored: Any, django_capture_on_commit_callbacks: Any) -> None:
    from threatmodel import services
    from threatmodel.changes import ElementChange

    model = stored.model
    services.changeset_apply(
        model=model,
        user=stored.setup.owner,
        base_revision=model.revision,
        changes=[
            ElementChange(
                "create",
                "flow",
                "cart-to-orders-plain",
                {"source": "cart", "target": "orders-db", "protocol": "tcp", "encryption": "none"},
            )
        ],
    )
    model.refresh_from_db()
    assert f"(revision {model.revision} is being assessed" in _page(stored.browser, model)
    second = _run(model, stored.setup.owner, django_capture_on_commit_callbacks)
    new = {f["id"] for f in second.result["findings"]} - set(stored.findings)
    assert new and second.revision == stored.run.revision + 1
    page = _page(stored.browser, model, new_since=stored.run.revision)
    assert set(_rows(page)) == new and _matching(page) == len(new)
    assert _matching(_page(stored.browser, model, new_since=second.revision)) == 0
    assert f"r{stored.run.revision}</td>" in _page(stored.browser, model, sort="first_seen")


def test_bulk_triage_of_everything_matching_the_filter(stored: Any) -> None:
    model, run = stored.model, stored.run
    high_open = [f for f, item in stored.findings.items() if item["severity"] == "high" and not item["mitigated"]]
    assert len(high_open) > 3
    before = run_counts(run=run)
    response = stored.browser.post(
        f"/models/{model.pk}/findings/triage/",
        {
            "scope": "matching",
            "filter": "severity=high&bucket=open",
            "status": "accepted",
            "justification": "Compensated by the WAF",
            "owner": stored.setup.owner.pk,
            "expires_at": "2031-06-30",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("?severity=high&bucket=open")
    decided = FindingTriage.objects.filter(model=model, status="accepted")
    assert {t.fingerprint for t in decided} == set(high_open)
    assert all(t.owner_id == stored.setup.owner.pk and t.expires_at.year == 2031 for t in decided)
    page = _page(stored.browser, model)
    assert f"{len(high_open)} findings marked accepted risk." in page
    assert _stored(page, "accepted") == len(high_open)
    assert _stored(page, "open") == before["totals"]["open"] - len(high_open)
    assert _matching(_page(stored.browser, model, severity="high", bucket="open")) == 0
    audit = m.AuditEvent.objects.filter(team=model.team, action=AuditAction.TRIAGE_DECIDED)
    assert audit.count() == len(high_open) and {e.actor_id for e in audit} == {stored.setup.editor.pk}
    # the detail row of a decided finding: evidence, remediation and its triage history
    page = _page(stored.browser, model, severity="high")
    item = stored.findings[high_open[0]]
    assert item["remediation"] in page.replace("&#x27;", "'")
    assert (
        "Triage history." in page and "open → accepted — Compensated by the WAF (owner owner), until 2031-06-30" in page
    )


def test_bulk_triage_of_selected_rows_and_refusals(stored: Any) -> None:
    model = stored.model
    chosen = list(stored.findings)[:3]
    url = f"/models/{model.pk}/findings/triage/"
    response = stored.browser.post(
        url, {"scope": "selected", "fingerprint": chosen, "status": "false_positive", "justification": "test data"}
    )
    assert response.status_code == 302
    assert set(FindingTriage.objects.filter(model=model).values_list("fingerprint", flat=True)) == set(chosen)
    # refused: no reason for an acceptance, an unknown fingerprint, a viewer, an owner outside the team
    refusals = [
        {"scope": "selected", "fingerprint": chosen[:1], "status": "accepted"},
        {"scope": "selected", "fingerprint": ["nope@x"], "status": "mitigated"},
        {
            "scope": "selected",
            "fingerprint": chosen[:1],
            "status": "accepted",
            "justification": "x",
            "owner": stored.setup.outsider.pk,
        },
    ]
    for data in refusals:
        stored.browser.post(url, data)
        page = _page(stored.browser, model)
        assert "Triage not saved" in page, data
    viewer = Client()
    viewer.force_login(stored.setup.viewer)
    assert viewer.post(url, {"scope": "matching", "filter": "", "status": "mitigated"}).status_code == 404
    assert FindingTriage.objects.filter(model=model).count() == 3
    assert 'id="bulk-triage"' not in _page(viewer, model) and 'id="bulk-triage"' in _page(stored.browser, model)
    # reopen the three
    stored.browser.post(url, {"scope": "selected", "fingerprint": chosen, "status": "open"})
    assert set(FindingTriage.objects.filter(model=model).values_list("status", flat=True)) == {"open"}


def test_an_expired_acceptance_is_open_again_and_says_so(stored: Any) -> None:
    model = stored.model
    fingerprint = next(f for f, item in stored.findings.items() if not item["mitigated"])
    finding_triage_set(
        model=model,
        fingerprint=fingerprint,
        status="accepted",
        user=stored.setup.owner,
        justification="until the migration",
        expires_at=timezone.now() + timezone.timedelta(days=1),
    )
    page = _page(stored.browser, model, bucket="accepted")
    assert _rows(page) == [fingerprint] and _stored(page, "accepted") == 1
    # a day later (the expiry, and the stored counts' validity that ends with it, are moved back instead)
    past = timezone.now() - timezone.timedelta(hours=1)
    FindingTriage.objects.filter(model=model).update(expires_at=past)
    AssessmentRun.objects.filter(model=model, triage_counts_until__isnull=False).update(triage_counts_until=past)
    page = _page(stored.browser, model, q=fingerprint)
    assert _rows(page) == [fingerprint] and 'data-testid="expired"' in page and "open again" in page
    assert _stored(page, "accepted") == 0
    assert _matching(_page(stored.browser, model, bucket="accepted")) == 0
    assert fingerprint in _rows(_page(stored.browser, model, bucket="open", q=fingerprint))


def test_no_stored_assessment_yet(team_setup: Any) -> None:
    browser = Client()
    browser.force_login(team_setup.viewer)
    page = _page(browser, team_setup.model)
    assert 'data-testid="findings-empty"' in page and "findings-table" not in page
