"""OpenAPI 3.0 versions of the native element JSON Schemas (``threatmodel.interchange.schema``), so the API
documents element bodies exactly as the file format defines them."""

from __future__ import annotations

import copy
from typing import Any

from threatmodel.domain import COLLECTION_OF_KIND
from threatmodel.interchange.schema import ELEMENT_SCHEMAS, ID_PATTERN

_DROP = ("propertyNames", "$schema", "$id")


def to_openapi(schema: Any) -> Any:
    """JSON Schema 2020-12 subset -> OpenAPI 3.0 schema object (nullable instead of type null, no const)."""
    if isinstance(schema, list):
        return [to_openapi(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    schema = {k: v for k, v in schema.items() if k not in _DROP}
    any_of = schema.get("anyOf")
    if isinstance(any_of, list):
        rest = [s for s in any_of if s != {"type": "null"}]
        if len(rest) < len(any_of) and len(rest) == 1:
            merged = {**{k: v for k, v in schema.items() if k != "anyOf"}, **to_openapi(rest[0]), "nullable": True}
            return merged
        if any("const" in s for s in rest):  # grant target: an element id or "*"
            return {
                "type": "string",
                "pattern": rf"^(\*|{ID_PATTERN[1:-1]})$",
                "description": "an element id, or '*' for everything",
            }
    if "const" in schema:
        schema["enum"] = [schema.pop("const")]
    return {k: to_openapi(v) if isinstance(v, dict | list) else v for k, v in schema.items()}


def element_schema(kind: str, *, request: bool, partial: bool = False) -> dict[str, Any]:
    """The element object of ``kind``; request bodies also accept ``base_revision`` and ``message``."""
    schema: dict[str, Any] = to_openapi(copy.deepcopy(ELEMENT_SCHEMAS[COLLECTION_OF_KIND[kind]]))
    if request:
        schema["properties"]["base_revision"] = {
            "type": "integer",
            "minimum": 0,
            "description": "The model revision this write is based on (or If-Match).",
        }
        schema["properties"]["message"] = {"type": "string", "maxLength": 500, "description": "Revision message"}
        if partial:
            schema.pop("required", None)
    else:
        schema.pop("additionalProperties", None)
    return schema
