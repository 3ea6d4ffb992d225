"""The assessment JSON codec (engine/codec.py): decoding what the encoder wrote gives the result back."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.engine import AssessmentResult
from assessments.engine.codec import result_from_json, to_json_dict
from assessments.engine.results import (
    AttackPath,
    BlastRadius,
    Deduction,
    Finding,
    PlanStep,
    RuleOutcome,
    ScoreBreakdown,
    ScoreEntry,
)
from threatmodel import vocabulary as v

IDS = st.text(alphabet="abcdefghij-.@", min_size=1, max_size=12)
TEXT = st.text(max_size=20)
ID_TUPLES = st.lists(IDS, max_size=4).map(tuple)
COUNTS = st.integers(min_value=0, max_value=10_000)


def _decimals(places: int, top: int = 100) -> st.SearchStrategy[float]:
    """Floats with at most ``places`` decimals: what the encoder keeps of them."""
    return st.integers(min_value=0, max_value=top * 10**places).map(lambda n: n / 10**places)


EVIDENCE_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**9), max_value=10**9), _decimals(4, 10**6), TEXT, ID_TUPLES
)
EVIDENCE = st.dictionaries(st.text(alphabet="abcdefgh_", min_size=1, max_size=8), EVIDENCE_VALUES, max_size=4).map(
    lambda d: tuple(d.items())
)
FINDINGS = st.builds(
    Finding,
    id=IDS,
    rule=IDS,
    title=st.text(min_size=1, max_size=20),  # the decoder names an untitled finding after its rule
    severity=st.sampled_from(v.SEVERITIES),
    likelihood=st.sampled_from(v.LIKELIHOODS),
    impact=st.sampled_from(v.IMPACTS),
    principle=st.sampled_from(list(v.PRINCIPLES)),
    pillar=st.sampled_from(list(v.PILLARS)),
    function=TEXT,
    stride=st.sampled_from(v.STRIDE_CATEGORIES),
    cwe=TEXT,
    elements=ID_TUPLES,
    evidence=EVIDENCE,
    remediation=TEXT,
    mitigated_by=ID_TUPLES,
    asvs=TEXT,
    tenet=st.integers(min_value=0, max_value=7),
    family=TEXT,
)
DEDUCTIONS = st.builds(Deduction, finding=IDS, rule=IDS, elements=ID_TUPLES, points=_decimals(3))
ENTRIES = st.builds(
    ScoreEntry,
    key=IDS,
    name=TEXT,
    score=_decimals(1),
    stage=st.sampled_from(v.MATURITY_STAGES),
    applicable=COUNTS,
    failed=COUNTS,
    deductions=st.lists(DEDUCTIONS, max_size=3).map(tuple),
)
OUTCOMES = st.builds(
    RuleOutcome,
    rule=IDS,
    title=TEXT,
    family=TEXT,
    principle=st.sampled_from(list(v.PRINCIPLES)),
    pillar=st.sampled_from(list(v.PILLARS)),
    severity=st.sampled_from(v.SEVERITIES),
    weight=_decimals(1, 20),
    applicable=COUNTS,
    failed=COUNTS,
    mitigated=COUNTS,
    folded=COUNTS,
)
PATHS = st.builds(
    AttackPath,
    id=IDS,
    entry=IDS,
    target=IDS,
    hops=ID_TUPLES,
    flows=ID_TUPLES,
    cost=_decimals(3, 1000),
    data_at_risk=ID_TUPLES,
    weaknesses=ID_TUPLES,
    rank=st.integers(min_value=1, max_value=5),
)
RADIUS = st.builds(
    BlastRadius, component=IDS, data_assets=ID_TUPLES, components=ID_TUPLES, reachable=COUNTS, truncated=st.booleans()
)
STEPS = st.builds(
    PlanStep,
    id=IDS,
    title=TEXT,
    rule=IDS,
    action=IDS,
    elements=ID_TUPLES,
    findings=ID_TUPLES,
    score_before=_decimals(2),
    score_after=_decimals(2),
    gain=_decimals(3),
    group=TEXT,
)


@st.composite
def results(draw: Any) -> AssessmentResult:
    outcomes = tuple(draw(st.lists(OUTCOMES, max_size=4)))
    entries = st.lists(ENTRIES, max_size=3).map(tuple)
    scores = ScoreBreakdown(
        overall=draw(_decimals(1)),
        stage=draw(st.sampled_from(v.MATURITY_STAGES)),
        principles=draw(entries),
        pillars=draw(entries),
        rules=outcomes,
        deductions=tuple(draw(st.lists(DEDUCTIONS, max_size=4))),
    )
    return AssessmentResult(
        model=draw(TEXT),
        revision=draw(COUNTS),
        findings=tuple(draw(st.lists(FINDINGS, max_size=5))),
        attack_paths=tuple(draw(st.lists(PATHS, max_size=3))),
        blast_radius=tuple(draw(st.lists(RADIUS, max_size=3))),
        scores=scores,
        plan=tuple(draw(st.lists(STEPS, max_size=3))),
        rules_run=tuple(o.rule for o in outcomes),  # what a stored document says: the rules with an outcome
    )


def _stored(result: AssessmentResult) -> dict[str, Any]:
    """The document through JSON text. (A store that sorts object keys, like PostgreSQL's jsonb, also sorts the
    evidence of each finding: a finding's evidence is a JSON object.)"""
    return json.loads(json.dumps(to_json_dict(result)))  # type: ignore[no-any-return]


@settings(max_examples=150, deadline=None, report_multiple_bugs=False)
@given(results())
def test_decoding_the_encoded_result_gives_it_back(result: AssessmentResult) -> None:
    assert result_from_json(_stored(result)) == result


@settings(max_examples=100, deadline=None)
@given(results(), st.floats(min_value=0, max_value=1000, allow_nan=False))
def test_encoding_is_a_fixed_point_after_one_round_trip(result: AssessmentResult, cost: float) -> None:
    """Values the encoder rounds (costs, points, evidence floats) come back rounded, and stay so."""
    from dataclasses import replace

    rough = replace(result, attack_paths=tuple(replace(p, cost=cost) for p in result.attack_paths))
    document = _stored(rough)
    assert _stored(result_from_json(document)) == document


def test_the_demo_result_round_trips(demo_result: AssessmentResult) -> None:
    document = _stored(demo_result)
    again = result_from_json(document)
    assert _stored(again) == document
    assert again.findings == demo_result.findings and again.scores.rules == demo_result.scores.rules


def test_the_decoder_reads_older_and_newer_documents() -> None:
    """Keys the result types do not know are ignored; fields a document lacks keep their defaults."""
    document = {
        "format": 1,
        "model": {"name": "m", "revision": 3},
        "findings": [{"id": "r@a", "rule": "r", "severity": "low", "likelihood": "likely", "impact": "low",
                      "principle": "visibility", "pillar": "data", "function": "", "stride": "", "cwe": "",
                      "elements": ["a"], "evidence": {"x": [1, 2]}, "remediation": "", "future_field": 1}],
        "scores": {"overall": 90.0, "stage": "advanced", "principles": [], "pillars": []},
    }  # fmt: skip
    result = result_from_json(document)
    finding = result.findings[0]
    assert finding.title == "r" and finding.asvs == "" and finding.tenet == 0 and finding.mitigated_by == ()
    assert finding.evidence == (("x", ("1", "2")),)
    assert result.revision == 3 and result.scores.rules == () and result.plan == () and result.rules_run == ()
