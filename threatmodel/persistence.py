"""Mapping between element rows and the native element dicts (the same dicts the file format,
the change log and the snapshot use). Used by services (writes) and selectors (reads); holds no
business rules.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from operator import itemgetter
from typing import Any, overload

from django.db import models
from django.db.models.functions import Cast

from threatmodel import models as m
from threatmodel.bulkinsert import json_text as encode
from threatmodel.gcpause import gc_paused
from threatmodel.models.elements import Element

#: element kind -> Django model
ROW_MODEL: dict[str, type[Element]] = {
    "data_asset": m.DataAsset,
    "boundary": m.TrustBoundary,
    "identity": m.Identity,
    "component": m.Component,
    "flow": m.DataFlow,
    "grant": m.Grant,
    "control": m.Control,
    "threat": m.Threat,
}

#: Fields copied 1:1 between the native dict and the row.
SCALARS: dict[str, tuple[str, ...]] = {
    "data_asset": (
        "name",
        "description",
        "classification",
        "confidentiality",
        "integrity",
        "availability",
        "pii",
        "credentials",
        "tags",
        "attributes",
        "foreign_id",
    ),
    "boundary": ("name", "description", "kind", "trust_level", "tags", "attributes", "foreign_id"),
    "identity": ("name", "description", "kind", "mfa", "tags", "attributes", "foreign_id"),
    "component": (
        "name",
        "description",
        "kind",
        "technology",
        "internet_facing",
        "mesh",
        "authentication",
        "authorization",
        "encryption_at_rest",
        "logging",
        "tags",
        "attributes",
        "foreign_id",
    ),
    "flow": (
        "name",
        "description",
        "protocol",
        "port",
        "encryption",
        "authentication",
        "authorization",
        "bidirectional",
        "provenance",
        "tags",
        "attributes",
        "foreign_id",
    ),
    "grant": ("description", "actions", "scope", "attributes"),
    "control": ("control", "status", "description", "attributes"),
    "threat": (
        "title",
        "category",
        "description",
        "likelihood",
        "impact",
        "status",
        "mitigation",
        "controls",
        "attributes",
        "foreign_id",
    ),
}


class KeyMap:
    """key <-> primary key of the rows of one model, loaded per kind on first use."""

    def __init__(self, model_id: int):
        self.model_id = model_id
        self._pk: dict[str, dict[str, int]] = {}
        self._key: dict[str, dict[int, str]] = {}

    @classmethod
    def of_all_kinds(cls, model_id: int) -> tuple[KeyMap, dict[int, int | None]]:
        """The key map of every kind at once, in one query (a change set needs the index of all ids anyway), and
        each boundary's parent as primary keys."""
        from django.db import connection

        quote = connection.ops.quote_name
        kinds = list(ROW_MODEL)
        selects = []
        for i, kind in enumerate(kinds):
            meta = ROW_MODEL[kind]._meta

            def column(name: str, meta: Any = meta) -> str:
                return quote(meta.get_field(name).column)

            table = quote(meta.db_table)
            parent = column("parent") if kind == "boundary" else "NULL"
            # identifiers come from the model definitions (never from input) and are quoted
            columns = f"{i}, {column('key')}, {quote(str(meta.pk.column))}, {parent}"
            where = f"{column('model')} = %s"
            selects.append(f"SELECT {columns} FROM {table} WHERE {where}")  # noqa: S608
        keymap = cls(model_id)
        for kind in kinds:
            keymap._pk[kind] = {}
            keymap._key[kind] = {}
        parents: dict[int, int | None] = {}
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(selects), [model_id] * len(kinds))
            for i, key, pk, parent in cursor.fetchall():
                kind = kinds[i]
                keymap._pk[kind][key] = pk
                keymap._key[kind][pk] = key
                if parent is not None or kind == "boundary":
                    parents[pk] = parent
        return keymap, parents

    def _load(self, kind: str) -> None:
        if kind not in self._pk:
            rows = ROW_MODEL[kind].objects.filter(model_id=self.model_id).values_list("key", "pk")
            self._pk[kind] = dict(rows)
            self._key[kind] = {pk: key for key, pk in self._pk[kind].items()}

    @overload
    def pk(self, kind: str, key: str) -> int: ...
    @overload
    def pk(self, kind: str, key: None) -> None: ...
    def pk(self, kind: str, key: str | None) -> int | None:
        if key is None:
            return None
        self._load(kind)
        return self._pk[kind][key]

    def key(self, kind: str, pk: int | None) -> str | None:
        if pk is None:
            return None
        self._load(kind)
        return self._key[kind][pk]

    def keys(self, kind: str) -> dict[str, int]:
        self._load(kind)
        return self._pk[kind]

    def learn(self, kind: str, new_keys: Iterable[str]) -> None:
        """The primary keys of the rows just inserted with ``new_keys`` (all of the kind's rows, if not yet
        loaded)."""
        if kind not in self._pk:
            self._load(kind)
            return
        keys = set(new_keys)
        rows = ROW_MODEL[kind].objects.filter(model_id=self.model_id)
        if len(keys) <= 500:  # an editor's change set: the new rows only; a bulk write scans instead of a long IN list
            rows = rows.filter(key__in=keys)
        for key, pk in rows.values_list("key", "pk").iterator(5000):
            if key in keys:
                self.remember(kind, key, pk)

    def remember(self, kind: str, key: str, pk: int) -> None:
        self._load(kind)
        self._pk[kind][key] = pk
        self._key[kind][pk] = key

    def forget(self, kind: str, key: str) -> None:
        self._load(kind)
        pk = self._pk[kind].pop(key, None)
        if pk is not None:
            self._key[kind].pop(pk, None)


# -- rows -> dicts ------------------------------------------------------------------------------


def _position(x: float | None, y: float | None) -> dict[str, float] | None:
    return None if x is None or y is None else {"x": x, "y": y}


JSON_COLUMNS = frozenset({"tags", "attributes", "actions", "controls"})
_EMPTY_JSON: dict[str, Any] = {"[]": [], "{}": {}}


def _decode_json(raw: str | None) -> Any:
    if raw is None:
        return None
    empty = _EMPTY_JSON.get(raw)
    if empty is not None:
        return type(empty)()
    return json.loads(raw)


#: The old name, still imported by ``threatmodel.selectors`` (same helper; use ``gc_paused``).
bulk_allocation = gc_paused


def load_element_dicts(
    model_id: int,
    kinds: Iterable[str] | None = None,
    keys: Mapping[str, Iterable[str]] | None = None,
    keymap: KeyMap | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Native dicts of the model's elements, per kind (all, or only ``keys[kind]``); ``keymap``: the model's
    key map if the caller has it already."""
    with gc_paused():
        return _load_element_dicts(model_id, kinds, keys, keymap or KeyMap(model_id))


def _load_element_dicts(
    model_id: int, kinds: Iterable[str] | None, keys: Mapping[str, Iterable[str]] | None, keymap: KeyMap
) -> dict[str, list[dict[str, Any]]]:
    wanted = list(kinds or ROW_MODEL)
    out: dict[str, list[dict[str, Any]]] = {}
    for kind in wanted:
        queryset = ROW_MODEL[kind].objects.filter(model_id=model_id)
        if keys is not None:
            queryset = queryset.filter(key__in=list(keys.get(kind, ())))
        columns = ["pk", "key", *SCALARS[kind]] + _EXTRA_COLUMNS.get(kind, [])
        # JSON columns are fetched as text and decoded here: most are empty, and Django's per-row
        # JSONField converter dominates the load time of large models.
        raw_json = {
            f"{name}__raw": Cast(name, output_field=models.TextField()) for name in columns if name in JSON_COLUMNS
        }
        fetched = [f"{name}__raw" if name in JSON_COLUMNS else name for name in columns]
        rows = list(queryset.order_by("key").annotate(**raw_json).values_list(*fetched))
        links = (
            _links(kind, [r[0] for r in rows], keymap, everything=keys is None) if kind in ("component", "flow") else {}
        )
        converter = _CONVERTERS.get(kind)
        json_positions = [i for i, name in enumerate(columns) if name in JSON_COLUMNS]
        scalars = SCALARS[kind]
        items = []
        for row in rows:
            if json_positions:
                row = list(row)
                for i in json_positions:
                    row[i] = _decode_json(row[i])
            record = dict(zip(columns, row, strict=True))
            data: dict[str, Any] = {"id": record["key"]}
            for name in scalars:
                data[name] = record[name]
            if converter:
                converter(data, record, keymap, links)
            items.append(data)
        out[kind] = items
    return out


_EXTRA_COLUMNS: dict[str, list[str]] = {
    "boundary": ["parent_id", "position_x", "position_y"],
    "component": ["boundary_id", "identity_id", "position_x", "position_y"],
    "flow": ["source_id", "target_id"],
    "grant": ["identity_id", "target_component_id", "target_data_asset_id", "target_all"],
    "control": ["target_key"],
    "threat": ["target_key"],
}


def _links(kind: str, pks: list[int], keymap: KeyMap, *, everything: bool) -> dict[int, dict[str, list[str]]]:
    """The data asset links of the rows ``pks`` (``everything``: they are all the model's rows of the kind)."""
    links: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    if not pks:
        return links
    data_key = keymap.keys("data_asset")
    key_of = {pk: key for key, pk in data_key.items()}
    if kind == "component":
        component_links = (
            m.ComponentData.objects.filter(component__model_id=keymap.model_id)
            if everything
            else m.ComponentData.objects.filter(component_id__in=pks)
        )
        component_rows = component_links.order_by("component_id", "role", "ordinal").values_list(
            "component_id", "data_asset_id", "role"
        )
        for component_id, data_id, role in component_rows:
            links[component_id]["data_" + role].append(key_of[data_id])
    else:
        flow_links = (
            m.FlowData.objects.filter(flow__model_id=keymap.model_id)
            if everything
            else m.FlowData.objects.filter(flow_id__in=pks)
        )
        flow_rows = flow_links.order_by("flow_id", "ordinal").values_list("flow_id", "data_asset_id")
        for flow_id, data_id in flow_rows:
            links[flow_id]["data_assets"].append(key_of[data_id])
    return links


def _boundary(data: dict[str, Any], record: dict[str, Any], keymap: KeyMap, links: Any) -> None:
    data["parent"] = keymap.key("boundary", record["parent_id"])
    data["position"] = _position(record["position_x"], record["position_y"])


def _component(data: dict[str, Any], record: dict[str, Any], keymap: KeyMap, links: Any) -> None:
    data["boundary"] = keymap.key("boundary", record["boundary_id"])
    data["identity"] = keymap.key("identity", record["identity_id"])
    own = links.get(record["pk"], {})
    data["data_stored"] = list(own.get("data_stored", []))
    data["data_processed"] = list(own.get("data_processed", []))
    data["position"] = _position(record["position_x"], record["position_y"])


def _flow(data: dict[str, Any], record: dict[str, Any], keymap: KeyMap, links: Any) -> None:
    data["source"] = keymap.key("component", record["source_id"])
    data["target"] = keymap.key("component", record["target_id"])
    data["data_assets"] = list(links.get(record["pk"], {}).get("data_assets", []))


def _grant(data: dict[str, Any], record: dict[str, Any], keymap: KeyMap, links: Any) -> None:
    data["identity"] = keymap.key("identity", record["identity_id"])
    if record["target_all"]:
        data["target"] = "*"
    elif record["target_component_id"] is not None:
        data["target"] = keymap.key("component", record["target_component_id"])
    else:
        data["target"] = keymap.key("data_asset", record["target_data_asset_id"])
    data["actions"] = list(data["actions"])


def _control(data: dict[str, Any], record: dict[str, Any], keymap: KeyMap, links: Any) -> None:
    data["target"] = record["target_key"]


def _threat(data: dict[str, Any], record: dict[str, Any], keymap: KeyMap, links: Any) -> None:
    data["target"] = record["target_key"]
    data["controls"] = list(data["controls"])


_CONVERTERS = {
    "boundary": _boundary,
    "component": _component,
    "flow": _flow,
    "grant": _grant,
    "control": _control,
    "threat": _threat,
}


# -- dicts -> rows ------------------------------------------------------------------------------

#: Per kind, the columns of a row besides ``model_id``, ``key`` and the scalars (references as primary keys).
REFERENCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "data_asset": (),
    "boundary": ("position_x", "position_y"),
    "identity": (),
    "component": ("boundary_id", "identity_id", "position_x", "position_y"),
    "flow": ("source_id", "target_id"),
    "grant": ("identity_id", "target_all", "target_component_id", "target_data_asset_id"),
    "control": ("target_key",),
    "threat": ("target_key",),
}


def _scalar_order(kind: str) -> tuple[str, ...]:
    """The scalars of a row, those stored as JSON last (a builder encodes them apart)."""
    scalars = SCALARS[kind]
    return (*(n for n in scalars if n not in JSON_COLUMNS), *(n for n in scalars if n in JSON_COLUMNS))


def row_columns(kind: str) -> tuple[str, ...]:
    """The columns :func:`row_builder` answers values of, in order."""
    return (*_scalar_order(kind), *REFERENCE_COLUMNS[kind])


def row_builder(
    kind: str, keymap: KeyMap, *, json_text: bool = False
) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """Full native dict -> the values of :func:`row_columns` (references resolved to primary keys through
    ``keymap``, which must know the rows referred to). Chosen once per kind: a bulk write calls it per element.
    ``json_text``: the JSON columns as the text they are stored as (for ``insert_rows(..., encoded=True)``)."""
    plain = itemgetter(*(n for n in SCALARS[kind] if n not in JSON_COLUMNS))
    as_json = tuple(n for n in SCALARS[kind] if n in JSON_COLUMNS)
    if json_text and len(as_json) == 1:  # the JSON columns by one getter and ``map``, not a list per row
        (only,) = as_json

        def scalars(data: Mapping[str, Any]) -> tuple[Any, ...]:
            return (*plain(data), encode(data[only]))
    elif json_text:
        json_values = itemgetter(*as_json)

        def scalars(data: Mapping[str, Any]) -> tuple[Any, ...]:
            return (*plain(data), *map(encode, json_values(data)))
    else:

        def scalars(data: Mapping[str, Any]) -> tuple[Any, ...]:
            return (*plain(data), *[data[name] for name in as_json])

    if kind == "boundary":
        return lambda data: (*scalars(data), *_xy(data.get("position")))
    if kind == "component":
        boundary, identity = _pk_of(keymap, "boundary"), _pk_of(keymap, "identity")
        return lambda data: (
            *scalars(data),
            boundary(data.get("boundary")),
            identity(data.get("identity")),
            *_xy(data.get("position")),
        )
    if kind == "flow":
        component = _pk_of(keymap, "component")
        return lambda data: (*scalars(data), component(data["source"]), component(data["target"]))
    if kind == "grant":
        identity = _pk_of(keymap, "identity")
        components, assets = keymap.keys("component"), keymap.keys("data_asset")

        def grant(data: Mapping[str, Any]) -> tuple[Any, ...]:
            target = data["target"]
            everything = target == "*"
            return (
                *scalars(data),
                identity(data["identity"]),
                everything,
                None if everything else components.get(target),
                None if everything else assets.get(target),
            )

        return grant
    if kind in ("control", "threat"):
        return lambda data: (*scalars(data), data["target"])
    return scalars


def _pk_of(keymap: KeyMap, kind: str) -> Callable[[str | None], int | None]:
    """key -> primary key of ``kind`` (None for None), as ``keymap.pk`` answers it."""
    pks = keymap.keys(kind)
    return lambda key: None if key is None else pks[key]


def row_values(kind: str, data: Mapping[str, Any], keymap: KeyMap) -> dict[str, Any]:
    """Column values for a row from a full native dict (references resolved to primary keys)."""
    return dict(zip(row_columns(kind), row_builder(kind, keymap)(data), strict=True))


def _xy(position: Mapping[str, float] | None) -> tuple[float | None, float | None]:
    return (None, None) if not position else (position["x"], position["y"])


#: The fields of an element dict that are stored as link rows (data assets), per kind, and for a component the
#: role each field's rows carry.
LINK_FIELDS: dict[str, tuple[str, ...]] = {"component": ("data_stored", "data_processed"), "flow": ("data_assets",)}
_COMPONENT_ROLES = {"data_stored": "stored", "data_processed": "processed"}
#: The columns of the values :func:`link_builder` answers, per kind.
LINK_COLUMNS: dict[str, tuple[str, ...]] = {
    "component": ("component_id", "data_asset_id", "role", "ordinal"),
    "flow": ("flow_id", "data_asset_id", "ordinal"),
}


def link_builder(kind: str, keymap: KeyMap) -> Callable[[int, Mapping[str, Any]], list[tuple[Any, ...]]]:
    """(row's primary key, full native dict) -> the column values (:data:`LINK_COLUMNS`) of the M2M rows (data
    assets) of a component or flow; chosen once per kind, as :func:`row_builder`."""
    assets = keymap.keys("data_asset")
    if kind == "component":
        roles = tuple((name, _COMPONENT_ROLES[name]) for name in LINK_FIELDS["component"])
        return lambda pk, data: [
            (pk, assets[key], role, i) for name, role in roles for i, key in enumerate(data.get(name) or [])
        ]
    if kind == "flow":
        return lambda pk, data: [(pk, assets[key], i) for i, key in enumerate(data.get("data_assets") or [])]
    return lambda pk, data: []


def links_differ(kind: str, before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> bool:
    """Whether the link rows of ``after`` would hold other values than those of ``before``."""
    before = before or {}
    return any((after.get(name) or []) != (before.get(name) or []) for name in LINK_FIELDS.get(kind, ()))


def delete_links(kind: str, pks: list[int]) -> None:
    if kind == "component":
        m.ComponentData.objects.filter(component_id__in=pks).delete()
    elif kind == "flow":
        m.FlowData.objects.filter(flow_id__in=pks).delete()
