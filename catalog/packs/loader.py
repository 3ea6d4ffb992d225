"""Pure loader of the rule catalog (``catalog/packs/rules/*.yaml``) and the control catalog (``controls.yaml``).

The only reader of those files. Both are validated with JSON Schema plus cross-checks (unique ids, known controls
in ``mitigated_by``, known rules in ``supersedes``) and cached: the files ship with the code, so they are read once
per process. :class:`RuleMeta` is the one typed rule record: the engine runs it (``evaluate.RuleSpec`` pairs it
with its implementation), the reports print it and the catalog page lists it; a team's custom rule is described
by a ``RuleMeta`` too (``assessments.engine.custom``). No Django imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from threatmodel import vocabulary as v
from threatmodel.domain import COLLECTION_OF_KIND
from threatmodel.interchange.schema import ELEMENT_SCHEMAS

PACKS_DIR = Path(__file__).resolve().parent
RULES_DIR = PACKS_DIR / "rules"
CONTROLS_FILE = PACKS_DIR / "controls.yaml"

#: The pack schema; its closed values come from ``threatmodel.vocabulary``.
_ID = r"^[a-z][a-z0-9]*\.[a-z0-9][a-z0-9-]*$"
RULE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["family", "rules"],
    "additionalProperties": False,
    "properties": {
        "family": {"type": "string", "pattern": "^[a-z][a-z-]*$"},
        "rules": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": [
                    "id",
                    "scope",
                    "title",
                    "description",
                    "rationale",
                    "stride",
                    "cwe",
                    "asvs",
                    "tenet",
                    "pillar",
                    "function",
                    "principle",
                    "severity",
                    "likelihood",
                    "impact",
                    "remediation",
                    "references",
                    "mitigated_by",
                ],
                "properties": {
                    "id": {"type": "string", "pattern": _ID},
                    "scope": {"enum": list(v.RULE_SCOPES)},
                    "title": {"type": "string", "minLength": 3},
                    "description": {"type": "string", "minLength": 3},
                    "rationale": {"type": "string", "minLength": 3},
                    "stride": {"enum": list(v.STRIDE_CATEGORIES)},
                    "cwe": {"type": "string", "pattern": r"^CWE-\d+$"},
                    "asvs": {"type": "string", "pattern": r"^V\d+\.\d+\.\d+$"},
                    "tenet": {"type": "integer", "minimum": 1, "maximum": 7},
                    "pillar": {"enum": list(v.PILLARS)},
                    "function": {"type": "string", "minLength": 3},
                    "principle": {"enum": list(v.PRINCIPLES)},
                    "severity": {"enum": list(v.SEVERITIES)},
                    "likelihood": {"enum": list(v.LIKELIHOODS)},
                    "impact": {"enum": list(v.IMPACTS)},
                    "data_impact": {"type": "boolean"},
                    "remediation": {"type": "string", "minLength": 3},
                    "remediation_steps": {"type": "array", "items": {"type": "string"}},
                    "references": {"type": "array", "items": {"type": "string"}},
                    "mitigated_by": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
                    "supersedes": {"type": "array", "items": {"type": "string", "pattern": _ID}, "uniqueItems": True},
                    "fix": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["action", "title"],
                        "properties": {"action": {"type": "string"}, "title": {"type": "string"}},
                    },
                    # the editor's one-click fix of one finding: a field change on its element, or a control
                    "quick_fix": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["label"],
                        "properties": {
                            "label": {"type": "string", "minLength": 3},
                            "set": {"type": "object", "minProperties": 1},
                            "add_control": {"type": "string"},
                        },
                        "oneOf": [{"required": ["set"]}, {"required": ["add_control"]}],
                    },
                },
            },
        },
    },
}
CONTROLS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["controls"],
    "properties": {
        "controls": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name", "description", "applies_to"],
                "additionalProperties": True,
                "properties": {
                    "id": {"type": "string", "pattern": "^[a-z][a-z0-9-]*$"},
                    "name": {"type": "string"},
                    "description": {"type": "string"},
                    "applies_to": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}


class CatalogError(ValueError):
    """The shipped catalog files are invalid."""


@dataclass(frozen=True, slots=True)
class ControlMeta:
    id: str
    name: str
    description: str
    applies_to: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FixMeta:
    action: str
    title: str


@dataclass(frozen=True, slots=True)
class QuickFixMeta:
    """One finding's fix in one click: set fields of its element (``set``) or add a catalog control on it."""

    label: str
    set: tuple[tuple[str, Any], ...] = ()
    add_control: str = ""


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """Everything known about one rule: what it checks, why, how it is rated and mapped, how to fix it.

    Catalog rules fill every field from their pack; a rule known only from its findings (a team's custom rule in
    a stored run) has the defaults where nothing is known."""

    id: str
    title: str
    family: str = ""
    scope: str = v.RuleScope.COMPONENT.value
    description: str = ""
    rationale: str = ""
    stride: str = ""
    cwe: str = ""
    asvs: str = ""
    tenet: int = 0  # NIST SP 800-207 tenet (1..7), 0 = none
    pillar: str = ""
    function: str = ""
    principle: str = ""
    severity: str = v.Severity.MEDIUM.value
    likelihood: str = v.Likelihood.LIKELY.value
    impact: str = v.Impact.MEDIUM.value
    data_impact: bool = True  # impact raised to the most sensitive data involved
    remediation: str = ""
    remediation_steps: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    mitigated_by: tuple[str, ...] = ()  # catalog control ids whose presence on an element mitigates a finding
    supersedes: tuple[str, ...] = ()  # rules whose findings on the same element this rule's finding folds
    fix: FixMeta | None = None
    quick_fix: QuickFixMeta | None = None
    source: str = ""  # pack file name ("" outside the packs)


def _read_yaml(path: Path) -> Any:
    with path.open("rb") as handle:
        return yaml.safe_load(handle)


def _validate(document: Any, schema: Mapping[str, Any], where: str) -> None:
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        detail = "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors[:10])
        raise CatalogError(f"{where}: {detail}")


@lru_cache(maxsize=1)
def load_controls() -> dict[str, ControlMeta]:
    """Catalog controls by id (``catalog/packs/controls.yaml``)."""
    document = _read_yaml(CONTROLS_FILE)
    _validate(document, CONTROLS_SCHEMA, CONTROLS_FILE.name)
    out: dict[str, ControlMeta] = {}
    for item in document["controls"]:
        if item["id"] in out:
            raise CatalogError(f"{CONTROLS_FILE.name}: duplicate control id {item['id']!r}")
        out[item["id"]] = ControlMeta(item["id"], item["name"], item["description"], tuple(item["applies_to"]))
    return out


def known_control_ids() -> frozenset[str]:
    return frozenset(load_controls())


def _quick_fix(item: Mapping[str, Any], controls: frozenset[str], where: str) -> QuickFixMeta | None:
    """The rule's one-click fix, checked against the model format: the fields exist on the element kind the rule
    looks at and take the values given; a control is a catalog control."""
    quick = item.get("quick_fix")
    if quick is None:
        return None
    rule = f"{where}: {item['id']}: quick_fix"
    if "add_control" in quick:
        if quick["add_control"] not in controls:
            raise CatalogError(f"{rule}: unknown control {quick['add_control']!r}")
        if quick["add_control"] not in item["mitigated_by"]:
            raise CatalogError(f"{rule}: {quick['add_control']!r} does not mitigate the rule (not in mitigated_by)")
        return QuickFixMeta(label=quick["label"], add_control=quick["add_control"])
    collection = COLLECTION_OF_KIND.get(item["scope"])
    if collection is None:
        raise CatalogError(f"{rule}: a rule of scope {item['scope']!r} has no element to set fields on")
    properties = ELEMENT_SCHEMAS[collection]["properties"]
    for field, value in quick["set"].items():
        if field not in properties or field in {"id", "position"}:
            raise CatalogError(f"{rule}: {item['scope']} has no field {field!r}")
        errors = list(jsonschema.Draft202012Validator(properties[field]).iter_errors(value))
        if errors:
            raise CatalogError(f"{rule}: {field}: {errors[0].message}")
    return QuickFixMeta(label=quick["label"], set=tuple(sorted(quick["set"].items())))


def parse_rule_documents(documents: Mapping[str, Any], controls: frozenset[str]) -> dict[str, RuleMeta]:
    """Validate and convert rule-pack documents (file name -> parsed YAML). Raises ``CatalogError``."""
    rules: dict[str, RuleMeta] = {}
    for name in sorted(documents):
        document = documents[name]
        _validate(document, RULE_SCHEMA, name)
        family = document["family"]
        for item in document["rules"]:
            if item["id"] in rules:
                raise CatalogError(f"{name}: duplicate rule id {item['id']!r}")
            unknown = sorted(set(item["mitigated_by"]) - controls)
            if unknown:
                raise CatalogError(f"{name}: {item['id']}: unknown controls in mitigated_by: {unknown}")
            fix = item.get("fix")
            quick = _quick_fix(item, controls, name)
            rules[item["id"]] = RuleMeta(
                id=item["id"],
                family=family,
                scope=item["scope"],
                title=item["title"],
                description=item["description"],
                rationale=item["rationale"],
                stride=item["stride"],
                cwe=item["cwe"],
                asvs=item["asvs"],
                tenet=item["tenet"],
                pillar=item["pillar"],
                function=item["function"],
                principle=item["principle"],
                severity=item["severity"],
                likelihood=item["likelihood"],
                impact=item["impact"],
                data_impact=item.get("data_impact", True),
                remediation=item["remediation"],
                remediation_steps=tuple(item.get("remediation_steps", ())),
                references=tuple(item["references"]),
                mitigated_by=tuple(item["mitigated_by"]),
                supersedes=tuple(item.get("supersedes", ())),
                fix=FixMeta(fix["action"], fix["title"]) if fix else None,
                quick_fix=quick,
                source=name,
            )
    for meta in rules.values():
        missing = [r for r in meta.supersedes if r not in rules]
        if missing:
            raise CatalogError(f"{meta.source}: {meta.id}: supersedes unknown rules {missing}")
    return dict(sorted(rules.items()))


@lru_cache(maxsize=1)
def load_rule_catalog() -> dict[str, RuleMeta]:
    """All catalog rules by id, sorted by id."""
    documents = {path.name: _read_yaml(path) for path in sorted(RULES_DIR.glob("*.yaml"))}
    return parse_rule_documents(documents, known_control_ids())


# -- the Threagile pack's category prose (catalog/packs/threagile/categories.yaml) ---------------------------------
THREAGILE_CATEGORIES_FILE = PACKS_DIR / "threagile" / "categories.yaml"
_THREAGILE_FUNCTIONS = ("business-side", "architecture", "development", "operations")
_THREAGILE_STRIDE = (
    "spoofing",
    "tampering",
    "repudiation",
    "information-disclosure",
    "denial-of-service",
    "elevation-of-privilege",
)
THREAGILE_CATEGORY_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["pack", "categories"],
    "properties": {
        "pack": {"const": "threagile"},
        "source": {"type": "string"},
        "categories": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "title", "function", "stride", "cwe", "model_failure_possible", "description"],
                "properties": {
                    "id": {"type": "string", "pattern": "^[a-z][a-z0-9-]*$"},
                    "title": {"type": "string", "minLength": 3},
                    "function": {"enum": list(_THREAGILE_FUNCTIONS)},
                    "stride": {"enum": list(_THREAGILE_STRIDE)},
                    "cwe": {"type": "integer", "minimum": 1},
                    "model_failure_possible": {"type": "boolean"},
                    "description": {"type": "string", "minLength": 3},
                    "mitigation": {"type": "string"},
                },
            },
        },
    },
}


@dataclass(frozen=True, slots=True)
class ThreagileCategory:
    """One Threagile risk category as the reports print it (Threagile's id, title, function, STRIDE, CWE)."""

    id: str
    title: str
    function: str
    stride: str
    cwe: int
    model_failure_possible: bool
    description: str
    mitigation: str = ""


@lru_cache(maxsize=1)
def load_threagile_categories() -> dict[str, ThreagileCategory]:
    """The Threagile pack's categories by id, in file order."""
    document = _read_yaml(THREAGILE_CATEGORIES_FILE)
    _validate(document, THREAGILE_CATEGORY_SCHEMA, THREAGILE_CATEGORIES_FILE.name)
    out: dict[str, ThreagileCategory] = {}
    for item in document["categories"]:
        if item["id"] in out:
            raise CatalogError(f"{THREAGILE_CATEGORIES_FILE.name}: duplicate category id {item['id']!r}")
        out[item["id"]] = ThreagileCategory(**item)
    return out
