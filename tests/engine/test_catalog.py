"""The rule catalog (data) and the rule implementations (code) agree."""

from __future__ import annotations

from collections import Counter

import pytest

from assessments.engine.fixes import resolve_fix
from assessments.engine.rules import load_builtin_rules
from assessments.engine.severity import IMPACT_INDEX, LIKELIHOOD_INDEX, SEVERITY_POINTS, severity_of
from catalog.packs.loader import CatalogError, known_control_ids, load_rule_catalog, parse_rule_documents

FAMILIES = ("zero-trust", "least-privilege", "encryption", "segmentation-exposure")


def test_every_catalog_rule_has_an_implementation_and_vice_versa() -> None:
    catalog = load_rule_catalog()
    impls = load_builtin_rules()
    assert set(catalog) == set(impls)
    for rule_id, meta in catalog.items():
        assert impls[rule_id].scope == meta.scope, rule_id


def test_at_least_40_rules_and_8_per_family() -> None:
    catalog = load_rule_catalog()
    counts = Counter(m.family for m in catalog.values())
    assert len(catalog) >= 40
    assert set(counts) == set(FAMILIES)
    assert all(counts[f] >= 8 for f in FAMILIES), counts


def test_ids_are_namespaced_by_family() -> None:
    prefixes = {
        "zero-trust": {"zt"},
        "least-privilege": {"lp"},
        "encryption": {"enc"},
        "segmentation-exposure": {"seg", "dp", "vis", "hyg"},
    }
    for meta in load_rule_catalog().values():
        assert meta.id.split(".")[0] in prefixes[meta.family], meta.id


def test_base_severity_is_the_matrix_value_of_the_defaults() -> None:
    for meta in load_rule_catalog().values():
        expected = severity_of(LIKELIHOOD_INDEX[meta.likelihood], IMPACT_INDEX[meta.impact])
        assert meta.severity == expected, meta.id


def test_supersession_never_hides_a_heavier_rule() -> None:
    catalog = load_rule_catalog()
    for meta in catalog.values():
        for other in meta.supersedes:
            assert catalog[other].scope == meta.scope
            assert SEVERITY_POINTS[catalog[other].severity] <= SEVERITY_POINTS[meta.severity], (meta.id, other)


def test_mitigating_controls_exist_and_fix_actions_resolve() -> None:
    controls = known_control_ids()
    for meta in load_rule_catalog().values():
        assert set(meta.mitigated_by) <= controls
        if meta.fix is not None:
            assert resolve_fix(meta.fix.action) is not None, meta.fix.action
            assert "{count}" in meta.fix.title and "{nouns}" in meta.fix.title


def test_every_rule_has_the_reference_metadata() -> None:
    for meta in load_rule_catalog().values():
        assert meta.cwe.startswith("CWE-") and meta.asvs.startswith("V") and 1 <= meta.tenet <= 7
        assert meta.remediation and meta.rationale and meta.references


def _rule() -> dict[str, object]:
    return {
        "id": "x.rule",
        "scope": "flow",
        "title": "T t",
        "description": "D d",
        "rationale": "R r",
        "stride": "spoofing",
        "cwe": "CWE-1",
        "asvs": "V1.1.1",
        "tenet": 1,
        "pillar": "identity",
        "function": "Auth",
        "principle": "zero-trust",
        "severity": "low",
        "likelihood": "likely",
        "impact": "low",
        "remediation": "Fix it",
        "references": [],
        "mitigated_by": [],
    }


def test_loader_rejects_bad_documents() -> None:
    good = {"family": "x", "rules": [_rule()]}
    assert "x.rule" in parse_rule_documents({"x.yaml": good}, frozenset())
    bad = {"family": "x", "rules": [dict(good["rules"][0], severity="urgent")]}
    with pytest.raises(CatalogError):
        parse_rule_documents({"x.yaml": bad}, frozenset())
    unknown_control = {"family": "x", "rules": [dict(good["rules"][0], mitigated_by=["nope"])]}
    with pytest.raises(CatalogError):
        parse_rule_documents({"x.yaml": unknown_control}, frozenset())


@pytest.mark.parametrize(
    ("quick_fix", "mitigated_by", "message"),
    [
        ({"label": "Set it", "set": {"cipher": "aes"}}, [], "flow has no field 'cipher'"),
        ({"label": "Set it", "set": {"encryption": "rot13"}}, [], "encryption: 'rot13' is not one of"),
        ({"label": "Add it", "add_control": "nope"}, [], "unknown control 'nope'"),
        ({"label": "Add it", "add_control": "waf"}, [], "'waf' does not mitigate the rule"),
        ({"label": "Both", "set": {"encryption": "tls"}, "add_control": "waf"}, ["waf"], "quick_fix"),
    ],
)
def test_quick_fixes_are_checked_against_the_model_format(
    quick_fix: dict[str, object], mitigated_by: list[str], message: str
) -> None:
    rule = dict(_rule(), quick_fix=quick_fix, mitigated_by=mitigated_by)
    with pytest.raises(CatalogError, match=message):
        parse_rule_documents({"x.yaml": {"family": "x", "rules": [rule]}}, frozenset({"waf"}))


def test_a_quick_fix_is_read_into_the_rule_record() -> None:
    rule = dict(_rule(), quick_fix={"label": "Set encryption to mTLS", "set": {"encryption": "mtls"}})
    meta = parse_rule_documents({"x.yaml": {"family": "x", "rules": [rule]}}, frozenset())["x.rule"]
    assert meta.quick_fix is not None
    assert (meta.quick_fix.label, meta.quick_fix.set, meta.quick_fix.add_control) == (
        "Set encryption to mTLS",
        (("encryption", "mtls"),),
        "",
    )
    shipped = {r: m.quick_fix for r, m in load_rule_catalog().items() if m.quick_fix}
    assert shipped["zt.no-rate-limit-at-entry"].add_control == "rate-limit"
    assert dict(shipped["vis.no-audit-logging"].set) == {"logging": "audit"}
