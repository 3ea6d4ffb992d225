"""JSON Schema of the native model file (YAML or JSON, same structure).

Built from the vocabularies so the schema, the Django choices and the engine never disagree.
The published copy lives in ``docs/schema/trustmap-model.schema.json`` (a test keeps it in sync).
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from threatmodel import vocabulary as v

FORMAT_NAME = "trustmap"
FORMAT_VERSION = 1
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"
MAX_TEXT = 10_000
MAX_NAME = 200


def _enum(kind: type[StrEnum]) -> dict[str, Any]:
    return {"type": "string", "enum": [m.value for m in kind]}


_ID = {"type": "string", "pattern": ID_PATTERN}
_REF = {"type": "string", "pattern": ID_PATTERN}
_OPT_REF = {"anyOf": [_REF, {"type": "null"}]}
_NAME = {"type": "string", "minLength": 1, "maxLength": MAX_NAME}
_TEXT = {"type": "string", "maxLength": MAX_TEXT}
_TAGS = {
    "type": "array",
    "items": {"type": "string", "minLength": 1, "maxLength": 64},
    "uniqueItems": True,
    "maxItems": 64,
}
_REFS = {"type": "array", "items": _REF, "uniqueItems": True}
_ATTRIBUTES = {
    "type": "object",
    "description": "Free-form attributes (string keys, JSON values).",
    "propertyNames": {"maxLength": 128},
    "maxProperties": 256,
}
_POSITION = {
    "anyOf": [
        {"type": "null"},
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["x", "y"],
            "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
        },
    ]
}
_FOREIGN = {
    "type": "string",
    "maxLength": 512,
    "description": "Identifier of this element in the system it was imported from.",
}


def _obj(required: list[str], properties: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description,
        "additionalProperties": False,
        "required": required,
        "properties": properties,
    }


ELEMENT_SCHEMAS: dict[str, dict[str, Any]] = {
    "data_assets": _obj(
        ["id", "name"],
        {
            "id": _ID,
            "name": _NAME,
            "description": _TEXT,
            "classification": _enum(v.Classification),
            "confidentiality": _enum(v.Rating),
            "integrity": _enum(v.Rating),
            "availability": _enum(v.Rating),
            "pii": {"type": "boolean"},
            "credentials": {"type": "boolean"},
            "tags": _TAGS,
            "attributes": _ATTRIBUTES,
            "foreign_id": _FOREIGN,
        },
        "A piece of data the system handles.",
    ),
    "boundaries": _obj(
        ["id", "name"],
        {
            "id": _ID,
            "name": _NAME,
            "description": _TEXT,
            "kind": _enum(v.BoundaryKind),
            "trust_level": _enum(v.TrustLevel),
            "parent": _OPT_REF,
            "tags": _TAGS,
            "attributes": _ATTRIBUTES,
            "foreign_id": _FOREIGN,
            "position": _POSITION,
        },
        "A trust boundary; boundaries nest through `parent`.",
    ),
    "identities": _obj(
        ["id", "name"],
        {
            "id": _ID,
            "name": _NAME,
            "description": _TEXT,
            "kind": _enum(v.IdentityKind),
            "mfa": {"type": "boolean", "description": "Human roles: multi-factor authentication is enforced."},
            "tags": _TAGS,
            "attributes": _ATTRIBUTES,
            "foreign_id": _FOREIGN,
        },
        "A workload identity, service account or human role.",
    ),
    "components": _obj(
        ["id", "name"],
        {
            "id": _ID,
            "name": _NAME,
            "description": _TEXT,
            "kind": _enum(v.ComponentKind),
            "technology": {"type": "string", "maxLength": 128},
            "boundary": _OPT_REF,
            "internet_facing": {"type": "boolean"},
            "mesh": _enum(v.MeshMode),
            "authentication": _enum(v.Authentication),
            "authorization": _enum(v.Authorization),
            "encryption_at_rest": {"type": "boolean"},
            "logging": _enum(v.Logging),
            "data_stored": _REFS,
            "data_processed": _REFS,
            "identity": _OPT_REF,
            "tags": _TAGS,
            "attributes": _ATTRIBUTES,
            "foreign_id": _FOREIGN,
            "position": _POSITION,
        },
        "A service, datastore, external entity, ...",
    ),
    "flows": _obj(
        ["id", "source", "target"],
        {
            "id": _ID,
            "name": {"type": "string", "maxLength": MAX_NAME},
            "description": _TEXT,
            "source": _REF,
            "target": _REF,
            "protocol": {"type": "string", "minLength": 1, "maxLength": 64},
            "port": {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 65535}, {"type": "null"}]},
            "encryption": _enum(v.Encryption),
            "authentication": _enum(v.Authentication),
            "authorization": _enum(v.Authorization),
            "data_assets": _REFS,
            "bidirectional": {"type": "boolean"},
            "provenance": _enum(v.Provenance),
            "tags": _TAGS,
            "attributes": _ATTRIBUTES,
            "foreign_id": _FOREIGN,
        },
        "A data flow from `source` to `target` (the caller initiates).",
    ),
    "grants": _obj(
        ["id", "identity", "target"],
        {
            "id": _ID,
            "identity": _REF,
            "target": {"anyOf": [_REF, {"const": "*"}]},
            "actions": {"type": "array", "minItems": 1, "uniqueItems": True, "items": _enum(v.GrantAction)},
            "scope": {"type": "string", "maxLength": 256},
            "description": _TEXT,
            "attributes": _ATTRIBUTES,
        },
        "Permission of an identity on a component or data asset (`*` = everything).",
    ),
    "controls": _obj(
        ["id", "control", "target"],
        {
            "id": _ID,
            "control": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_.-]{0,63}$"},
            "target": _REF,
            "status": _enum(v.ControlStatus),
            "description": _TEXT,
            "attributes": _ATTRIBUTES,
        },
        "A mitigation (catalog control) applied to an element.",
    ),
    "threats": _obj(
        ["id", "target", "title"],
        {
            "id": _ID,
            "target": _REF,
            "title": _NAME,
            "category": {
                **_enum(v.ThreatCategory),
                "description": "STRIDE category, or a LINDDUN (privacy) one.",
            },
            "description": _TEXT,
            "likelihood": _enum(v.Likelihood),
            "impact": _enum(v.Impact),
            "status": _enum(v.ThreatStatus),
            "mitigation": _TEXT,
            "controls": {**_REFS, "description": "Ids of the model's controls that answer the threat."},
            "attributes": _ATTRIBUTES,
            "foreign_id": _FOREIGN,
        },
        "A threat a person recorded on an element (its severity is likelihood x impact, docs/scoring.md).",
    ),
}

MODEL_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://trustmap.example/schema/model-v1.json",
    "title": "Trustmap threat model",
    "description": "A microservice system described for threat modeling and zero-trust posture assessment.",
    "type": "object",
    "additionalProperties": False,
    "required": [FORMAT_NAME, "model"],
    "properties": {
        FORMAT_NAME: {"const": FORMAT_VERSION, "description": "Format version."},
        "model": _obj(
            ["name"],
            {
                "name": _NAME,
                "description": _TEXT,
                "business_criticality": _enum(v.BusinessCriticality),
                "tags": _TAGS,
                "attributes": _ATTRIBUTES,
            },
            "Model-level facts.",
        ),
        **{name: {"type": "array", "items": schema} for name, schema in ELEMENT_SCHEMAS.items()},
    },
}


def schema_json() -> str:
    return json.dumps(MODEL_SCHEMA, indent=2, sort_keys=True) + "\n"
