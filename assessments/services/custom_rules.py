"""Writes of a team's custom rules, validated when saved (CEL; never evaluated as Python)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from assessments.choices import CustomRuleKind
from assessments.engine.custom import validate_custom_rule
from assessments.models import CustomRule
from assessments.services.jobs import requester
from threatmodel import models as tm
from threatmodel.accounts import RequestUser
from threatmodel.invariants import Issue, ModelValidationError

EDITABLE = (
    "rule_id",
    "title",
    "description",
    "element_kind",
    "expression",
    "severity",
    "principle",
    "remediation",
    "enabled",
)


def custom_rule_validate(*, element_kind: str, expression: str) -> list[str]:
    """Problems with a rule's expression (empty when valid), from the engine's CEL validator."""
    if element_kind not in CustomRuleKind.values:
        return [f"unknown element kind {element_kind!r}"]
    if not expression.strip():
        return ["the expression is empty"]
    return list(validate_custom_rule(element_kind, expression))


def _check(values: dict[str, Any]) -> None:
    problems = custom_rule_validate(element_kind=values["element_kind"], expression=values["expression"])
    if problems:
        raise ModelValidationError([Issue("expression", p) for p in problems])


@transaction.atomic
def custom_rule_create(*, team: tm.Team, user: RequestUser | None, **values: Any) -> CustomRule:
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"unknown custom rule fields: {sorted(unknown)}")
    if CustomRule.objects.filter(team=team, rule_id=values["rule_id"]).exists():
        raise ModelValidationError([Issue("rule_id", f"the team already has a rule {values['rule_id']!r}")])
    _check(values)
    return CustomRule.objects.create(team=team, created_by=requester(user), **values)


@transaction.atomic
def custom_rule_update(*, rule: CustomRule, **values: Any) -> CustomRule:
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"unknown custom rule fields: {sorted(unknown)}")
    new_id = values.get("rule_id", rule.rule_id)
    if new_id != rule.rule_id and CustomRule.objects.filter(team_id=rule.team_id, rule_id=new_id).exists():
        raise ModelValidationError([Issue("rule_id", f"the team already has a rule {new_id!r}")])
    merged = {name: values.get(name, getattr(rule, name)) for name in EDITABLE}
    _check(merged)
    for name, value in values.items():
        setattr(rule, name, value)
    rule.save()
    return rule


def custom_rule_delete(*, rule: CustomRule) -> None:
    rule.delete()
