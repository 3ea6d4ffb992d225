"""The score model's rules of thumb and the engine semantics fixed with it (issue 15, items 1-5)."""

from __future__ import annotations

from pathlib import Path

from assessments.engine import assess
from assessments.engine.scoring import GRADE_THRESHOLDS, SEVERITY_CAPS, grade_for, stage_for
from tests.engine.builders import K, ext, fl, model, store, svc
from threatmodel.domain import Control
from threatmodel.interchange.native import read_model
from threatmodel.vocabulary import GRADE_STAGE, Authentication, Authorization, Encryption

CALIBRATION = Path(__file__).resolve().parents[1] / "data" / "calibration"


def _by_rule(snapshot, rule):  # type: ignore[no-untyped-def]
    return [f for f in assess(snapshot, workers=1).findings if f.rule == rule]


def test_grade_and_stage_agree_everywhere() -> None:
    for score in [x / 10 for x in range(0, 1001, 7)]:
        assert stage_for(score) == GRADE_STAGE[grade_for(score)]
    assert [g for g, _ in GRADE_THRESHOLDS] == ["A", "B", "C", "D", "F"]
    demo = Path(__file__).resolve().parents[2] / "threatmodel" / "demo" / "online-shop.yaml"
    scores = assess(read_model(demo.read_bytes(), demo.name), workers=1).scores
    for entry in (*scores.principles, *scores.pillars):
        assert entry.stage == stage_for(entry.score) and entry.grade == grade_for(entry.score)
    assert scores.stage == stage_for(scores.overall)


def test_open_critical_and_open_high_cap_the_score() -> None:
    # an unauthenticated, plaintext flow of restricted data into an internet-facing store: criticals open
    broken = model(
        ext("u", K.HUMAN_USER, boundary="internet"),
        store("s", internet_facing=True, data_stored=("restr",)),
        fl("f", "u", "s", authentication=Authentication.NONE, encryption=Encryption.NONE, data_assets=("restr",)),
    )
    scores = assess(broken, workers=1).scores
    assert scores.worst == "critical" and scores.overall <= SEVERITY_CAPS["critical"]
    assert scores.grade == "F" and scores.stage == "traditional"
    cap_points = sum(d.cap for d in scores.deductions)
    assert cap_points > 0  # the cap is charged to the critical findings
    critical_ids = {f.id for f in assess(broken, workers=1).findings if f.severity == "critical"}
    assert all(d.finding in critical_ids for d in scores.deductions if d.cap > 0)


def test_a_single_open_high_keeps_the_model_below_advanced() -> None:
    path = CALIBRATION / "07-network-trust.yaml"
    scores = assess(read_model(path.read_bytes(), path.name), workers=1).scores
    assert scores.worst == "high" and scores.overall <= SEVERITY_CAPS["high"]
    assert scores.stage != "advanced" and scores.stage != "optimal"


def test_unspecified_component_authentication_inherits_from_inbound_flows() -> None:
    inherits = model(
        svc("a"), svc("b", authentication=Authentication.UNSPECIFIED), fl("f", "a", "b", authentication="mtls")
    )
    assert not _by_rule(inherits, "zt.component-unauthenticated")
    open_caller = model(
        svc("a"),
        svc("b", authentication=Authentication.UNSPECIFIED),
        fl("f", "a", "b", authentication=Authentication.NONE),
    )
    [finding] = _by_rule(open_caller, "zt.component-unauthenticated")
    assert "not specified" in finding.title
    assert finding.evidence_map["unauthenticated_callers"] == ("a",)
    explicit_none = model(
        svc("a"), svc("b", authentication=Authentication.NONE), fl("f", "a", "b", authentication="mtls")
    )
    assert _by_rule(explicit_none, "zt.component-unauthenticated")  # an explicit "none" still means none
    coverage = assess(inherits, workers=1).scores.coverage
    assert coverage is not None
    item = {i.key: i for i in coverage.items}["component-authentication"]
    assert item.missing == ("b",) and item.covered == item.total - 1


def test_native_file_without_component_authentication_reads_as_unspecified() -> None:
    text = (
        "trustmap: 1\nmodel: {name: M}\ncomponents:\n  - {id: a, name: A}\n  - {id: b, name: B, authentication: none}\n"
    )
    snapshot = read_model(text.encode(), "m.yaml")
    assert snapshot.component_by_id["a"].authentication is Authentication.UNSPECIFIED
    assert snapshot.component_by_id["b"].authentication is Authentication.NONE


def test_network_only_authorization_raises_a_finding() -> None:
    snapshot = model(svc("a"), svc("b"), fl("f", "a", "b", authorization=Authorization.NETWORK, data_assets=("conf",)))
    [finding] = _by_rule(snapshot, "zt.flow-authorized-by-location")
    assert finding.title == "Flow authorised by network location only"
    assert finding.evidence_map["authorization"] == "network"


def test_boundary_crossing_title_says_exactly_what_is_missing() -> None:
    def title(**flow: object) -> str:
        snapshot = model(svc("a"), svc("b", boundary="ns-b"), fl("f", "a", "b", **flow))
        [finding] = _by_rule(snapshot, "zt.boundary-crossing-unprotected")
        return finding.title

    assert title(encryption=Encryption.NONE) == "Boundary-crossing flow without encryption"
    assert title(authentication=Authentication.NONE) == "Boundary-crossing flow without authentication"
    assert (
        title(encryption=Encryption.NONE, authentication=Authentication.NONE)
        == "Boundary-crossing flow without encryption and authentication"
    )


def _processor(*controls: Control):  # type: ignore[no-untyped-def]
    return model(
        svc("pay", data_processed=("restr",)),
        ext("psp", data_processed=("restr",)),
        fl("f", "pay", "psp", encryption=Encryption.TLS, authentication=Authentication.API_KEY, data_assets=("restr",)),
        *controls,
    )


def test_external_processor_over_tls_with_an_api_key_is_calibrated() -> None:
    findings = assess(_processor(), workers=1).findings
    assert not [f for f in findings if f.severity == "critical"]
    [key] = [f for f in findings if f.rule == "zt.static-credential-auth"]
    assert key.severity == "medium" and "External processor" in key.title
    [transfer] = [f for f in findings if f.rule == "dp.restricted-to-lower-trust"]
    assert transfer.severity == "high" and transfer.evidence_map["transfer"] == "encrypted and authenticated"


def test_data_processing_agreement_mitigates_the_transfer_with_its_reason() -> None:
    dpa = Control("dpa", "data-processing-agreement", "f", description="DPA with the PSP, reviewed yearly")
    [transfer] = _by_rule(_processor(dpa), "dp.restricted-to-lower-trust")
    assert transfer.mitigated_by == ("dpa",)
    assert transfer.evidence_map["mitigation"] == ("data-processing-agreement: DPA with the PSP, reviewed yearly",)
    assert assess(_processor(dpa), workers=1).scores.overall > assess(_processor(), workers=1).scores.overall


def test_attack_path_from_the_internet_to_restricted_data_is_a_critical_finding() -> None:
    snapshot = model(
        ext("u", K.HUMAN_USER, boundary="internet"),
        svc("w", K.WEB_FRONTEND, internet_facing=True),
        svc("api"),
        store("s", data_stored=("restr",)),
        Control("waf", "waf", "w"),
        Control("rl", "rate-limit", "w"),
        fl("f1", "u", "w", authentication=Authentication.PASSWORD),
        fl("f2", "w", "api", authentication=Authentication.API_KEY),
        fl("f3", "api", "s", authentication=Authentication.API_KEY),
    )
    [path] = _by_rule(snapshot, "seg.untrusted-path-to-crown-jewel")
    assert path.severity == "critical" and path.evidence_map["hops"] == ("w", "api", "s")  # w is internet-facing
    result = assess(snapshot, workers=1)
    assert result.scores.overall <= SEVERITY_CAPS["critical"]
    steps = {s.rule: s for s in result.plan}
    path_step = steps["seg.untrusted-path-to-crown-jewel"]
    # closing the only critical lifts the cap: a large measured gain, far above the cosmetic steps
    assert path_step.gain >= 20 and path_step == result.plan[0]
    assert all(s.gain < path_step.gain / 4 for s in result.plan if s.rule.startswith("hyg."))


def test_plan_combines_the_criticals_of_several_groups_into_one_measured_step() -> None:
    snapshot = model(  # two separate weak paths in two namespaces, to two stores in two zones
        svc("w1", K.WEB_FRONTEND, internet_facing=True),
        svc("w2", K.WEB_FRONTEND, boundary="ns-b", internet_facing=True),
        svc("api1"),
        svc("api2", boundary="ns-b"),
        store("s1", data_stored=("restr",)),
        store("s2", boundary="cluster", data_stored=("restr",)),
        *(Control(f"{c}-{w}", c, w) for c in ("waf", "rate-limit") for w in ("w1", "w2")),
        fl("f1", "w1", "api1", authentication=Authentication.API_KEY),
        fl("f2", "api1", "s1", authentication=Authentication.API_KEY),
        fl("f3", "w2", "api2", authentication=Authentication.API_KEY),
        fl("f4", "api2", "s2", authentication=Authentication.API_KEY),
    )
    result = assess(snapshot, workers=1)
    criticals = {f.id for f in result.open_findings if f.severity == "critical"}
    assert len(criticals) == 2
    [combined] = [s for s in result.plan if s.action.startswith("all-of:")]
    assert set(combined.findings) >= criticals
    assert combined == result.plan[0]
    singles = [s for s in result.plan if s.rule == "seg.untrusted-path-to-crown-jewel"]
    assert len(singles) == 2 and all(s.gain < combined.gain / 2 for s in singles)
    from assessments.engine import apply_step

    after = assess(apply_step(snapshot, combined), workers=1)
    assert not [f for f in after.open_findings if f.severity == "critical"]
    assert abs(after.scores.overall - combined.score_after) <= 0.05
