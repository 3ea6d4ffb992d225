"""Custom declarative rules: a CEL expression (cel-python) over one element's fields. Never Python ``eval``.

The expression sees the element's native fields (``id``, ``name``, ``kind``, ``authentication``,
``attributes``...; enums as strings, lists as lists). For flows, ``source`` and ``target`` are the endpoint
*components* (as maps) and ``source_id`` / ``target_id`` / ``crosses_boundary`` are added. The rule fires when
the expression is ``true``. An expression that errors on an element (for example a missing attribute key:
guard with ``has(attributes.team)``) does not apply to that element.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import celpy
from celpy import celtypes
from celpy.adapter import json_to_cel
from celpy.celparser import CELParseError
from celpy.evaluation import CELEvalError

from assessments.engine.graph import FlowFacts, ModelContext
from assessments.engine.registry import PASS, CheckResult, Hit, ev
from catalog.packs.loader import RuleMeta
from threatmodel import vocabulary as v
from threatmodel.domain import Component, DataAsset, DataFlow, Grant, Identity, TrustBoundary
from threatmodel.interchange.native import element_to_dict

#: Element kinds a custom rule can target (each is also the engine scope the rule runs in).
CUSTOM_KINDS: tuple[str, ...] = tuple(k.value for k in v.CustomRuleKind)
#: Severity -> (likelihood, impact) pair whose matrix value is that severity.
SEVERITY_PAIRS: dict[str, tuple[str, str]] = {
    "critical": ("very-likely", "very-high"),
    "high": ("likely", "high"),
    "medium": ("likely", "medium"),
    "low": ("likely", "low"),
    "info": ("unlikely", "low"),
}
#: Principle -> ZTMM pillar and function used for custom findings.
PRINCIPLE_PILLAR: dict[str, tuple[str, str]] = {
    "zero-trust": ("identity", "Authentication"),
    "least-privilege": ("identity", "Access Management"),
    "encryption": ("data", "Data Encryption"),
    "segmentation": ("networks", "Network Segmentation"),
    "data-protection": ("data", "Data Access"),
    "visibility": ("visibility-and-analytics", "Visibility and Analytics"),
}
MAX_EXPRESSION_LENGTH = v.CUSTOM_RULE_EXPRESSION_MAX_LENGTH
_ID = re.compile(v.CUSTOM_RULE_ID_PATTERN)
_SAMPLES: dict[str, Any] = {
    "component": Component("sample-component", "Sample component"),
    "data_asset": DataAsset("sample-data", "Sample data"),
    "identity": Identity("sample-identity", "Sample identity"),
    "grant": Grant("sample-grant", "sample-identity", "sample-component"),
    "boundary": TrustBoundary("sample-boundary", "Sample boundary"),
}


@dataclass(frozen=True, slots=True)
class CustomRuleSpec:
    id: str
    title: str
    kind: str
    expression: str
    severity: str = "medium"
    remediation: str = ""
    principle: str = "zero-trust"

    @property
    def rule_id(self) -> str:
        return self.id if self.id.startswith("custom.") else f"custom.{self.id}"

    def meta(self) -> RuleMeta:
        """The rule record of this custom rule (family ``custom``; rated and mapped from its severity and
        principle)."""
        likelihood, impact = SEVERITY_PAIRS[self.severity]
        principle = self.principle if self.principle in PRINCIPLE_PILLAR else v.Principle.ZERO_TRUST.value
        pillar, function = PRINCIPLE_PILLAR[principle]
        return RuleMeta(
            id=self.rule_id,
            title=self.title,
            family="custom",
            scope=self.kind if self.kind in CUSTOM_KINDS else v.RuleScope.COMPONENT.value,
            principle=principle,
            pillar=pillar,
            function=function,
            stride=v.Stride.ELEVATION_OF_PRIVILEGE.value,
            cwe="CWE-1008",
            severity=self.severity,
            likelihood=likelihood,
            impact=impact,
            data_impact=False,
            remediation=self.remediation or self.title,
        )


class CustomRuleError(ValueError):
    pass


def _environment() -> celpy.Environment:
    return celpy.Environment()


def _short(exc: Exception) -> str:
    text = str(exc.args[0]) if exc.args else str(exc)
    text = text.split(" (in activation")[0].strip()
    if text.startswith(("(", '"')):
        text = text.lstrip('("')
    return text[:300]


@lru_cache(maxsize=256)
def _compile(expression: str) -> Any:
    env = _environment()
    return env.program(env.compile(expression))


def activation(element: Any, ctx: ModelContext | None = None) -> dict[str, Any]:
    """The variables an expression sees for ``element`` (plain JSON-like values)."""
    if isinstance(element, FlowFacts):
        data = element_to_dict(element.flow)
        data["source_id"] = element.flow.source
        data["target_id"] = element.flow.target
        data["source"] = element_to_dict(element.source)
        data["target"] = element_to_dict(element.target)
        data["crosses_boundary"] = element.crosses_network
        data["judged"] = _judged(element.flow)
        return data
    data = element_to_dict(element)
    if isinstance(element, DataFlow) and ctx is not None:
        data["source_id"], data["target_id"] = element.source, element.target
        data["source"] = element_to_dict(ctx.components[element.source])
        data["target"] = element_to_dict(ctx.components[element.target])
    if isinstance(element, DataFlow):
        data["judged"] = _judged(element)
    return data


def _judged(flow: DataFlow) -> dict[str, str]:
    """What the engine judges an unspecified protection value as (docs/scoring.md §4a): ``judged.encryption``
    lets a custom rule treat an unspecified plaintext flow as plaintext."""
    return {
        "encryption": v.judged_encryption(flow.encryption, flow.protocol).value,
        "authentication": (
            v.Authentication.NONE if flow.authentication is v.Authentication.UNSPECIFIED else flow.authentication
        ).value,
        "authorization": v.judged_authorization(flow.authorization).value,
    }


def _sample_activation(kind: str) -> dict[str, Any]:
    if kind == "flow":
        comp = element_to_dict(Component("sample-source", "Sample source"))
        sample = DataFlow("sample-flow", "sample-source", "sample-target")
        data = element_to_dict(sample)
        data.update(
            judged=_judged(sample),
            source_id="sample-source",
            target_id="sample-target",
            source=comp,
            target=element_to_dict(Component("sample-target", "Sample target")),
            crosses_boundary=False,
        )
        return data
    return element_to_dict(_SAMPLES[kind])


def _run(program: Any, variables: Mapping[str, Any]) -> Any:
    return program.evaluate(json_to_cel(dict(variables)))


def validate_custom_rule(kind: str, expression: str) -> list[str]:
    """Errors that make the rule unusable (empty list = valid): unknown kind, syntax, unknown variables,
    non-boolean result. A trial evaluation runs against a sample element of the kind; a missing *map key*
    on the sample (e.g. ``attributes.team``) is accepted because real elements may have it."""
    errors: list[str] = []
    if kind not in CUSTOM_KINDS:
        return [f"unknown element kind {kind!r}; use one of {', '.join(CUSTOM_KINDS)}"]
    if not expression or not expression.strip():
        return ["the expression is empty"]
    if len(expression) > MAX_EXPRESSION_LENGTH:
        return [f"the expression is longer than {MAX_EXPRESSION_LENGTH} characters"]
    try:
        program = _compile(expression)
    except CELParseError as exc:
        return [f"syntax error: {_short(exc)}"]
    except Exception as exc:
        return [f"invalid expression: {_short(exc)}"]
    try:
        result = _run(program, _sample_activation(kind))
    except CELEvalError as exc:
        message = _short(exc)
        missing_key = len(exc.args) > 1 and exc.args[1] is KeyError and not message.startswith("undeclared")
        if not missing_key:
            errors.append(f"evaluation error on a sample {kind}: {message}")
        return errors
    except Exception as exc:
        return [f"evaluation error on a sample {kind}: {_short(exc)}"]
    if not isinstance(result, celtypes.BoolType):
        errors.append(f"the expression must evaluate to true or false, not {type(result).__name__}")
    return errors


def validate_spec(spec: CustomRuleSpec) -> list[str]:
    errors = validate_custom_rule(spec.kind, spec.expression)
    if not _ID.match(spec.id):
        errors.append(
            f"invalid rule id {spec.id!r} (letters, digits, '_', '.', '-'; at most {v.CUSTOM_RULE_ID_MAX_LENGTH})"
        )
    if spec.severity not in v.SEVERITIES:
        errors.append(f"severity must be one of {', '.join(v.SEVERITIES)}")
    if spec.principle not in v.PRINCIPLES:
        errors.append(f"principle must be one of {', '.join(v.PRINCIPLES)}")
    if not spec.title.strip():
        errors.append("the title is empty")
    return errors


def make_check(spec: CustomRuleSpec) -> Any:
    """The engine check function of a (valid) custom rule."""
    errors = validate_custom_rule(spec.kind, spec.expression)
    if spec.severity not in v.SEVERITIES:
        errors.append(f"severity must be one of {', '.join(v.SEVERITIES)}")
    if not _ID.match(spec.id):
        errors.append(f"invalid rule id {spec.id!r}")
    if errors:
        raise CustomRuleError(f"custom rule {spec.id!r}: " + "; ".join(errors))
    program = _compile(spec.expression)

    def check(ctx: ModelContext, element: Any) -> CheckResult:
        try:
            result = _run(program, activation(element, ctx))
        except Exception:
            return None
        if not isinstance(result, celtypes.BoolType):
            return None
        if not bool(result):
            return PASS
        if isinstance(element, FlowFacts):
            return Hit(
                (element.source.id, element.target.id), ev(expression=spec.expression), data_rank=element.data_rank
            )
        return Hit((), ev(expression=spec.expression))

    return check
