"""Reads of a team's custom rules; access goes through the team (``threatmodel.selectors``, the choke point)."""

from __future__ import annotations

from django.db.models import QuerySet

from assessments.engine.custom import CustomRuleSpec
from assessments.models import CustomRule
from threatmodel.choices import Role
from threatmodel.selectors import NotFound, User, require_role


def custom_rules_of_team(*, team_id: int) -> QuerySet[CustomRule]:
    """The team's custom rules by rule id (the caller has checked access to the team)."""
    return CustomRule.objects.filter(team_id=team_id).order_by("rule_id", "pk")


def custom_rule_for_user(*, user: User, team_id: int, rule_pk: int, role: str = Role.VIEWER) -> CustomRule:
    """One custom rule of a team the user has ``role`` in (``NotFound`` / ``Forbidden`` otherwise)."""
    require_role(user=user, team_id=team_id, role=role)
    rule = CustomRule.objects.filter(team_id=team_id, pk=rule_pk).first()
    if rule is None:
        raise NotFound("custom rule not found")
    return rule


def custom_rule_specs(*, team_id: int) -> tuple[CustomRuleSpec, ...]:
    """The team's enabled custom rules as engine specs."""
    return tuple(
        CustomRuleSpec(
            id=rule.rule_id,
            title=rule.title,
            kind=rule.element_kind,
            expression=rule.expression,
            severity=rule.severity,
            remediation=rule.remediation,
            principle=rule.principle,
        )
        for rule in custom_rules_of_team(team_id=team_id).filter(enabled=True)
    )
