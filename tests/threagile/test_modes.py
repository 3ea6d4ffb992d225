"""threagile-compatible reproduces each upstream bug documented in docs/threagile.md; threagile-fixed corrects it."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from assessments.engine.threagile.context import Mode
from assessments.engine.threagile.runner import assess_threagile
from assessments.engine.threagile.tracking import RiskTrackingError
from tests.threagile.conftest import ORACLE_MODELS
from threatmodel.interchange.threagile import enums
from threatmodel.interchange.threagile.reader import build_model, read_threagile_file
from threatmodel.interchange.threagile.writer import model_document


def _asset(asset_id: str, **fields: Any) -> dict[str, Any]:
    base = {
        "id": asset_id,
        "type": "process",
        "technology": "web-service-rest",
        "confidentiality": "internal",
        "integrity": "operational",
        "availability": "operational",
        "data_assets_processed": ["data"],
    }
    return {**base, **fields}


def _model(assets: dict[str, dict[str, Any]], **extra: Any) -> Any:
    document: dict[str, Any] = {
        "title": "Bug demo",
        "tags_available": [],
        "data_assets": {
            "Data": {"id": "data", "confidentiality": "internal", "integrity": "operational"},
            "Secret": {"id": "secret", "confidentiality": "strictly-confidential", "integrity": "critical"},
            "Code": {"id": "code", "confidentiality": "confidential", "integrity": "critical"},
        },
        "technical_assets": assets,
        **extra,
    }
    return build_model(document)


def _ids(model: Any, mode: Mode, category: str) -> Counter[str]:
    return Counter(r.synthetic_id for r in assess_threagile(model, mode).risks if r.category == category)


def _deploy(target: str, title: str) -> dict[str, Any]:
    return {"target": target, "protocol": "ssh", "usage": "devops", "data_assets_sent": ["code"], "title": title}


def test_push_instead_of_pull_duplicate_ids_and_sticky_impact() -> None:
    links = {
        "Deploy Secret": {k: v for k, v in _deploy("secret-app", "").items() if k != "title"},
        "Deploy Plain": {k: v for k, v in _deploy("plain-app", "").items() if k != "title"},
    }
    model = _model(
        {
            "Pipeline": _asset("pipeline", technology="build-pipeline", communication_links=links),
            "Secret App": _asset("secret-app", data_assets_processed=["secret"]),
            "Plain App": _asset("plain-app"),
        }
    )
    compat = [r for r in assess_threagile(model).risks if r.category == "push-instead-of-pull-deployment"]
    fixed = [r for r in assess_threagile(model, Mode.FIXED).risks if r.category == "push-instead-of-pull-deployment"]
    assert Counter(r.synthetic_id for r in compat) == {"push-instead-of-pull-deployment@pipeline": 2}
    medium = enums.IMPACT.index("medium")
    assert {r.most_relevant_technical_asset: r.impact for r in compat} == {"secret-app": medium, "plain-app": medium}
    assert len({r.synthetic_id for r in fixed}) == 2
    low = enums.IMPACT.index("low")
    assert {r.most_relevant_technical_asset: r.impact for r in fixed} == {"secret-app": medium, "plain-app": low}


def test_second_factor_duplicate_ids_behind_a_forwarder() -> None:
    to_proxy = {"target": "proxy", "protocol": "https", "authentication": "credentials", "data_assets_sent": ["secret"]}
    model = _model(
        {
            "Browser A": _asset("browser-a", technology="browser", used_as_client_by_human=True,
                                communication_links={"Visit": to_proxy}),
            "Browser B": _asset("browser-b", technology="browser", used_as_client_by_human=True,
                                communication_links={"Visit": to_proxy}),
            "Proxy": _asset("proxy", technology="reverse-proxy", communication_links={
                "Forward": {"target": "app", "protocol": "https", "authentication": "token",
                            "data_assets_sent": ["secret"]}}),
            "App": _asset("app", data_assets_processed=["secret"]),
        }
    )  # fmt: skip
    category = "missing-authentication-second-factor"
    assert _ids(model, Mode.COMPATIBLE, category) == {f"{category}@proxy>forward@proxy@app": 2}
    fixed = _ids(model, Mode.FIXED, category)
    assert len(fixed) == 2 and set(fixed.values()) == {1}


def test_repeated_data_format_repeats_the_risk() -> None:
    model = _model(
        {"App": _asset("app", custom_developed_parts=True, data_formats_accepted=["xml", "xml", "file", "file"])}
    )
    for category in ("xml-external-entity", "missing-file-validation"):
        assert _ids(model, Mode.COMPATIBLE, category) == {f"{category}@app": 2}
        assert _ids(model, Mode.FIXED, category) == {f"{category}@app": 1}


def test_missing_identity_store_example_compares_the_caller() -> None:
    model = _model(
        {
            "Caller": _asset("caller", confidentiality="strictly-confidential", communication_links={
                "Call": {"target": "callee", "protocol": "https", "authentication": "token",
                         "authorization": "end-user-identity-propagation", "data_assets_sent": ["data"]}}),
            "Callee": _asset("callee"),
        }
    )  # fmt: skip
    assert _ids(model, Mode.COMPATIBLE, "missing-identity-store") == {"missing-identity-store@caller": 1}
    assert _ids(model, Mode.FIXED, "missing-identity-store") == {"missing-identity-store@callee": 1}


def test_missing_vault_refers_to_no_asset_when_none_is_rated_above_the_minimum() -> None:
    model = _model({"Low": _asset("low", confidentiality="public", integrity="archive", availability="archive")})
    assert _ids(model, Mode.COMPATIBLE, "missing-vault") == {"missing-vault@": 1}
    assert _ids(model, Mode.FIXED, "missing-vault") == {"missing-vault@low": 1}


def test_unencrypted_communication_from_an_out_of_scope_source() -> None:
    model = _model(
        {
            "Partner": _asset("partner", out_of_scope=True, communication_links={
                "Upload": {"target": "app", "protocol": "http", "data_assets_sent": ["secret"]}}),
            "App": _asset("app", data_assets_processed=["secret"]),
        }
    )  # fmt: skip
    category = "unencrypted-communication"
    assert _ids(model, Mode.COMPATIBLE, category) == {}
    assert _ids(model, Mode.FIXED, category) == {f"{category}@partner>upload@partner@app": 1}


def test_network_segment_lookup_climbs_one_level_only() -> None:
    links = {"Call": {"target": "b", "protocol": "http", "data_assets_sent": ["secret"]}}
    model = _model(
        {"A": _asset("a", communication_links=links), "B": _asset("b", data_assets_processed=["secret"])},
        trust_boundaries={
            "Net": {"id": "net", "type": "network-cloud-provider", "trust_boundaries_nested": ["outer-env"]},
            "Outer Env": {"id": "outer-env", "type": "execution-environment", "trust_boundaries_nested": ["inner-env"]},
            "Inner Env": {"id": "inner-env", "type": "execution-environment", "technical_assets_inside": ["a"]},
            "Other": {"id": "other", "type": "network-cloud-provider", "technical_assets_inside": ["b"]},
        },
    )
    likely = enums.LIKELIHOOD.index("likely")
    compat = [r for r in assess_threagile(model).risks if r.category == "unencrypted-communication"]
    fixed = [r for r in assess_threagile(model, Mode.FIXED).risks if r.category == "unencrypted-communication"]
    assert [r.likelihood for r in compat] == [likely] and [r.likelihood for r in fixed] == [likely]
    same = _model(
        {"A": _asset("a", communication_links=links), "B": _asset("b", data_assets_processed=["secret"])},
        trust_boundaries={
            "Net": {"id": "net", "type": "network-cloud-provider", "trust_boundaries_nested": ["outer-env"],
                    "technical_assets_inside": ["b"]},
            "Outer Env": {"id": "outer-env", "type": "execution-environment", "trust_boundaries_nested": ["inner-env"]},
            "Inner Env": {"id": "inner-env", "type": "execution-environment", "technical_assets_inside": ["a"]},
        },
    )  # fmt: skip
    unlikely = enums.LIKELIHOOD.index("unlikely")
    # a (two execution environments deep) and b share the network "net": compat stops at "outer-env" and sees a
    # boundary crossing; fixed climbs to "net".
    assert [r.likelihood for r in assess_threagile(same).risks if r.category == "unencrypted-communication"] == [likely]
    fixed_same = assess_threagile(same, Mode.FIXED).risks
    assert [r.likelihood for r in fixed_same if r.category == "unencrypted-communication"] == [unlikely]


def _tracked(model: Any, tracking: dict[str, Any], mode: Mode) -> dict[str, str]:
    document = model_document(model)
    document["risk_tracking"] = tracking
    result = assess_threagile(build_model(document), mode, ignore_orphaned_tracking=True)
    return {r.synthetic_id: r.status for r in result.risks}


def test_wildcard_tracking_is_not_anchored_upstream() -> None:
    model = read_threagile_file(ORACLE_MODELS["example"])
    tracking = {"hardening@*": {"status": "mitigated"}}  # meant for a category "hardening", which does not exist
    compat = _tracked(model, tracking, Mode.COMPATIBLE)
    fixed = _tracked(model, tracking, Mode.FIXED)
    assert compat["missing-hardening@erp-system"] == "mitigated"
    assert fixed["missing-hardening@erp-system"] == "unchecked"


def test_most_specific_wildcard_wins_in_fixed_mode() -> None:
    model = read_threagile_file(ORACLE_MODELS["example"])
    tracking = {
        "ldap-injection@*@*@*": {"status": "accepted"},
        "ldap-injection@*@ldap-auth-server@*": {"status": "mitigated"},
    }
    compat = {k: v for k, v in _tracked(model, tracking, Mode.COMPATIBLE).items() if k.startswith("ldap-injection")}
    fixed = {k: v for k, v in _tracked(model, tracking, Mode.FIXED).items() if k.startswith("ldap-injection")}
    assert set(compat.values()) == {"accepted"}  # first entry applied wins
    assert set(fixed.values()) == {"mitigated"}


def test_exact_tracking_beats_wildcards_and_statuses_count_in_stats() -> None:
    model = read_threagile_file(ORACLE_MODELS["example"])
    tracking = {
        "missing-hardening@*": {"status": "mitigated"},
        "missing-hardening@erp-system": {"status": "false-positive"},
    }
    for mode in Mode:
        statuses = _tracked(model, tracking, mode)
        assert statuses["missing-hardening@erp-system"] == "false-positive"
        assert statuses["missing-hardening@sql-database"] == "mitigated"


def test_orphaned_tracking_fails_unless_ignored() -> None:
    document = model_document(read_threagile_file(ORACLE_MODELS["minimalist"]))
    document["risk_tracking"] = {"no-such-risk@x": {"status": "accepted"}}
    model = build_model(document)
    with pytest.raises(RiskTrackingError, match="no-such-risk@x"):
        assess_threagile(model)
    assert assess_threagile(model, ignore_orphaned_tracking=True).orphaned_tracking == ("no-such-risk@x",)


def test_accepted_is_still_at_risk_false_positive_and_mitigated_are_not() -> None:
    result = assess_threagile(read_threagile_file(ORACLE_MODELS["example"]))
    statuses = Counter(r.status for r in result.still_at_risk())
    assert statuses["accepted"] == 1 and statuses["mitigated"] == 0 and statuses["false-positive"] == 0
    assert len(result.still_at_risk()) == 84 - 25  # 8 + 17 mitigated in the oracle's stats.json


def test_fixed_mode_on_the_example_differs_only_in_the_ids_it_makes_unique() -> None:
    model = read_threagile_file(ORACLE_MODELS["example"])
    compat = {(r.synthetic_id, r.severity) for r in assess_threagile(model).risks}
    fixed = {(r.synthetic_id, r.severity) for r in assess_threagile(model, Mode.FIXED).risks}
    changed = {i.split("@")[0] for i, _ in compat ^ fixed}
    assert changed == {"push-instead-of-pull-deployment"}
    assert {i for i, _ in fixed - compat if i.startswith("push")} == {
        "push-instead-of-pull-deployment@jenkins-buildserver@jenkins-buildserver>application-deployment",
        "push-instead-of-pull-deployment@jenkins-buildserver@jenkins-buildserver>cms-updates",
    }
    assert {i for i, _ in compat - fixed} == {"push-instead-of-pull-deployment@jenkins-buildserver"}


def test_unknown_rule_to_skip_is_an_error() -> None:
    model = read_threagile_file(ORACLE_MODELS["minimalist"])
    with pytest.raises(ValueError, match="no-such-rule"):
        assess_threagile(model, skip_rules=["no-such-rule"])
    skipped = assess_threagile(model, skip_rules=["missing-vault"])
    assert "missing-vault" not in {r.category for r in skipped.risks}
