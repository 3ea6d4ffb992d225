"""Hostile and broken files: each reader refuses them with a message naming the place, and returns nothing.

Pure tests: no database.
"""

from __future__ import annotations

import json

import pytest

from tests.interchange.conftest import INTERCHANGE
from threatmodel.interchange import registry
from threatmodel.interchange.native import MAX_FILE_BYTES
from threatmodel.invariants import ModelValidationError


def _issues(raw: bytes, filename: str | None = None) -> list[str]:
    with pytest.raises(ModelValidationError) as caught:
        registry.read(raw, filename=filename)
    return [str(i) for i in caught.value.issues]


@pytest.mark.parametrize("head", [b'{"otmVersion": "0.2.0", "x": "', b"<ThreatModel>", b"trustmap: 1\nx: '"])
def test_oversized_files_are_refused_before_parsing(head: bytes) -> None:
    raw = head + b"a" * (MAX_FILE_BYTES + 1)
    assert _issues(raw) == [f"file is {len(raw):,} bytes; the limit is {MAX_FILE_BYTES:,}"]


def test_yaml_alias_bomb_is_refused() -> None:
    bomb = b"otmVersion: 0.2.0\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    bomb += b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nproject: {name: *c, id: p}\n"
    assert _issues(bomb, "bomb.otm.yaml") == ["line 3: YAML aliases (*name) are not allowed in model files"]


@pytest.mark.parametrize(
    "raw",
    [b"[" * 100_000, b'{"otmVersion": "0.2.0", "project": ' + b'{"a": ' * 5000, b"a: " + b"[" * 20_000],
)
def test_deeply_nested_input_is_refused(raw: bytes) -> None:
    assert _issues(raw) == ["document is nested deeper than 32 levels"]


def test_nesting_within_the_parser_limit_but_past_the_model_limit_is_refused() -> None:
    document = json.loads((INTERCHANGE / "EXAMPLE.json").read_text(encoding="utf-8"))
    deep: dict = {}  # type: ignore[type-arg]
    cursor = deep
    for _ in range(60):
        cursor["x"] = {}
        cursor = cursor["x"]
    document["components"][0]["attributes"] = {"deep": deep}
    assert _issues(json.dumps(document).encode()) == ["document is nested deeper than 32 levels"]


OTM_HEAD = b'{"otmVersion": "0.2.0", "project": {"name": "n", "id": "p"}, '


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            b"trustmap: 1\nmodel: {name: x}\ncomponents: [{id: a, name: b, 7: c}]\n",
            "components[0]: keys must be strings, not int (7)",
        ),
        (
            b"otmVersion: 0.2.0\nproject: {name: n, id: p, attributes: {blob: !!binary aGk=}}\n",
            "line 2, column 46: invalid YAML: the tag 'tag:yaml.org,2002:binary' is not allowed",
        ),
        (
            OTM_HEAD + b'"assets": [{"id": "a", "name": "a", "risk": {"confidentiality": NaN}}]}',
            "line 1, column 126: NaN is not a JSON number",
        ),
        (
            OTM_HEAD + b'"trustZones": [{"id": "z", "name": "z", "risk": {"trustRating": 1' + b"0" * 400 + b"}}]}",
            "line 1, column 126: an integer of 401 digits is out of range",
        ),
        (
            b'{"otmVersion": 2, "project": {"name": "n", "id": "p"}}',
            "otmVersion: unsupported OTM version '2'; this version reads 0.1 and 0.2",
        ),
        (b'{"summary": {"title": "t"}, "detail": {"diagrams": "many"}}', "detail.diagrams: must be a list, not str"),
        (b"\xff\xfe<ThreatModel/>", "file is not UTF-8 text (byte 0)"),
        (b'["a list"]', "not a model file Trustmap reads"),
    ],
)
def test_wrong_types_are_refused_naming_the_place(raw: bytes, message: str) -> None:
    issues = _issues(raw)
    assert any(issue.startswith(message) for issue in issues), issues


def test_a_date_like_name_is_read_as_the_text_it_is() -> None:
    # YAML's implicit dates are not a JSON type: the loader keeps the characters as written.
    snapshot = registry.read(b"trustmap: 1\nmodel: {name: 2020-01-01}\n", filename="m.yaml").snapshot
    assert snapshot.info.name == "2020-01-01"
