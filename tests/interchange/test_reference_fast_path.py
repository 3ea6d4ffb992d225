"""A schema-valid native document is answered by a check of its columns as sets (``_everything_holds``); only a
document it doubts takes the walk that words every issue with its place. The two must agree on every document:
a valid model passes both, and any break of a reference rule fails both, with the issues of the full walk. The
import then builds no snapshot for the answer, and the snapshot built later equals the one read eagerly."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.packs.controls import control_ids
from testkit.synthetic import generate_snapshot
from threatmodel.domain import KIND_OF_COLLECTION
from threatmodel.interchange import registry
from threatmodel.interchange.native import parse_document, read_model, snapshot_to_document
from threatmodel.interchange.native_checks import _everything_holds, _reference_issues, document_issues
from threatmodel.invariants import REFERENCES, ModelValidationError

CONTROLS = control_ids()


def _document(components: int = 40, flows: int = 160, seed: int = 11) -> dict[str, Any]:
    return snapshot_to_document(generate_snapshot(components, flows, seed=seed), compact=False)


def _agree(document: dict[str, Any]) -> list[Any]:
    issues = _reference_issues(document, CONTROLS)
    assert _everything_holds(document, CONTROLS) == (not issues), issues
    return issues


def test_a_valid_model_passes_both() -> None:
    assert _agree(_document()) == []


def _breaks(document: dict[str, Any], rng: random.Random) -> list[tuple[str, dict[str, Any]]]:
    """One copy per rule, each breaking it once at a random element."""
    out = []
    for collection, kind in KIND_OF_COLLECTION.items():
        items = document.get(collection) or []
        if not items:
            continue
        for field_name in REFERENCES[kind]:
            broken = copy.deepcopy(document)
            item = rng.choice(broken[collection])
            value = item.get(field_name)
            item[field_name] = [*(value or []), "nowhere"] if isinstance(value, list) else "nowhere"
            out.append((f"{collection}.{field_name} dangling", broken))
        for field_name, allowed in REFERENCES[kind].items():  # a reference to an element of a kind not allowed
            other = next(c for c, k in KIND_OF_COLLECTION.items() if k not in allowed and document.get(c))
            wrong_kind = copy.deepcopy(document)
            item = rng.choice(wrong_kind[collection])
            target = rng.choice(wrong_kind[other])["id"]
            item[field_name] = [target] if isinstance(item.get(field_name), list) else target
            out.append((f"{collection}.{field_name} names a {KIND_OF_COLLECTION[other]}", wrong_kind))
        twice = copy.deepcopy(document)
        twice[collection].append(copy.deepcopy(rng.choice(twice[collection])))
        out.append((f"{collection} id twice", twice))
        wildcard = copy.deepcopy(document)
        rng.choice(wildcard[collection])["id"] = "*"
        out.append((f"{collection} wildcard id", wildcard))
    across = copy.deepcopy(document)
    across["flows"][0]["id"] = across["components"][0]["id"]
    out.append(("an id in two kinds", across))
    loop = copy.deepcopy(document)
    loop["flows"][0]["target"] = loop["flows"][0]["source"]
    out.append(("a flow to itself", loop))
    control = copy.deepcopy(document)
    control["controls"][0]["control"] = "NOT-IN-THE-CATALOG"
    out.append(("an unknown control", control))
    if len(document.get("boundaries") or []) >= 2:
        cycle = copy.deepcopy(document)
        a, b = cycle["boundaries"][0], cycle["boundaries"][1]
        a["parent"], b["parent"] = b["id"], a["id"]
        out.append(("a boundary cycle", cycle))
    return out


def test_every_break_fails_both() -> None:
    document = _document()
    assert document.get("controls") and len(document["boundaries"]) >= 2
    for rule, broken in _breaks(document, random.Random(5)):
        assert _agree(broken), rule


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), components=st.integers(20, 45))
def test_generated_models_and_their_breaks(seed: int, components: int) -> None:
    document = _document(components, components * 3, seed)
    assert _agree(document) == []
    rng = random.Random(seed)
    breaks = _breaks(document, rng)
    for rule, broken in rng.sample(breaks, min(6, len(breaks))):
        assert _agree(broken), rule


def _file(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


def test_a_threat_whose_title_is_only_spaces_is_refused_with_its_place() -> None:
    document = _document()
    document["threats"] = [{"id": "t-1", "target": document["components"][0]["id"], "title": "   "}]
    with pytest.raises(ModelValidationError) as refused:
        registry.read(_file(document), filename="m.json", known_controls=CONTROLS)
    assert [(i.path, i.message) for i in refused.value.issues] == [
        ("threats[0].title", "a threat needs a title (this one is only spaces)")
    ]
    assert document_issues(document, known_controls=CONTROLS)


def test_the_import_result_builds_the_snapshot_when_asked_and_it_equals_the_eager_one() -> None:
    raw = registry.write(generate_snapshot(60, 240, seed=4), "native-json")
    result = registry.read(raw, filename="m.json", known_controls=CONTROLS)
    assert result._snapshot is None  # nothing built yet: a model created from the file needs only the dicts
    eager = read_model(raw, "m.json", known_controls=CONTROLS)
    assert result.info == eager.info
    assert result.snapshot == eager
    assert list(result.locations) == list(eager.element_by_id)
    document = parse_document(raw, "m.json")
    first = document["flows"][0]["id"]
    assert result.line_of(first) == raw.decode().count("\n", 0, raw.decode().index(f'"id": "{first}"')) + 1
