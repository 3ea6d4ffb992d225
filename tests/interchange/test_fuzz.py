"""Fuzz every reader: whatever the bytes, the only exception is the documented ``ModelValidationError``.

Three kinds of input per format: raw bytes; documents shaped like the format with random values at random
places; and the real sample files with parts replaced, cut or duplicated. Pure tests: no database.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.interchange.conftest import INTERCHANGE, MODELS
from threatmodel.interchange import registry
from threatmodel.invariants import ModelValidationError

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SAMPLES: dict[str, bytes] = {
    "otm": (INTERCHANGE / "EXAMPLE.json").read_bytes(),
    "threat-dragon": (INTERCHANGE / "v2-threat-model.json").read_bytes(),
    "tm7": (INTERCHANGE / "web-shop.tm7").read_bytes(),
    "native": (MODELS / "minimal.json").read_bytes(),
}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=25,
)


def _only_validation_errors(data: bytes, filename: str | None = None) -> None:
    try:
        result = registry.read(data, filename=filename)
    except ModelValidationError as exc:
        assert exc.issues and all(isinstance(i.message, str) and i.message for i in exc.issues)
    else:
        assert result.snapshot.info.name


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from([None, "m.json", "m.yaml", "m.tm7", "m.otm"]))
def test_any_bytes(data: bytes, filename: str | None) -> None:
    _only_validation_errors(data, filename)


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' abcTM:&;![]-\n{}[],:0")), max_size=300))
def test_markup_like_text(text: str) -> None:
    _only_validation_errors(text.encode("utf-8"))


def _shaped(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    if kind == "otm":
        return {"otmVersion": "0.2.0", "project": {"name": "p", "id": "p"}, **body}
    if kind == "threat-dragon":
        return {"version": "2.2.0", "summary": {"title": "t"}, "detail": {"diagrams": body.get("diagrams", [body])}}
    return {"trustmap": 1, "model": {"name": "m"}, **body}


keys = st.sampled_from(
    [
        "trustZones", "components", "dataflows", "assets", "threats", "mitigations", "project", "representations",
        "diagrams", "cells", "boundaries", "flows", "data_assets", "identities", "grants", "controls", "model",
    ]
)  # fmt: skip
cell_like = st.fixed_dictionaries(
    {
        "id": st.one_of(st.text(max_size=8), st.integers(), st.none()),
        "shape": st.sampled_from(
            ["actor", "process", "store", "flow", "trust-boundary-box", "trust-broundary-curve", "x"]
        ),
        "data": st.dictionaries(
            st.sampled_from(["type", "name", "threats", "isEncrypted", "trustmap"]), values, max_size=4
        ),
        "position": values,
        "source": values,
        "target": values,
    }
)


@FUZZ
@given(st.sampled_from(["otm", "threat-dragon", "native"]), st.dictionaries(keys, values, max_size=5))
def test_documents_shaped_like_each_format(kind: str, body: dict[str, Any]) -> None:
    _only_validation_errors(json.dumps(_shaped(kind, body), allow_nan=True).encode("utf-8"), "m.json")


@FUZZ
@given(st.lists(cell_like, max_size=6))
def test_threat_dragon_cells(cells: list[dict[str, Any]]) -> None:
    document = {"version": "2", "summary": {"title": "t"}, "detail": {"diagrams": [{"cells": cells}]}}
    _only_validation_errors(json.dumps(document).encode("utf-8"), "td.json")


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, (*prefix, index))
    return out


def _replace(document: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = new
    return document


@FUZZ
@given(st.sampled_from(["otm", "threat-dragon", "native"]), st.data())
def test_real_json_files_with_one_value_replaced(kind: str, data: st.DataObject) -> None:
    document = json.loads(SAMPLES[kind])
    paths = _paths(document)
    path = data.draw(st.sampled_from(paths))
    mutated = _replace(document, path, data.draw(values))
    _only_validation_errors(json.dumps(mutated, allow_nan=True).encode("utf-8"), "sample.json")


@FUZZ
@given(st.sampled_from(sorted(SAMPLES)), st.data())
def test_real_files_cut_and_spliced(kind: str, data: st.DataObject) -> None:
    raw = SAMPLES[kind]
    start = data.draw(st.integers(0, len(raw)))
    end = data.draw(st.integers(start, min(len(raw), start + 400)))
    insert = data.draw(st.sampled_from([b"", b"<", b"{", b"null", b'"x"', raw[start:end], b"&amp;", b"\xff"]))
    _only_validation_errors(raw[:start] + insert + raw[end:], None)


yaml_values = st.recursive(
    st.one_of(scalars, st.dates(), st.binary(max_size=8), st.frozensets(st.integers(0, 3), max_size=2)),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.one_of(st.text(max_size=6), st.integers(0, 5), st.booleans()), inner, max_size=3)
    ),
    max_leaves=15,
)


@FUZZ
@given(st.sampled_from(["otm", "threat-dragon", "native"]), st.dictionaries(keys, yaml_values, max_size=4))
def test_yaml_documents_with_every_yaml_type(kind: str, body: dict[str, Any]) -> None:
    import yaml

    text = yaml.dump(_shaped(kind, body), Dumper=yaml.Dumper)  # set, date, binary, non-text keys, ...
    _only_validation_errors(text.encode("utf-8"), "m.yaml")
