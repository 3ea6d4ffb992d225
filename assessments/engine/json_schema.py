"""JSON Schema of the assessment result document (what ``codec.to_json_dict`` writes), built from the vocabulary.

The closed values (severities, likelihoods, impacts, principles, pillars, maturity stages) come from
``threatmodel.vocabulary``, so the schema cannot disagree with the engine. The published copy is
``docs/schema/assessment.schema.json``; tests/foundation/test_vocabulary_agreement.py keeps it equal to
:func:`schema_json` (regenerate: ``python -m assessments.engine.json_schema > docs/schema/assessment.schema.json``).
"""

from __future__ import annotations

import json
from typing import Any

from assessments.engine.codec import JSON_FORMAT_VERSION
from threatmodel import vocabulary as v

_STRING: dict[str, Any] = {"type": "string"}
_STRINGS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
_COUNT: dict[str, Any] = {"type": "integer", "minimum": 0}
_PERCENT: dict[str, Any] = {"type": "number", "minimum": 0, "maximum": 100}


def _enum(values: Any) -> dict[str, Any]:
    return {"enum": list(values)}


def _array_of(definition: str) -> dict[str, Any]:
    return {"type": "array", "items": {"$ref": f"#/$defs/{definition}"}}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    """A closed object; every property is required unless ``required`` says otherwise."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties) if required is None else required,
        "properties": properties,
    }


_FINDING = _object(
    {
        "id": {"type": "string", "description": "Stable fingerprint rule@element1@element2..."},
        "rule": _STRING,
        "title": _STRING,
        "severity": _enum(v.SEVERITIES),
        "likelihood": _enum(v.LIKELIHOODS),
        "impact": _enum(v.IMPACTS),
        "family": _STRING,
        "principle": _enum(v.PRINCIPLES),
        "pillar": _enum(v.PILLARS),
        "function": _STRING,
        "stride": _STRING,
        "cwe": _STRING,
        "asvs": _STRING,
        "tenet": {"type": "integer", "minimum": 0, "maximum": 7},
        "elements": {**_STRINGS, "description": "Element ids, primary element first"},
        "evidence": {
            "type": "object",
            "additionalProperties": {
                "anyOf": [{"type": ["string", "number", "boolean", "null"]}, {"type": "array", "items": _STRING}]
            },
        },
        "remediation": _STRING,
        "mitigated": {"type": "boolean"},
        "mitigated_by": {**_STRINGS, "description": "Ids of the model's Control elements that mitigate it"},
    }
)
_ATTACK_PATH = _object(
    {
        "id": _STRING,
        "entry": _STRING,
        "target": _STRING,
        "rank": {"type": "integer", "minimum": 1},
        "hops": _STRINGS,
        "flows": _STRINGS,
        "cost": {"type": "number", "minimum": 0},
        "data_at_risk": _STRINGS,
        "weaknesses": _STRINGS,
    }
)
_BLAST_RADIUS = _object(
    {
        "component": _STRING,
        "data_assets": _STRINGS,
        "components": _STRINGS,
        "reachable": _COUNT,
        "truncated": {"type": "boolean"},
    }
)
_GRADE = {"anyOf": [{"enum": list(v.GRADES)}, {"type": "null"}]}
_CAP = {"anyOf": [_PERCENT, {"type": "null"}]}
_WORST = {"anyOf": [{"enum": list(v.SEVERITIES)}, {"type": "null"}]}
_SCORE_ENTRY = _object(
    {
        "key": _STRING,
        "name": _STRING,
        "score": _PERCENT,
        "stage": _enum(v.MATURITY_STAGES),
        "applicable": _COUNT,
        "failed": _COUNT,
        "grade": _GRADE,
        "cap": _CAP,
        "worst": _WORST,
        "deductions": _array_of("deduction"),
    }
)
_DEDUCTION = _object(
    {
        "finding": _STRING,
        "rule": _STRING,
        "elements": _STRINGS,
        "points": _PERCENT,
        "cap": _PERCENT,
        "floor": _PERCENT,
    }
)
_COVERAGE = _object(
    {
        "ratio": {"type": "number", "minimum": 0, "maximum": 1},
        "covered": _COUNT,
        "total": _COUNT,
        "threshold": {"type": "number", "minimum": 0, "maximum": 1},
        "items": {
            "type": "array",
            "items": _object(
                {
                    "key": _STRING,
                    "name": _STRING,
                    "covered": _COUNT,
                    "total": _COUNT,
                    "hint": _STRING,
                    "missing": _STRINGS,
                }
            ),
        },
    }
)
_PLAN_STEP = _object(
    {
        "id": _STRING,
        "title": _STRING,
        "rule": _STRING,
        "action": _STRING,
        "group": _STRING,
        "elements": _STRINGS,
        "findings": _STRINGS,
        "score_before": {"type": "number"},
        "score_after": {"type": "number"},
        "gain": {"type": "number", "exclusiveMinimum": 0},
    }
)
_RULE = _object(
    {
        "id": _STRING,
        "title": _STRING,
        "family": _STRING,
        "principle": _STRING,
        "pillar": _STRING,
        "severity": _enum(v.SEVERITIES),
        "weight": {"type": "number"},
        "applicable": _COUNT,
        "failed": _COUNT,
        "mitigated": _COUNT,
        "folded": _COUNT,
        "passed": _COUNT,
        "compliance": _PERCENT,
    }
)

ASSESSMENT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://trustmap.example/schema/assessment.schema.json",
    "title": "Trustmap assessment result",
    "description": f"JSON produced by assessments.engine.result_to_json (format {JSON_FORMAT_VERSION}). "
    "See docs/assessment-json.md.",
    **_object(
        {
            "format": {"const": JSON_FORMAT_VERSION},
            "model": _object({"name": _STRING, "revision": {"type": "integer"}}),
            "summary": _object(
                {
                    "findings": {"type": "integer"},
                    "open": {"type": "integer"},
                    "mitigated": {"type": "integer"},
                    "attack_paths": {"type": "integer"},
                    "by_severity": _object({s: {"type": "integer"} for s in v.SEVERITIES}),
                },
                required=["findings", "open", "mitigated", "by_severity", "attack_paths"],
            ),
            "findings": _array_of("finding"),
            "attack_paths": _array_of("attack_path"),
            "blast_radius": _array_of("blast_radius"),
            "scores": _object(
                {
                    "overall": _PERCENT,
                    "stage": _enum(v.MATURITY_STAGES),
                    "grade": _GRADE,
                    "assessed": {"type": "boolean"},
                    "verdict": _STRING,
                    "coverage": {"anyOf": [_COVERAGE, {"type": "null"}]},
                    "cap": _CAP,
                    "worst": _WORST,
                    "weakest_pillar": _STRING,
                    "principles": _array_of("score_entry"),
                    "pillars": _array_of("score_entry"),
                    "deductions": _array_of("deduction"),
                }
            ),
            "plan": _array_of("plan_step"),
            "rules": _array_of("rule"),
        }
    ),
    "$defs": {
        "finding": _FINDING,
        "attack_path": _ATTACK_PATH,
        "blast_radius": _BLAST_RADIUS,
        "score_entry": _SCORE_ENTRY,
        "deduction": _DEDUCTION,
        "plan_step": _PLAN_STEP,
        "rule": _RULE,
    },
}


def schema_json() -> str:
    """The published form of :data:`ASSESSMENT_SCHEMA` (``docs/schema/assessment.schema.json``)."""
    return json.dumps(ASSESSMENT_SCHEMA, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(schema_json(), end="")
