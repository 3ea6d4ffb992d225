"""Reads of the catalog app: a team's custom rules (access through ``threatmodel.selectors``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db.models import QuerySet

from catalog.models import CustomRule
from threatmodel.choices import Role
from threatmodel.selectors import NotFound, User, require_role


def custom_rules_of_team(*, team_id: int) -> QuerySet[CustomRule]:
    return CustomRule.objects.filter(team_id=team_id).order_by("rule_id", "pk")


def custom_rule_for_user(*, user: User, team_id: int, rule_pk: int, role: str = Role.VIEWER) -> CustomRule:
    require_role(user=user, team_id=team_id, role=role)
    rule = CustomRule.objects.filter(team_id=team_id, pk=rule_pk).first()
    if rule is None:
        raise NotFound("custom rule not found")
    return rule


def custom_rule_specs(*, team_id: int) -> tuple[Any, ...]:
    """The team's enabled custom rules as engine specs (``assessments.engine.custom.CustomRuleSpec``)."""
    rules = list(custom_rules_of_team(team_id=team_id).filter(enabled=True))
    if not rules:
        return ()
    from assessments.engine.custom import CustomRuleSpec

    return tuple(custom_rule_spec(CustomRuleSpec, rule) for rule in rules)


def custom_rule_spec(spec_type: Any, rule: CustomRule) -> Any:
    """Build a spec from a row, passing the fields the spec declares (by name, with a few aliases)."""
    values = {
        "id": rule.rule_id,
        "rule_id": rule.rule_id,
        "title": rule.title,
        "description": rule.description,
        "kind": rule.element_kind,
        "element_kind": rule.element_kind,
        "expression": rule.expression,
        "condition": rule.expression,
        "severity": rule.severity,
        "principle": rule.principle,
        "remediation": rule.remediation,
    }
    if dataclasses.is_dataclass(spec_type):
        names = {f.name for f in dataclasses.fields(spec_type)}
        return spec_type(**{k: v for k, v in values.items() if k in names})
    return spec_type(**{k: values[k] for k in ("rule_id", "title", "element_kind", "expression", "severity")})
