"""Every copy of a vocabulary agrees with its one declaration in ``threatmodel.vocabulary``.

Django choices, serializers, the JSON Schemas, the rule-pack schema, the engine's and the report writers'
per-value tables, the page scripts and the editor's page vocabulary: a value added, dropped, renamed or
reordered in one place and not the others fails here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

from assessments import choices
from assessments.api import serializers as assessment_serializers
from assessments.api.serializers_custom_rules import CustomRuleSerializer
from assessments.api.views import CONTENT_TYPES
from assessments.engine import custom, json_schema, severity
from assessments.models import CustomRule, Report
from assessments.reporting import charts, dot, sarif
from assessments.reporting.model import TRIAGE_LABELS
from assessments.reporting.render import FORMATS
from catalog.packs.loader import RULE_SCHEMA
from threatmodel import vocabulary as v
from threatmodel.editor import editor_vocabulary

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static" / "js"


def _pairs(text_choices: Any) -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in text_choices.choices]


@pytest.mark.parametrize(
    ("django_choices", "values", "labels"),
    [
        (choices.Severity, v.SEVERITIES, v.SEVERITY_LABELS),
        (choices.TriageStatus, [s.value for s in v.FindingStatus], v.FINDING_STATUS_LABELS),
        (choices.ReportFormat, [f.value for f in v.ReportFormat], v.REPORT_FORMAT_LABELS),
        (choices.CustomRuleKind, [k.value for k in v.CustomRuleKind], v.CUSTOM_RULE_KIND_LABELS),
        (choices.Principle, list(v.PRINCIPLES), v.PRINCIPLES),
    ],
    ids=["severity", "finding-status", "report-format", "custom-rule-kind", "principle"],
)
def test_django_choices_are_the_vocabulary(django_choices: Any, values: Any, labels: dict[str, str]) -> None:
    assert _pairs(django_choices) == [(value, labels[value]) for value in values]
    assert list(labels) == list(values)


def test_model_fields_and_serializers_use_the_vocabulary() -> None:
    fields = {f.name: f for f in CustomRule._meta.get_fields() if hasattr(f, "choices")}
    assert [c[0] for c in fields["element_kind"].choices] == [k.value for k in v.CustomRuleKind]
    assert [c[0] for c in fields["severity"].choices] == list(v.SEVERITIES)
    assert [c[0] for c in fields["principle"].choices] == list(v.PRINCIPLES)
    assert fields["rule_id"].max_length == v.CUSTOM_RULE_ID_MAX_LENGTH
    assert [c[0] for c in Report._meta.get_field("format").choices] == [f.value for f in v.ReportFormat]
    rule = CustomRuleSerializer().fields
    assert rule["rule_id"].max_length == v.CUSTOM_RULE_ID_MAX_LENGTH
    assert any(
        getattr(check, "regex", None) and check.regex.pattern == v.CUSTOM_RULE_ID_PATTERN
        for check in rule["rule_id"].validators
    )
    assert rule["expression"].max_length == v.CUSTOM_RULE_EXPRESSION_MAX_LENGTH
    assert list(rule["principle"].choices) == list(v.PRINCIPLES)
    assert list(rule["element_kind"].choices) == [k.value for k in v.CustomRuleKind]
    assert list(assessment_serializers.ReportSerializer().fields["format"].choices) == [f.value for f in v.ReportFormat]
    triage = assessment_serializers.TriageInputSerializer().fields["status"]
    assert list(triage.choices) == [s.value for s in v.FindingStatus]


def test_the_engine_limits_of_custom_rules_are_the_vocabulary_s() -> None:
    assert tuple(k.value for k in v.CustomRuleKind) == custom.CUSTOM_KINDS
    assert custom.MAX_EXPRESSION_LENGTH == v.CUSTOM_RULE_EXPRESSION_MAX_LENGTH
    assert custom._ID.pattern == v.CUSTOM_RULE_ID_PATTERN
    for kind in v.CustomRuleKind:  # every kind validates against a sample element
        assert custom.validate_custom_rule(kind.value, "true") == [], kind
    assert set(v.CustomRuleKind) <= set(v.RuleScope)


@pytest.mark.parametrize(
    ("table", "keys"),
    [
        (severity.SEVERITY_POINTS, v.SEVERITIES),
        (custom.SEVERITY_PAIRS, v.SEVERITIES),
        (custom.PRINCIPLE_PILLAR, list(v.PRINCIPLES)),
        (sarif.LEVELS, v.SEVERITIES),
        (sarif.SECURITY_SEVERITY, v.SEVERITIES),
        (dot.SEVERITY_COLOURS, v.SEVERITIES),
        (charts.SEVERITY_FILL, v.SEVERITIES),
        (FORMATS, [f.value for f in v.ReportFormat]),
        (CONTENT_TYPES, [f.value for f in v.ReportFormat]),
    ],
    ids=[
        "severity-points",
        "custom-severity-pairs",
        "custom-principle-pillar",
        "sarif-levels",
        "sarif-security-severity",
        "dot-colours",
        "chart-fill",
        "report-file-formats",
        "download-content-types",
    ],
)
def test_tables_keyed_by_a_vocabulary_cover_it_exactly(table: dict[str, Any], keys: Any) -> None:
    assert list(table) == list(keys)


def test_custom_rule_findings_map_to_known_pillars() -> None:
    assert {pillar for pillar, _ in custom.PRINCIPLE_PILLAR.values()} <= set(v.PILLARS)
    for name, (likelihood, impact) in custom.SEVERITY_PAIRS.items():  # each pair rates as its severity
        assert (
            severity.rate(likelihood, impact, exposed=False, data_rank=0, data_impact=False, criticality_bump=0)[2]
            == name
        )


def test_triage_labels_extend_the_finding_statuses() -> None:
    assert {k: TRIAGE_LABELS[k] for k in v.FINDING_STATUS_LABELS} == v.FINDING_STATUS_LABELS


def _enums(node: Any, path: str = "") -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "enum":
                found[path] = value
            else:
                found.update(_enums(value, f"{path}/{key}"))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.update(_enums(value, f"{path}/{index}"))
    return found


def test_the_rule_pack_schema_uses_the_vocabulary() -> None:
    rule = "/properties/rules/items/properties"
    assert _enums(RULE_SCHEMA) == {
        f"{rule}/scope": list(v.RULE_SCOPES),
        f"{rule}/stride": list(v.STRIDE_CATEGORIES),
        f"{rule}/pillar": list(v.PILLARS),
        f"{rule}/principle": list(v.PRINCIPLES),
        f"{rule}/severity": list(v.SEVERITIES),
        f"{rule}/likelihood": list(v.LIKELIHOODS),
        f"{rule}/impact": list(v.IMPACTS),
    }


def test_the_published_assessment_schema_is_built_from_the_vocabulary() -> None:
    published = (ROOT / "docs" / "schema" / "assessment.schema.json").read_text(encoding="utf-8")
    assert published == json_schema.schema_json(), "regenerate: python -m assessments.engine.json_schema"
    enums = _enums(json.loads(published))
    assert enums["/$defs/finding/properties/severity"] == list(v.SEVERITIES)
    assert enums["/$defs/finding/properties/principle"] == list(v.PRINCIPLES)
    assert enums["/$defs/finding/properties/pillar"] == list(v.PILLARS)
    assert enums["/properties/scores/properties/stage"] == list(v.MATURITY_STAGES)


# -- page scripts -----------------------------------------------------------------------------------------------


def _js_object_keys(source: str, name: str) -> list[str]:
    match = re.search(rf"\b{name}\s*=\s*\{{(.*?)\}};", source, re.S)
    assert match, f"{name} not found"
    return re.findall(r"['\"]?([\w-]+)['\"]?\s*:", match.group(1))


def test_the_editor_takes_its_severities_from_the_page_vocabulary() -> None:
    assert editor_vocabulary()["severities"] == list(v.SEVERITIES)
    config = (STATIC / "editor" / "config.js").read_text(encoding="utf-8")
    assert "VOCAB.severities" in config
    assert "'critical', 'high'" not in config  # no list of its own
    assert _js_object_keys(config, "SEV_COLOR") == list(v.SEVERITIES)
    assert _js_object_keys(config, "KIND_STYLE") == [k.value for k in v.ComponentKind]
    assert _js_object_keys(config, "TRUST_COLOR") == [t.value for t in v.TrustLevel]


def test_the_dashboard_and_findings_scripts_agree() -> None:
    dashboard = (STATIC / "dashboard.js").read_text(encoding="utf-8")
    match = re.search(r"var SEV = \[(.*?)\];", dashboard)
    assert match and re.findall(r"'([\w-]+)'", match.group(1)) == list(v.SEVERITIES)
    # the findings page is rendered by the server from the vocabulary: its script keeps no copy of the severities
    findings = (STATIC / "findings.js").read_text(encoding="utf-8")
    assert not any(f"'{s}'" in findings or f'"{s}"' in findings for s in v.SEVERITIES)
    css = (ROOT / "static" / "css" / "app.css").read_text(encoding="utf-8")
    assert all(f".sev-{s} " in css for s in v.SEVERITIES)


# -- settings ---------------------------------------------------------------------------------------------------


def test_every_throttle_rate_is_used_and_every_scope_has_a_rate() -> None:
    rest = settings.REST_FRAMEWORK
    scopes = {import_string(path).scope for path in rest["DEFAULT_THROTTLE_CLASSES"]}
    assert scopes == set(rest["DEFAULT_THROTTLE_RATES"]) == {"token", "user", "anon"}


# -- manual threats ---------------------------------------------------------------------------------------------


def test_manual_threat_vocabularies_agree_everywhere() -> None:
    from threatmodel import choices as tm_choices
    from threatmodel import models as tm_models
    from threatmodel.interchange.schema import MODEL_SCHEMA

    categories, statuses = list(v.THREAT_CATEGORIES), list(v.THREAT_STATUSES)
    assert list(v.THREAT_CATEGORY_LABELS) == categories and list(v.THREAT_STATUS_LABELS) == statuses
    assert [c for c in categories if v.THREAT_CATEGORY_FAMILY[c] == "stride"] == list(v.STRIDE_CATEGORIES)
    assert [(c, v.THREAT_CATEGORY_LABELS[c]) for c in categories] == tm_choices.THREAT_CATEGORY
    assert [(s, v.THREAT_STATUS_LABELS[s]) for s in statuses] == tm_choices.THREAT_STATUS
    row = {f.name: f for f in tm_models.Threat._meta.get_fields() if getattr(f, "choices", None)}
    assert [c[0] for c in row["category"].choices] == categories
    assert [c[0] for c in row["status"].choices] == statuses
    assert [c[0] for c in row["likelihood"].choices] == list(v.LIKELIHOODS)
    assert [c[0] for c in row["impact"].choices] == list(v.IMPACTS)
    threat = "/properties/threats/items/properties"
    enums = _enums(MODEL_SCHEMA)
    assert enums[f"{threat}/category"] == categories and enums[f"{threat}/status"] == statuses
    assert enums[f"{threat}/likelihood"] == list(v.LIKELIHOODS) and enums[f"{threat}/impact"] == list(v.IMPACTS)
    published = json.loads((ROOT / "docs" / "schema" / "trustmap-model.schema.json").read_text(encoding="utf-8"))
    assert _enums(published)[f"{threat}/category"] == categories
    fields = {f["name"]: f for f in editor_vocabulary()["kinds"]["threat"]["fields"]}
    assert fields["category"]["values"] == categories and fields["status"]["values"] == statuses
    assert fields["likelihood"]["values"] == list(v.LIKELIHOODS) and fields["impact"]["values"] == list(v.IMPACTS)
    script = (STATIC / "editor" / "threats.js").read_text(encoding="utf-8")
    assert "valuesOf(" in script and "'spoofing'" not in script and "'open'" not in script  # no list of its own


def test_a_manual_threat_s_severity_is_the_matrix() -> None:
    for li, likelihood in enumerate(v.LIKELIHOODS):
        for ii, impact in enumerate(v.IMPACTS):
            assert v.rated_severity(likelihood, impact) == severity.severity_of(li, ii)
