"""Acceptance on the demo model: every family, attack paths, pillar scores, a plan that works."""

from __future__ import annotations

import json

import jsonschema

from assessments.engine import AssessmentResult, apply_step, assess, render_text, result_to_json, to_json_dict
from tests.engine.conftest import ROOT
from threatmodel.domain import Snapshot

FAMILIES = {"zero-trust", "least-privilege", "encryption", "segmentation-exposure"}


def test_findings_in_every_family(demo_result: AssessmentResult) -> None:
    families = {f.family for f in demo_result.findings if not f.mitigated}
    assert families >= FAMILIES


def test_expected_weaknesses_are_found(demo_result: AssessmentResult) -> None:
    ids = {f.id for f in demo_result.findings}
    assert "enc.plaintext-sensitive@fulfillment-to-orders-db@fulfillment@orders-db" in ids
    assert "lp.shared-identity@sa-notifications" in ids
    assert "lp.human-admin-without-mfa@role-shop-admin" in ids
    assert "zt.workload-outside-mesh@recommendation" in ids
    assert "enc.legacy-protocol@fulfillment-to-partner@fulfillment@shipping-partner" in ids
    assert "dp.pii-to-analytics@frontend-to-analytics@frontend@analytics" in ids
    assert any(f.rule == "lp.wildcard-grant" for f in demo_result.findings)


def test_backup_control_mitigates_and_costs_nothing(demo_result: AssessmentResult) -> None:
    finding = demo_result.finding("dp.no-backup@orders-db")
    assert finding is not None and finding.mitigated_by == ("c-orders-backup",)
    assert all(d.finding != finding.id for d in demo_result.scores.deductions)


def test_findings_are_few_per_element_and_sorted(demo_result: AssessmentResult) -> None:
    per_element: dict[str, int] = {}
    for f in demo_result.findings:
        per_element[f.elements[0]] = per_element.get(f.elements[0], 0) + 1
    assert max(per_element.values()) <= 6
    keys = [f.sort_key for f in demo_result.findings]
    assert keys == sorted(keys)
    assert len({f.id for f in demo_result.findings}) == len(demo_result.findings)


def test_attack_paths(demo_result: AssessmentResult) -> None:
    assert demo_result.attack_paths
    path = next(p for p in demo_result.attack_paths if p.target == "orders-db" and p.entry == "admin-console")
    assert path.hops == ("admin-console", "orders-db") and path.flows == ("admin-to-orders-db",)
    assert "customer-pii" in path.data_at_risk
    assert any(w.startswith("seg.tier-skipping@admin-to-orders-db") for w in path.weaknesses)


def test_blast_radius_for_every_component(demo: Snapshot, demo_result: AssessmentResult) -> None:
    radius = {b.component: b for b in demo_result.blast_radius}
    assert set(radius) == {c.id for c in demo.components}
    assert "card-data" in radius["checkout"].data_assets
    assert "orders-db" in radius["frontend"].components
    assert radius["orders-db"].reachable == 0


def test_score_breakdown_is_explainable(demo_result: AssessmentResult) -> None:
    scores = demo_result.scores
    assert 0 < scores.overall < 100
    assert {e.key for e in scores.principles} == {
        "zero-trust",
        "least-privilege",
        "encryption",
        "segmentation",
        "data-protection",
        "visibility",
    }
    assert {"identity", "networks", "data", "applications-and-workloads"} <= {e.key for e in scores.pillars}
    for entry in (*scores.principles, *scores.pillars):
        assert entry.stage in ("traditional", "initial", "advanced", "optimal")
        assert abs(100 - sum(d.points for d in entry.deductions) - entry.score) <= 0.051
    assert abs(100 - sum(d.points for d in scores.deductions) - scores.overall) <= 0.051
    open_ids = {f.id for f in demo_result.open_findings}
    assert {d.finding for d in scores.deductions} == open_ids


def test_first_plan_step_raises_the_score(demo: Snapshot, demo_result: AssessmentResult) -> None:
    assert demo_result.plan
    gains = [s.gain for s in demo_result.plan]
    assert gains == sorted(gains, reverse=True) and gains[0] > 0
    first = demo_result.plan[0]
    after = assess(apply_step(demo, first))
    assert after.scores.overall > demo_result.scores.overall
    assert abs(after.scores.overall - first.score_after) <= 0.05
    assert not set(first.findings) & {f.id for f in after.open_findings}


def test_plan_titles_name_the_group(demo_result: AssessmentResult) -> None:
    assert any("namespace" in s.title for s in demo_result.plan)
    for step in demo_result.plan:
        assert str(len(step.elements)) in step.title


def test_json_is_deterministic_and_valid(demo: Snapshot, demo_result: AssessmentResult) -> None:
    again = assess(demo)
    assert result_to_json(again) == result_to_json(demo_result)
    document = to_json_dict(demo_result)
    for key in ("findings", "attack_paths", "scores", "plan", "blast_radius", "model", "rules"):
        assert key in document
    for finding in document["findings"]:
        assert {"id", "rule", "severity", "elements", "evidence", "remediation"} <= set(finding)
    schema = json.loads((ROOT / "docs" / "schema" / "assessment.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(json.loads(result_to_json(demo_result)))
    assert "elapsed" not in result_to_json(demo_result)


def test_render_text(demo_result: AssessmentResult) -> None:
    text = render_text(demo_result)
    assert "Posture score" in text and "Attack paths" in text and "Remediation plan" in text
    assert demo_result.findings[0].id in text


def test_every_fix_action_applies_to_its_findings() -> None:
    """Each rule's fix, applied to the elements of its positive test case, removes the open finding."""
    from assessments.engine import Engine
    from assessments.engine.fixes import resolve_fix
    from catalog.packs.loader import load_rule_catalog
    from tests.engine.test_rules import CASES

    catalog = load_rule_catalog()
    for case in CASES:
        meta = catalog[case.rule]
        if meta.fix is None:
            continue
        engine = Engine(rules=[case.rule], plan=False)
        snapshot = case.positive()
        before = [f for f in engine.evaluate(snapshot).findings if f.rule == case.rule and not f.mitigated]
        transform = resolve_fix(meta.fix.action)
        assert transform is not None
        after = engine.evaluate(transform(snapshot, tuple(sorted({f.elements[0] for f in before}))))
        remaining = [f for f in after.findings if f.rule == case.rule and not f.mitigated]
        assert len(remaining) < len(before), case.rule
