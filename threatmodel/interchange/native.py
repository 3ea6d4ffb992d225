"""Reader and writer of the native model file (YAML or JSON, same structure).

Pure Python over the frozen dataclasses in ``threatmodel.domain``. Reading is all-or-nothing:
any problem raises ``ModelValidationError`` listing every issue with its path
(``components[3].boundary: unknown boundary 'dmz'``), and returns no partial model.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import MISSING, fields
from enum import StrEnum
from operator import attrgetter, itemgetter
from typing import Any

import yaml

from threatmodel import inputgate, vocabulary
from threatmodel.domain import COLLECTIONS, ModelInfo, Position, Snapshot
from threatmodel.interchange.base import ImportResult, line_index, locations_for, triage_from_attributes
from threatmodel.interchange.native_checks import document_issues
from threatmodel.interchange.schema import FORMAT_NAME, FORMAT_VERSION
from threatmodel.invariants import Issue, ModelValidationError

#: The largest model file any reader takes (page, API, ``tm_import``, the CLI), whatever its format. Above every
#: export of a model at the supported scale (10,000 components / 50,000 flows: native JSON 21 MB, OTM 40 MB,
#: Threat Dragon 101 MB, pinned by tests/interchange/test_size_limits.py), so what Trustmap writes it reads back.
#: JSON API bodies (change sets) have their own, smaller limit: ``DATA_UPLOAD_MAX_MEMORY_SIZE``.
MAX_FILE_BYTES = 128 * 1024 * 1024
MAX_DEPTH = inputgate.MAX_DEPTH
#: Fields shown to people as an element's name (a threat's is its title): the input gate's name rules apply.
NAME_FIELDS: tuple[str, ...] = ("name", "title")


class _NoAliasSafeLoader(yaml.SafeLoader):
    """Safe YAML without anchors/aliases (defeats "billion laughs" expansion)."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.events.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise ModelValidationError(
                [Issue(f"line {event.start_mark.line + 1}", "YAML aliases (*name) are not allowed in model files")]
            )
        return super().compose_node(parent, index)


#: The YAML tags a model file may use: the JSON types. Dates, ``!!binary``, ``!!set``, ``!!omap``... are refused
#: (a date would come back as a ``datetime`` that JSON, the database and the exporter do not hold).
JSON_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "str", "seq", "map"))


class _JsonTypesLoader(_NoAliasSafeLoader):
    """Safe YAML without aliases, producing only JSON types."""

    yaml_constructors = {tag: c for tag, c in yaml.SafeLoader.yaml_constructors.items() if tag in JSON_TAGS}
    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag in JSON_TAGS]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_undefined(self, node: Any) -> Any:
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"the tag {node.tag!r} is not allowed (only JSON types: no dates, binary, sets)",
            node.start_mark,
        )

    def construct_yaml_int(self, node: Any) -> Any:
        digits = str(self.construct_scalar(node)).lstrip("+-").replace("_", "")
        if len(digits) > inputgate.MAX_NUMBER_LITERAL:
            raise yaml.constructor.ConstructorError(
                None, None, f"an integer of {len(digits):,} digits is out of range", node.start_mark
            )
        return super().construct_yaml_int(node)


_JsonTypesLoader.add_constructor("tag:yaml.org,2002:int", _JsonTypesLoader.construct_yaml_int)
_JsonTypesLoader.add_constructor(None, _JsonTypesLoader.construct_undefined)


def parse_document(raw: bytes | str, filename: str = "") -> Any:
    """Bytes of a YAML or JSON file -> plain Python data, with size and syntax checks and the input gate
    (``threatmodel.inputgate``: JSON types only, valid Unicode, finite numbers, at most :data:`MAX_DEPTH` levels,
    names without control characters)."""
    document = _load_document(raw, filename)
    issues = document_name_issues(document)
    if issues:
        raise ModelValidationError(issues)
    return document


def document_name_issues(document: Any) -> list[Issue]:
    """Names of the model and of its elements are names shown to people (no bidirectional overrides)."""
    if not isinstance(document, dict):
        return []
    issues: list[Issue] = []
    info = document.get("model")
    if isinstance(info, dict) and isinstance(info.get("name"), str):
        issues += inputgate.name_issues(info["name"], "model.name")
    plain = inputgate.plain_name
    for collection in COLLECTIONS:
        items = document.get(collection)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict):
                continue
            for key in NAME_FIELDS:
                value = item.get(key)
                if isinstance(value, str) and not plain(value):
                    issues += inputgate.name_issues(value, f"{collection}[{index}].{key}")
    return issues


def _text_of(raw: bytes | str) -> str:
    """The file's text: at most :data:`MAX_FILE_BYTES`, UTF-8, not blank."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if len(raw) > MAX_FILE_BYTES:
        raise ModelValidationError([Issue("", f"file is {len(raw):,} bytes; the limit is {MAX_FILE_BYTES:,}")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ModelValidationError([Issue("", f"file is not UTF-8 text (byte {exc.start})")]) from None
    if not text.strip():
        raise ModelValidationError([Issue("", "file is empty")])
    return text


def _load_document(raw: bytes | str, filename: str) -> Any:
    text = _text_of(raw)
    stripped = text.lstrip()
    looks_json = filename.lower().endswith(".json") or stripped.startswith(("{", "["))
    if looks_json:  # the common case, valid JSON, without the walk over the text below; any other is checked in full
        clean, document = inputgate.clean_json(text, max_depth=MAX_DEPTH)
        if clean:
            return document
    if inputgate.bracket_depth(text, stop_after=MAX_DEPTH) > MAX_DEPTH:  # flow-style YAML included
        raise ModelValidationError([Issue("", f"document is nested deeper than {MAX_DEPTH} levels")])
    if looks_json:
        try:
            return inputgate.parse_checked(text, max_depth=MAX_DEPTH)  # nesting checked above
        except inputgate.InputRefused as exc:
            if filename.lower().endswith(".json") or not exc.issues[0].message.startswith("invalid JSON"):
                raise
    try:
        document = yaml.load(text, Loader=_JsonTypesLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ModelValidationError([Issue(where, f"invalid YAML: {exc.problem}")]) from None
    except yaml.YAMLError as exc:
        raise ModelValidationError([Issue("", f"invalid YAML: {exc}")]) from None
    except (RecursionError, MemoryError):
        raise ModelValidationError([Issue("", "document is nested too deeply")]) from None
    return inputgate.check_value(document, max_depth=MAX_DEPTH)


# -- element <-> dict --------------------------------------------------------------------------

_FIELDS: dict[type, tuple[Any, ...]] = {kind: fields(kind) for kind in COLLECTIONS.values()}


_REQUIRED: dict[type, frozenset[str]] = {
    kind: frozenset(f.name for f in fs if f.default is MISSING and f.default_factory is MISSING)
    for kind, fs in _FIELDS.items()
}


def element_to_dict(element: Any, *, compact: bool = False) -> dict[str, Any]:
    """The native (JSON-ready) form of an element. ``compact`` omits fields left at their default."""
    plan = None if compact else _FULL_PLANS.get(type(element))
    if plan is not None:  # every field: all values in one attrgetter call, then the few that need converting
        getter, names, converted = plan
        full = dict(zip(names, getter(element), strict=True))
        for name, convert in converted:
            full[name] = convert(full[name])
        return full
    out: dict[str, Any] = {}
    for name, convert, default, required in _OUT_PLANS[type(element)]:
        value = getattr(element, name)
        if (
            compact
            and not required
            and (value == default or value in ((), None, "") or (isinstance(value, Mapping) and not value))
        ):
            continue
        out[name] = convert(value) if convert is not None else value
    return out


def _enum_value(value: Any) -> Any:
    return value.value if isinstance(value, StrEnum) else value


def _position_dict(value: Any) -> Any:
    return {"x": value.x, "y": value.y} if isinstance(value, Position) else value


def _sorted_mapping(value: Any) -> Any:
    return {k: value[k] for k in sorted(value)} if isinstance(value, Mapping) else value


def _plain_list(value: Any) -> Any:
    return [_plain(v) for v in value] if isinstance(value, tuple | list) else value


def _out_converter(name: str, annotation: str) -> Callable[[Any], Any] | None:
    """Per field, what ``_plain`` would do to its value, chosen once from the field's type."""
    if name == "position":
        return _position_dict
    if name == "attributes":
        return _sorted_mapping
    if annotation == "tuple[str, ...]":
        return list
    if annotation.startswith("tuple"):
        return _plain_list
    if annotation.split(" ")[0] in _ENUM_TYPES_OUT:
        return _enum_value
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Position):
        return {"x": value.x, "y": value.y}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: value[k] for k in sorted(value)}
    return value


def _enum_converter(kind: type[StrEnum]) -> Callable[[Any], Any]:
    members = {m.value: m for m in kind}

    def convert(value: Any) -> Any:
        return members[value] if isinstance(value, str) else value

    return convert


def _position(value: Any) -> Position | None:
    return Position(float(value["x"]), float(value["y"])) if value else None


def _tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


_ENUM_TYPES: dict[str, type[StrEnum]] = {
    name: getattr(vocabulary, name)
    for name in (
        "Classification",
        "Rating",
        "BoundaryKind",
        "TrustLevel",
        "ComponentKind",
        "MeshMode",
        "Authentication",
        "Authorization",
        "Logging",
        "IdentityKind",
        "Encryption",
        "Provenance",
        "ControlStatus",
        "BusinessCriticality",
        "ThreatCategory",
        "Likelihood",
        "Impact",
        "ThreatStatus",
    )
}
_GRANT_ACTION = _enum_converter(vocabulary.GrantAction)


def _field_converter(name: str, annotation: str) -> Callable[[Any], Any] | None:
    if name == "position":
        return _position
    if name == "attributes":
        return lambda value: dict(value or {})
    if name == "actions":
        return lambda value: tuple(_GRANT_ACTION(a) for a in value)
    if annotation in _ENUM_TYPES:
        return _enum_converter(_ENUM_TYPES[annotation])
    if annotation.startswith("tuple"):
        return _tuple
    return None


_ENUM_TYPES_OUT = frozenset(_ENUM_TYPES)
#: Per element type: (field name, converter to plain or None, default, required), computed once.
_OUT_PLANS: dict[type, tuple[tuple[str, Callable[[Any], Any] | None, Any, bool], ...]] = {
    kind: tuple((f.name, _out_converter(f.name, str(f.type)), f.default, f.name in _REQUIRED[kind]) for f in fs)
    for kind, fs in _FIELDS.items()
}
#: Per element type: a getter of all field values (a tuple), the field names, and the fields to convert.
_FULL_PLANS: dict[type, tuple[Callable[[Any], tuple[Any, ...]], tuple[str, ...], tuple[tuple[str, Any], ...]]] = {
    kind: (
        attrgetter(*(p[0] for p in plan)),
        tuple(p[0] for p in plan),
        tuple((p[0], p[1]) for p in plan if p[1] is not None),
    )
    for kind, plan in _OUT_PLANS.items()
    if len(plan) > 1  # attrgetter of one name answers the value itself, not a tuple
}
#: Per element type: (field name, converter or None), computed once.
_PLANS: dict[type, tuple[tuple[str, Callable[[Any], Any] | None], ...]] = {
    kind: tuple((f.name, _field_converter(f.name, str(f.type))) for f in fs) for kind, fs in _FIELDS.items()
}

#: Per element type: its field names, and the fields to convert, computed once.
_IN_PLANS: dict[type, tuple[frozenset[str], tuple[tuple[str, Callable[[Any], Any]], ...]]] = {
    kind: (frozenset(name for name, _ in plan), tuple((n, c) for n, c in plan if c is not None))
    for kind, plan in _PLANS.items()
}


def element_from_dict(kind: type, data: Mapping[str, Any]) -> Any:
    """Build an element from its (schema-valid) native dict."""
    names, converted = _IN_PLANS[kind]
    if data.keys() <= names:  # no stray keys (the schema allows none): copy it whole, convert the few that need it
        kwargs = dict(data)
        for name, convert in converted:
            if name in kwargs:
                kwargs[name] = convert(kwargs[name])
        return kind(**kwargs)
    kwargs = {}
    for name, convert_or_none in _PLANS[kind]:
        if name in data:
            value = data[name]
            kwargs[name] = convert_or_none(value) if convert_or_none is not None else value
    return kind(**kwargs)


def _plain_position(value: Any) -> Any:
    return {"x": float(value["x"]), "y": float(value["y"])} if value else None


def _plain_attributes(value: Any) -> dict[str, Any]:
    value = value or {}
    return {k: value[k] for k in sorted(value)}


def _canonical_converter(name: str, annotation: str) -> Callable[[Any], Any] | None:
    """Per field, what ``element_from_dict`` then ``element_to_dict`` does to a schema-valid plain value."""
    if name == "position":
        return _plain_position
    if name == "attributes":
        return _plain_attributes
    if annotation == "tuple[str, ...]":
        return list
    if annotation.startswith("tuple"):
        return _plain_list
    return None  # enums: a valid value is its member's value already; the rest is kept as it is


#: Per element type: the full dict with every field at its default as ``element_to_dict`` writes it (None for a
#: required field, which the input has, and for the attributes, rebuilt), and the fields to rebuild.
_CANONICAL_PLANS: dict[type, tuple[dict[str, Any], tuple[tuple[str, Callable[[Any], Any]], ...]]] = {
    kind: (
        {f.name: None if f.default is MISSING else _plain(f.default) for f in fs},
        tuple((f.name, convert) for f in fs if (convert := _canonical_converter(f.name, str(f.type))) is not None),
    )
    for kind, fs in _FIELDS.items()
}


def canonical_dict(kind: type, data: Mapping[str, Any]) -> dict[str, Any]:
    """``element_to_dict(element_from_dict(kind, data))`` of a schema-valid dict, without building the element
    (the import's rows and creation log take these; tests prove the two equal, key order included)."""
    template, converted = _CANONICAL_PLANS[kind]
    if not data.keys() <= template.keys():
        return element_to_dict(element_from_dict(kind, data))
    full = {**template, **data}
    for name, convert in converted:
        full[name] = convert(full[name])
    return full


def canonical_collections(document: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The element dicts of a validated document as ``snapshot_to_document(..., compact=False)`` lists them:
    full, in field order, each collection sorted by id (as ``Snapshot.build`` sorts), empty ones left out."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name, kind in COLLECTIONS.items():
        items = document.get(name)
        if items:
            out[name] = sorted((canonical_dict(kind, item) for item in items), key=itemgetter("id"))
    return out


def info_to_dict(info: ModelInfo) -> dict[str, Any]:
    return {
        "name": info.name,
        "description": info.description,
        "business_criticality": info.business_criticality.value,
        "tags": list(info.tags),
        "attributes": _plain(info.attributes),
    }


def info_from_dict(data: Mapping[str, Any]) -> ModelInfo:
    return ModelInfo(
        name=data["name"],
        description=data.get("description", ""),
        business_criticality=vocabulary.BusinessCriticality(data.get("business_criticality", "important")),
        tags=tuple(data.get("tags", ())),
        attributes=dict(data.get("attributes") or {}),
    )


# -- whole documents ---------------------------------------------------------------------------


def snapshot_from_document(
    document: Any, *, known_controls: frozenset[str] | None = None, revision: int = 0, gated: bool = False
) -> Snapshot:
    issues = document_issues(document, known_controls=known_controls, gated=gated)
    if issues:
        raise ModelValidationError(issues)
    return _snapshot_of(document, info_from_dict(document["model"]), revision)


def _snapshot_of(document: Mapping[str, Any], info: ModelInfo, revision: int = 0) -> Snapshot:
    """The snapshot of a document :func:`document_issues` has nothing to say about."""
    collections = {
        name: [element_from_dict(kind, item) for item in document.get(name) or []] for name, kind in COLLECTIONS.items()
    }
    return Snapshot.build(info, revision=revision, **collections)


def read_model(raw: bytes | str, filename: str = "", *, known_controls: frozenset[str] | None = None) -> Snapshot:
    """Parse and validate a native model file. Raises ``ModelValidationError``."""
    return snapshot_from_document(parse_document(raw, filename), known_controls=known_controls, gated=True)


def snapshot_to_document(snapshot: Snapshot, *, compact: bool = True) -> dict[str, Any]:
    document: dict[str, Any] = {FORMAT_NAME: FORMAT_VERSION, "model": info_to_dict(snapshot.info)}
    if compact:
        document["model"] = {k: v for k, v in document["model"].items() if v not in ("", [], {})}
    for name in COLLECTIONS:
        items = getattr(snapshot, name)
        if items:
            document[name] = [element_to_dict(e, compact=compact) for e in items]
    return document


def write_model(snapshot: Snapshot, fmt: str = "yaml") -> str:
    document = snapshot_to_document(snapshot)
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    raise ValueError(f"unknown format {fmt!r}; use yaml or json")


# -- the registry's entry points ---------------------------------------------------------------


def sniff(document: Mapping[str, Any]) -> bool:
    return FORMAT_NAME in document


def read_result(document: Any, text: str, filename: str, known_controls: frozenset[str] | None) -> ImportResult:
    """A document from :func:`parse_document` -> ``ImportResult`` with the line of every element. The snapshot
    and the lines are found when first asked for: a model created from the file needs neither (it stores the
    info and the element dicts), and the document has been checked in full here."""
    issues = document_issues(document, known_controls=known_controls, gated=True)
    if issues:
        raise ModelValidationError(issues)
    info = info_from_dict(document["model"])
    element_dicts = canonical_collections(document)
    ids = {item["id"]: None for items in element_dicts.values() for item in items}  # in the snapshot's order
    return ImportResult(
        format="native",
        snapshot=lambda: _snapshot_of(document, info),
        info=info,
        locations=locations_for(filename, lambda: line_index(text), None, ids),
        triage=triage_from_attributes(info.attributes, "model.attributes"),
        element_dicts=element_dicts,
    )
