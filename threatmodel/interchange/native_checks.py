"""The checks of a whole native document that has passed the input gate: the schema first, then what a schema
cannot say (element ids unique across kinds, each reference naming an element of the right kind, boundary nesting
without cycles, controls the catalog knows, a threat's title not blank).

Pure Python. A valid document is answered by :func:`_everything_holds`, which looks at each collection's columns as
sets and builds no place per element; only a document it doubts takes the walk that words every issue with its
place (``flows[12].source: unknown component 'x'``), so what a refused file is told is the same either way.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import chain
from typing import Any

import jsonschema
import jsonschema_rs

from threatmodel import inputgate
from threatmodel.domain import COLLECTIONS, KIND_OF_COLLECTION
from threatmodel.interchange.schema import FORMAT_NAME, FORMAT_VERSION, MODEL_SCHEMA
from threatmodel.invariants import (
    REFERENCES,
    Issue,
    ModelIndex,
    boundary_cycle_issues,
    reference_issues,
)

MAX_ELEMENTS = 250_000
MAX_DEPTH = inputgate.MAX_DEPTH

_VALIDATOR = jsonschema.Draft202012Validator(MODEL_SCHEMA)
#: Compiled (Rust) validator: the fast path for valid files; the Python one words the errors.
_FAST_VALIDATOR = jsonschema_rs.validator_for(MODEL_SCHEMA)


def _json_path(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def schema_issues(document: Any, *, gated: bool = False) -> list[Issue]:
    """The schema's problems of a document. ``gated``: it comes from :func:`parse_document`, which has already
    passed it through the input gate (a document built in code is checked here)."""
    if not isinstance(document, dict):
        return [Issue("", f"a model file must be a mapping at the top level, not {type(document).__name__}")]
    gate = [] if gated else inputgate.value_issues(document, max_depth=MAX_DEPTH)  # the same rule as change sets
    if gate:
        return gate
    total = sum(len(document.get(name) or []) for name in COLLECTIONS if isinstance(document.get(name), list))
    if total > MAX_ELEMENTS:
        return [Issue("", f"model has {total:,} elements; the limit is {MAX_ELEMENTS:,}")]
    if _FAST_VALIDATOR.is_valid(document):
        return []
    issues = []
    for error in sorted(_VALIDATOR.iter_errors(document), key=lambda e: (list(map(str, e.absolute_path)), e.message)):
        issues.append(Issue(_json_path(error.absolute_path), _schema_message(error)))
    return issues


def _schema_message(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return "unknown field" + ("s " if len(extra) > 1 else " ") + ", ".join(repr(e) for e in extra)
    if error.validator == "enum":
        return f"{error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
    if error.validator == "const" and error.absolute_path and error.absolute_path[-1] == FORMAT_NAME:
        return f"unsupported format version {error.instance!r}; this version reads {FORMAT_VERSION}"
    if error.validator == "pattern":
        return (
            f"{error.instance!r} is not a valid id (letters, digits, '_', '.', ':', '-'; "
            "starting with a letter or digit; at most 128 characters)"
        )
    if error.validator == "anyOf":
        if error.absolute_path and error.absolute_path[-1] == "port":
            return f"{error.instance!r} is not a valid port (an integer from 1 to 65535, or null)"
        specific = [e for e in error.context or () if e.validator not in ("type", "const")]
        if specific:
            return _schema_message(specific[0])
        return f"{error.instance!r} is not a valid value here"
    return str(error.message)


def index_document(document: Mapping[str, Any]) -> tuple[ModelIndex, list[Issue], dict[str, str]]:
    """Index element ids of a schema-valid document; report duplicates."""
    index = ModelIndex()
    issues: list[Issue] = []
    first_path: dict[str, str] = {}
    for collection, kind in KIND_OF_COLLECTION.items():
        for position, item in enumerate(document.get(collection) or []):
            path = f"{collection}[{position}]"
            element_id = item["id"]
            if element_id == "*":
                issues.append(Issue(f"{path}.id", "'*' is reserved for wildcard grant targets"))
            if element_id in first_path:
                issues.append(
                    Issue(f"{path}.id", f"duplicate id {element_id!r} (already used by {first_path[element_id]})")
                )
                continue
            first_path[element_id] = path
            index.add(kind, element_id, item.get("parent") if kind == "boundary" else None)
    return index, issues, first_path


def document_issues(document: Any, *, known_controls: frozenset[str] | None = None, gated: bool = False) -> list[Issue]:
    """Every problem of the document at once: its schema problems, and the reference problems too wherever the
    document has the shape to look for them (a refused file lists all that is wrong, not only the first kind).
    ``gated``: as for :func:`schema_issues`."""
    issues = schema_issues(document, gated=gated)
    if not issues:
        return [] if _everything_holds(document, known_controls) else _reference_issues(document, known_controls)
    if not _has_collections_shape(document):
        return issues
    try:
        more = _reference_issues(document, known_controls)
    except (KeyError, TypeError, AttributeError, ValueError):  # an element too broken to follow its references
        return issues
    seen = {issue.path for issue in issues}
    return issues + [issue for issue in more if issue.path not in seen]


def _has_collections_shape(document: Any) -> bool:
    if not isinstance(document, dict):
        return False
    for collection in KIND_OF_COLLECTION:
        items = document.get(collection)
        if items is None:
            continue
        if not isinstance(items, list) or not all(
            isinstance(item, dict) and isinstance(item.get("id"), str) for item in items
        ):
            return False
    return True


def _reference_issues(document: Any, known_controls: frozenset[str] | None) -> list[Issue]:
    index, issues, first_path = index_document(document)
    for collection, kind in KIND_OF_COLLECTION.items():
        for position, item in enumerate(document.get(collection) or []):
            path = f"{collection}[{position}]"
            issues.extend(reference_issues(kind, item, index, path))
            if kind == "control" and known_controls is not None and item["control"] not in known_controls:
                issues.append(Issue(f"{path}.control", f"unknown catalog control {item['control']!r}"))
            if kind == "threat" and isinstance(item.get("title"), str) and not item["title"].strip():
                issues.append(Issue(f"{path}.title", "a threat needs a title (this one is only spaces)"))
    issues.extend(boundary_cycle_issues(index, first_path))
    return issues


#: Per kind, its reference fields that hold a list of ids (the others hold one id or nothing).
_LIST_REFERENCES: dict[str, frozenset[str]] = {
    "component": frozenset({"data_stored", "data_processed"}),
    "flow": frozenset({"data_assets"}),
    "threat": frozenset({"controls"}),
}


def _everything_holds(document: Mapping[str, Any], known_controls: frozenset[str] | None) -> bool:
    """Whether :func:`_reference_issues` of a schema-valid document would find nothing, answered per column: the
    ids of each kind as one set, each reference field of a collection as one set that must lie within the ids of
    the kinds it may name. False whenever it is unsure; the full walk then decides and words the issues."""
    try:
        return _columns_hold(document, known_controls)
    except (KeyError, TypeError, AttributeError):  # not the shape the schema promises: the full walk says why
        return False


def _columns_hold(document: Mapping[str, Any], known_controls: frozenset[str] | None) -> bool:
    ids = _ids_by_kind(document)
    if ids is None:
        return False
    for collection, kind in KIND_OF_COLLECTION.items():
        items = document.get(collection) or []
        for field_name, allowed in REFERENCES[kind].items() if items else ():
            refs = _references(kind, field_name, [item.get(field_name) for item in items])
            if refs is None or not refs.issubset(set().union(*(ids[a] for a in allowed))):
                return False
    if any(item["source"] == item["target"] for item in document.get("flows") or []):
        return False
    if any(not item["title"].strip() for item in document.get("threats") or []):
        return False
    controls = {item["control"] for item in document.get("controls") or []}
    if known_controls is not None and not controls.issubset(known_controls):
        return False
    parents = {item["id"]: item.get("parent") for item in document.get("boundaries") or []}
    return not boundary_cycle_issues(ModelIndex(boundary_parent=parents))


def _ids_by_kind(document: Mapping[str, Any]) -> dict[str, set[str]] | None:
    """The ids of each kind, or None if an id is used twice (in one kind or across two) or is the wildcard."""
    ids: dict[str, set[str]] = {}
    count = 0
    for collection, kind in KIND_OF_COLLECTION.items():
        keys = [item["id"] for item in document.get(collection) or []]
        ids[kind] = set(keys)
        count += len(keys)
    if len(set().union(*ids.values())) != count or any("*" in keys for keys in ids.values()):
        return None
    return ids


def _references(kind: str, field_name: str, values: list[Any]) -> set[str] | None:
    """The ids one reference field of a collection names (``values``: the field of each element), or None if a
    value is not what the schema allows there."""
    if field_name in _LIST_REFERENCES.get(kind, ()):
        if not all(type(value) is list for value in values if value is not None):
            return None
        refs = set(chain.from_iterable(value for value in values if value))
    else:
        refs = set(values)
        refs.discard(None)
        refs.discard("")
        if kind == "grant" and field_name == "target":
            refs.discard("*")
    return refs if all(type(ref) is str for ref in refs) else None
