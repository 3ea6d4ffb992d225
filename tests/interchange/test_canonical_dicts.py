"""The import stores the reader's own element dicts (``canonical_collections``) instead of writing the snapshot out
again: they must equal ``snapshot_to_document(..., compact=False)`` exactly, key order included (the creation log
is one JSON text of them), on the real files and on generated models in every spelling a file may use."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from testkit.synthetic import generate_snapshot
from threatmodel.interchange.native import (
    canonical_collections,
    parse_document,
    snapshot_from_document,
    snapshot_to_document,
)
from threatmodel.invariants import ModelValidationError

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(
    [*ROOT.glob("tests/data/calibration/*.yaml"), *ROOT.glob("tests/data/models/*"), *ROOT.glob("threatmodel/demo/*")]
    + [*ROOT.glob("threatmodel/model_templates/*")]
)


def _written_out(document: Any) -> str:
    full = snapshot_to_document(snapshot_from_document(document), compact=False)
    return json.dumps({k: v for k, v in full.items() if isinstance(v, list)})


def _assert_same(document: Any) -> None:
    expected = _written_out(document)
    assert json.dumps(canonical_collections(document)) == expected


def _native_files_the_reader_accepts() -> list[Path]:
    """The sample files that are native and valid (others have no element dicts to store); chosen when the tests
    are collected, so none is skipped, and the count is checked so an emptied list fails."""
    accepted = []
    for path in FILES:
        if path.suffix not in (".yaml", ".yml", ".json"):
            continue
        document = parse_document(path.read_bytes(), path.name)
        if not isinstance(document, dict) or "trustmap" not in document:
            continue
        try:
            snapshot_from_document(document)
        except ModelValidationError:
            continue
        accepted.append(path)
    return accepted


NATIVE_FILES = _native_files_the_reader_accepts()


def test_the_sample_files_include_the_demo_and_the_calibration_set() -> None:
    names = {path.name for path in NATIVE_FILES}
    assert len(NATIVE_FILES) >= 12 and any(path.parent.name == "demo" for path in NATIVE_FILES), names


@pytest.mark.parametrize("path", NATIVE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_real_files(path: Path) -> None:
    _assert_same(parse_document(path.read_bytes(), path.name))


def _respelled(document: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The same model as another file could spell it: every field written out or only the set ones, keys in any
    order, attributes in any order, positions as integers, elements in any order."""
    full = snapshot_to_document(snapshot_from_document(document), compact=False)
    out: dict[str, Any] = {"trustmap": document["trustmap"], "model": document["model"]}
    for name, items in document.items():
        if not isinstance(items, list):
            continue
        spelled = []
        for compact, whole in zip(items, full[name], strict=True):
            item = dict(whole if rng.random() < 0.5 else compact)
            keys = list(item)
            rng.shuffle(keys)
            item = {k: item[k] for k in keys}
            if isinstance(item.get("attributes"), dict):
                pairs = list(item["attributes"].items())
                rng.shuffle(pairs)
                item["attributes"] = dict(pairs)
            if item.get("position"):
                item["position"] = {"x": int(item["position"]["x"]), "y": int(item["position"]["y"])}
            spelled.append(item)
        rng.shuffle(spelled)
        out[name] = spelled
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    components=st.integers(20, 50),
    flows=st.integers(0, 80),
    spelling=st.integers(0, 2**32 - 1),
)
def test_generated_models(seed: int, components: int, flows: int, spelling: int) -> None:
    snapshot = generate_snapshot(components, flows, seed=seed)
    document = snapshot_to_document(snapshot)
    _assert_same(document)
    _assert_same(_respelled(document, random.Random(spelling)))
