"""The native model file: round trips, the published schema, and precise refusals of bad files.

Pure tests: no database.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from catalog.packs.controls import control_ids
from threatmodel.interchange.native import MAX_FILE_BYTES, read_model, snapshot_to_document, write_model
from threatmodel.interchange.schema import schema_json
from threatmodel.invariants import ModelValidationError

DATA = Path(__file__).resolve().parents[1] / "data" / "models"
ROOT = Path(__file__).resolve().parents[2]
DEMO = (DATA / "online-shop.yaml").read_bytes()


def issues_of(text: str, filename: str = "m.yaml") -> list[str]:
    with pytest.raises(ModelValidationError) as caught:
        read_model(text, filename, known_controls=control_ids())
    return [str(issue) for issue in caught.value.issues]


def test_demo_file_is_the_shipped_demo() -> None:
    assert (ROOT / "threatmodel" / "demo" / "online-shop.yaml").read_bytes() == DEMO


def test_demo_round_trips_losslessly_through_yaml_and_json() -> None:
    snapshot = read_model(DEMO, "online-shop.yaml", known_controls=control_ids())
    assert len(snapshot.components) >= 20 and len(snapshot.flows) >= 30
    for fmt, name in (("yaml", "x.yaml"), ("json", "x.json")):
        text = write_model(snapshot, fmt)
        again = read_model(text, name)
        assert again == snapshot
        assert write_model(again, fmt) == text  # stable output


def test_json_and_yaml_files_have_the_same_structure() -> None:
    raw = (DATA / "minimal.json").read_bytes()
    from_json = read_model(raw, "minimal.json")
    from_yaml = read_model(yaml.safe_dump(json.loads(raw)), "minimal.yaml")
    assert from_json == from_yaml
    assert from_json.component_by_id["api"].position is not None


def test_full_document_lists_every_field() -> None:
    snapshot = read_model(DEMO, "online-shop.yaml")
    document = snapshot_to_document(snapshot, compact=False)
    component = document["components"][0]
    assert {
        "mesh",
        "authentication",
        "authorization",
        "encryption_at_rest",
        "logging",
        "identity",
        "data_stored",
        "data_processed",
        "position",
        "attributes",
    } <= set(component)


def test_published_schema_is_current() -> None:
    assert (ROOT / "docs" / "schema" / "trustmap-model.schema.json").read_text() == schema_json()


GOOD_HEAD = "trustmap: 1\nmodel: {name: Shop}\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            GOOD_HEAD + "boundaries: [{id: net, name: Net}]\ncomponents:\n"
            "  - {id: a, name: A, boundary: net}\n  - {id: b, name: B}\n  - {id: c, name: C}\n"
            "  - {id: d, name: D, boundary: dmz}\n",
            "components[3].boundary: unknown boundary 'dmz'",
        ),
        (
            GOOD_HEAD + "boundaries:\n  - {id: a, name: A, parent: b}\n  - {id: b, name: B, parent: a}\n",
            "boundaries[0].parent: boundary nesting cycle a -> b -> a",
        ),
        (
            GOOD_HEAD + "components:\n  - {id: x, name: X}\ndata_assets:\n  - {id: x, name: Also X}\n",
            "components[0].id: duplicate id 'x' (already used by data_assets[0])",
        ),
        (
            GOOD_HEAD + "components: [{id: a, name: A}]\nflows: [{id: f, source: a, target: ghost}]\n",
            "flows[0].target: unknown component 'ghost'",
        ),
        (
            GOOD_HEAD + "components: [{id: a, name: A}, {id: b, name: B}]\n"
            "flows: [{id: f, source: a, target: b, port: 70000}]\n",
            "flows[0].port: 70000 is not a valid port (an integer from 1 to 65535, or null)",
        ),
        (
            GOOD_HEAD + "components: [{id: a, name: A, kind: mainframe}]\n",
            "components[0].kind: 'mainframe' is not one of",
        ),
        (GOOD_HEAD + "components: [{id: a, name: A, colour: red}]\n", "components[0]: unknown field 'colour'"),
        (
            GOOD_HEAD + "components: [{id: a, name: A, internet_facing: 'yes'}]\n",
            "components[0].internet_facing: 'yes' is not of type 'boolean'",
        ),
        (GOOD_HEAD + "components: [{id: 'bad id!', name: A}]\n", "components[0].id: 'bad id!' is not a valid id"),
        (
            GOOD_HEAD + "components: [{id: a, name: A}]\ncontrols: [{id: c1, control: laser-moat, target: a}]\n",
            "controls[0].control: unknown catalog control 'laser-moat'",
        ),
        (
            GOOD_HEAD + "identities: [{id: i, name: I}]\ngrants: [{id: g, identity: i, target: nowhere}]\n",
            "grants[0].target: unknown component or data asset 'nowhere'",
        ),
        ("trustmap: 2\nmodel: {name: Shop}\n", "trustmap: unsupported format version 2; this version reads 1"),
        ("model: {name: Shop}\n", "'trustmap' is a required property"),
        ("- just\n- a list\n", "a model file must be a mapping at the top level, not list"),
        ("trustmap: 1\nmodel: {name: [unclosed\n", "invalid YAML"),
        ('{"trustmap": 1, }', "line 1: invalid JSON"),
        ("", "file is empty"),
    ],
)
def test_malformed_files_are_refused_with_a_precise_message(text: str, expected: str) -> None:
    filename = "m.json" if text.startswith("{") else "m.yaml"
    messages = issues_of(text, filename)
    assert any(expected in message for message in messages), messages


def test_yaml_aliases_are_refused() -> None:
    bomb = GOOD_HEAD + "x: &a [1, 2]\ncomponents: *a\n"
    assert any("aliases" in m for m in issues_of(bomb))


def test_huge_and_binary_files_are_refused() -> None:
    with pytest.raises(ModelValidationError, match="limit is"):
        read_model(b"#" * (MAX_FILE_BYTES + 1), "big.yaml")
    with pytest.raises(ModelValidationError, match="not UTF-8"):
        read_model(b"\xff\xfe\x00bad", "bin.yaml")


def test_deep_nesting_is_refused() -> None:
    deep = GOOD_HEAD + "components: [{id: a, name: A, attributes: " + "{x: " * 60 + "1" + "}" * 60 + "}]\n"
    assert any("nested" in m for m in issues_of(deep))


def test_every_problem_is_reported_at_once() -> None:
    text = GOOD_HEAD + "components:\n  - {id: a, name: A, boundary: nope}\n  - {id: b, name: B, identity: who}\n"
    assert issues_of(text) == [
        "components[0].boundary: unknown boundary 'nope'",
        "components[1].identity: unknown identity 'who'",
    ]
