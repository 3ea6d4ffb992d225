"""Fixtures of the report tests: the demo model and its assessment by the engine, triage decisions, history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assessments.engine import assess
from assessments.engine.results import AssessmentResult
from assessments.reporting.model import HistoryPoint, ReportInputs, TriageDecision, build_report_model
from threatmodel.domain import Snapshot
from threatmodel.interchange.native import read_model

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "threatmodel" / "demo" / "online-shop.yaml"
HOSTILE = '<img src="http://127.0.0.1:9/x">'
FIXED_NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def triage_for(result: AssessmentResult) -> list[TriageDecision]:
    open_ids = [f.id for f in result.findings if not f.mitigated]
    decisions = []
    if open_ids:
        decisions.append(
            TriageDecision(
                open_ids[-1],
                "accepted",
                "Compensated by the WAF until the Q1 rewrite.",
                "alice",
                FIXED_NOW - timedelta(days=3),
                FIXED_NOW + timedelta(days=90),
            )
        )
    if len(open_ids) > 1:
        decisions.append(
            TriageDecision(
                open_ids[-2],
                "accepted",
                "Legacy partner integration, contract ends soon.",
                "bob",
                FIXED_NOW - timedelta(days=200),
                FIXED_NOW - timedelta(days=10),
            )
        )
    if len(open_ids) > 2:
        decisions.append(TriageDecision(open_ids[-3], "false_positive", "The flow is internal to the pod.", "carol"))
    return decisions


HISTORY = (
    HistoryPoint(1, 41.0, FIXED_NOW - timedelta(days=30)),
    HistoryPoint(3, 47.5, FIXED_NOW - timedelta(days=20)),
    HistoryPoint(4, 46.0, FIXED_NOW - timedelta(days=12)),
    HistoryPoint(6, 55.2, FIXED_NOW),
)


@pytest.fixture(scope="session")
def demo_snapshot() -> Snapshot:
    return read_model(DEMO.read_text(encoding="utf-8"), DEMO.name)


@pytest.fixture(scope="session")
def demo_result(demo_snapshot: Snapshot) -> AssessmentResult:
    return assess(demo_snapshot)


@pytest.fixture(scope="session")
def demo_report(demo_snapshot: Snapshot, demo_result: AssessmentResult):
    return build_report_model(
        ReportInputs(
            demo_snapshot,
            demo_result,
            triage=triage_for(demo_result),
            history=HISTORY,
            author="Alice Reviewer",
            generated_at=FIXED_NOW,
        )
    )


def hostile_snapshot(snapshot: Snapshot) -> Snapshot:
    """The demo model where the model, a boundary, a component and a flow carry markup in their names."""
    from dataclasses import replace

    comps = [replace(c, name=HOSTILE, technology=HOSTILE) if i < 3 else c for i, c in enumerate(snapshot.components)]
    flows = [replace(f, name=HOSTILE, protocol="http") if i < 2 else f for i, f in enumerate(snapshot.flows)]
    bounds = [replace(b, name=HOSTILE) if i == 0 else b for i, b in enumerate(snapshot.boundaries)]
    info = replace(snapshot.info, name=f"Shop {HOSTILE}", description=f"<script>alert(1)</script>{HOSTILE}")
    return Snapshot.build(
        info,
        revision=snapshot.revision,
        data_assets=snapshot.data_assets,
        boundaries=bounds,
        identities=snapshot.identities,
        components=comps,
        flows=flows,
        grants=snapshot.grants,
        controls=snapshot.controls,
    )


#: A small model whose names carry markup (model, boundary, components, flow, data asset).
HOSTILE_YAML = """\
trustmap: 1
model:
  name: 'Tiny <img src="http://127.0.0.1:9/x"> shop'
  description: '<script>alert(1)</script><link rel="stylesheet" href="http://127.0.0.1:9/s.css">'
boundaries:
  - {id: internet, name: Internet, kind: internet, trust_level: untrusted}
  - {id: zone, name: '<img src="http://127.0.0.1:9/x">', kind: network-zone, trust_level: high}
data_assets:
  - {id: pii, name: '<img src="http://127.0.0.1:9/x">', classification: confidential, pii: true}
components:
  - {id: user, name: Customer, kind: human-user, boundary: internet}
  - {id: web, name: '<img src="http://127.0.0.1:9/x">', kind: web-frontend, boundary: zone, internet_facing: true,
     technology: '<style>@import url(http://127.0.0.1:9/i.css)</style>', data_processed: [pii]}
  - {id: db, name: 'DB "quoted" \\\\ back & <b>bold</b>', kind: datastore, boundary: zone, data_stored: [pii]}
flows:
  - {id: f1, name: '<img src="http://127.0.0.1:9/x">', source: user, target: web, protocol: http, encryption: none,
     data_assets: [pii]}
  - {id: f2, name: query, source: web, target: db, protocol: postgresql, encryption: none, data_assets: [pii]}
"""


def hostile_small() -> Snapshot:
    return read_model(HOSTILE_YAML, "hostile.yaml")
