"""Custom declarative (CEL) rules: validation and evaluation."""

from __future__ import annotations

import pytest

from assessments.engine import CustomRuleSpec, Engine, assess, validate_custom_rule
from assessments.engine.custom import CustomRuleError
from tests.engine.builders import fl, model, store, svc
from threatmodel.vocabulary import Encryption


def test_valid_expressions() -> None:
    assert validate_custom_rule("component", 'kind == "datastore" && !encryption_at_rest') == []
    assert validate_custom_rule("component", 'has(attributes.team) && attributes.team == "payments"') == []
    assert validate_custom_rule("component", 'attributes.team == "payments"') == []  # key may exist on real elements
    assert validate_custom_rule("flow", 'source.mesh == "none" && target.kind == "datastore"') == []


@pytest.mark.parametrize(
    "kind,expression,needle",
    [
        ("component", "kind ==", "syntax error"),
        ("component", "nosuch == 1", "undeclared reference"),
        ("component", "kind", "true or false"),
        ("widget", "true", "unknown element kind"),
        ("flow", "1 / 0 == 1", "evaluation error"),
        ("component", "", "empty"),
        ("component", "__import__('os').system('true')", "error"),
    ],
)
def test_invalid_expressions(kind: str, expression: str, needle: str) -> None:
    errors = validate_custom_rule(kind, expression)
    assert errors and needle in errors[0]


def test_custom_rule_findings_count_in_the_score() -> None:
    snapshot = model(
        svc("a", attributes={"team": "payments"}), svc("b"), store("s"), fl("f", "a", "s", encryption=Encryption.TLS)
    )
    rule = CustomRuleSpec(
        id="no-payments-team",
        title="Payments team components need review",
        kind="component",
        expression='has(attributes.team) && attributes.team == "payments"',
        severity="high",
        remediation="Ask the payments team for a review.",
        principle="visibility",
    )
    flow_rule = CustomRuleSpec(
        id="custom.tls-to-store",
        title="TLS (not mTLS) to a data store",
        kind="flow",
        expression='encryption != "mtls" && target.kind == "datastore"',
        severity="medium",
    )
    base = assess(snapshot, rules=[])
    result = assess(snapshot, rules=[], custom_rules=[rule, flow_rule])
    ids = {f.id for f in result.findings}
    assert "custom.no-payments-team@a" in ids
    assert "custom.tls-to-store@f@a@s" in ids
    assert "custom.no-payments-team@b" not in ids
    assert result.scores.overall < base.scores.overall == 100.0
    assert {"custom.no-payments-team", "custom.tls-to-store"} <= set(result.rules_run)


def test_invalid_custom_rule_is_rejected_by_the_engine() -> None:
    with pytest.raises(CustomRuleError):
        Engine(custom_rules=[CustomRuleSpec(id="x", title="X", kind="component", expression="kind ==")])


def test_disabled_rules_are_not_run() -> None:
    snapshot = model(svc("a", identity=None))
    assert any(f.rule == "lp.workload-without-identity" for f in assess(snapshot).findings)
    result = assess(snapshot, disabled=["lp.workload-without-identity"])
    assert "lp.workload-without-identity" not in result.rules_run
    assert not any(f.rule == "lp.workload-without-identity" for f in result.findings)


def test_custom_flow_rule_is_rechecked_incrementally() -> None:
    from dataclasses import replace

    from threatmodel.vocabulary import Logging

    rule = CustomRuleSpec(
        id="quiet-source",
        title="Flow from a component without logging",
        kind="flow",
        expression='source.logging == "none"',
        severity="low",
    )
    engine = Engine(custom_rules=[rule], plan=False)
    snapshot = model(svc("a"), svc("b"), fl("f", "a", "b"))
    state = engine.evaluate(snapshot)
    edited = snapshot.replace_element(replace(snapshot.component_by_id["a"], logging=Logging.NONE))
    incremental = engine.reassess(state, edited)
    assert "custom.quiet-source@f@a@b" in {f.id for f in incremental.findings}
    assert incremental.findings == engine.evaluate(edited).findings
    delta = incremental.delta(state)
    assert "custom.quiet-source@f@a@b" in {f.id for f in delta.added}
    assert delta.score_after < delta.score_before
