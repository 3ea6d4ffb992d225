"""Manual threats in the engine: findings, severity, triage-state mapping, score, incremental = full."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assessments.engine import Engine, assess
from assessments.engine.codec import result_from_json, to_json_dict
from assessments.engine.manual import manual_findings, threat_finding
from threatmodel.domain import Snapshot, Threat
from threatmodel.vocabulary import Impact, Likelihood, ThreatCategory, ThreatStatus


def _threat(target: str, tid: str = "t1", **kw: object) -> Threat:
    return Threat(id=tid, target=target, title=f"Threat {tid}", **kw)  # type: ignore[arg-type]


def test_statuses_map_to_findings_and_states(demo: Snapshot) -> None:
    web = demo.components[0].id
    threats = [
        _threat(web, "a", status=ThreatStatus.OPEN),
        _threat(web, "b", status=ThreatStatus.ACCEPTED, category=ThreatCategory.LINKING),
        _threat(web, "c", status=ThreatStatus.MITIGATED),
        _threat(web, "d", status=ThreatStatus.FALSE_POSITIVE),
        _threat(web, "e", status=ThreatStatus.NOT_APPLICABLE),
    ]
    found = {f.id: f for f in manual_findings(demo.with_elements("threats", threats))}
    assert set(found) == {"manual.threat@a", "manual.threat@b", "manual.threat@c"}
    assert not found["manual.threat@a"].mitigated and not found["manual.threat@b"].mitigated
    assert found["manual.threat@c"].mitigated_by == ("c",)
    assert found["manual.threat@a"].stride == "tampering" and found["manual.threat@b"].stride == ""
    assert dict(found["manual.threat@b"].evidence)["category"] == "LINDDUN: Linking"
    assert found["manual.threat@a"].elements == (web,)


@pytest.mark.parametrize(
    ("likelihood", "impact", "severity"),
    [
        (Likelihood.UNLIKELY, Impact.LOW, "info"),
        (Likelihood.LIKELY, Impact.LOW, "low"),
        (Likelihood.LIKELY, Impact.MEDIUM, "medium"),
        (Likelihood.LIKELY, Impact.HIGH, "high"),
        (Likelihood.FREQUENT, Impact.HIGH, "critical"),
    ],
)
def test_severity_is_likelihood_times_impact(likelihood: Likelihood, impact: Impact, severity: str) -> None:
    assert threat_finding(_threat("web", likelihood=likelihood, impact=impact)).severity == severity


def test_fingerprint_is_stable_across_edits_of_everything_but_the_id(demo: Snapshot) -> None:
    first = threat_finding(_threat(demo.components[0].id))
    moved = threat_finding(_threat(demo.components[1].id, impact=Impact.VERY_HIGH))
    assert first.id == moved.id == "manual.threat@t1"


def test_an_open_threat_deducts_like_a_rule_finding_and_more_severe_deducts_more(demo: Snapshot) -> None:
    target = demo.components[0].id
    base = assess(demo, workers=1).scores.overall
    scores = []
    for likelihood, impact in ((Likelihood.UNLIKELY, Impact.LOW), (Likelihood.LIKELY, Impact.HIGH)):
        snapshot = demo.with_elements("threats", [_threat(target, likelihood=likelihood, impact=impact)])
        result = assess(snapshot, workers=1)
        assert "manual.threat@t1" in {d.finding for d in result.scores.deductions}
        assert result.stats["by_severity"][result.finding("manual.threat@t1").severity] >= 1  # type: ignore[union-attr]
        scores.append(result.scores.overall)
    assert base >= scores[0] > scores[1]  # an info threat weighs 1 point of a large total: it may round away
    mitigated = demo.with_elements("threats", [_threat(target, status=ThreatStatus.MITIGATED)])
    assert assess(mitigated, workers=1).scores.overall == base


def test_a_model_without_threats_has_no_manual_rule_anywhere(demo: Snapshot) -> None:
    document = to_json_dict(assess(demo, workers=1))
    assert "manual.threat" not in repr(document)
    assert [r["id"] for r in document["rules"]] == sorted(r["id"] for r in document["rules"])
    assert {f["rule"] for f in document["findings"]} <= {r["id"] for r in document["rules"]}


def test_incremental_and_parallel_agree_with_a_full_assessment(demo: Snapshot) -> None:
    target = demo.components[0].id
    engine = Engine(workers=1)
    state = engine.evaluate(demo)
    one = demo.with_elements("threats", [_threat(target, impact=Impact.VERY_HIGH)])
    edited = replace(one, threats=(replace(one.threats[0], status=ThreatStatus.ACCEPTED, title="Renamed"),))
    for snapshot in (one, edited, demo):
        state = engine.reassess(state, snapshot)
        full = assess(snapshot, workers=1)
        assert engine.result(state).scores == full.scores
        assert engine.result(state).findings == full.findings
        assert state.findings == full.findings
    parallel = assess(one, workers=2, min_parallel_elements=1)
    assert parallel.scores == assess(one, workers=1).scores
    assert result_from_json(to_json_dict(parallel)).findings == parallel.findings
