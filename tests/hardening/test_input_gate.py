"""One input gate (issue 19, observations 3, 4, 9): bodies that crashed parsers are 400s naming the place,
nothing is saved, the nesting limit of a change set is the importer's (what is accepted exports and re-imports),
and names refuse bidirectional overrides."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import client_for
from threatmodel import models as m
from threatmodel.inputgate import ELEMENT_MAX_DEPTH, bracket_depth, check_value, loads, value_issues
from threatmodel.invariants import ModelValidationError

DATA = Path(__file__).resolve().parent.parent / "data" / "models"
MINIMAL = (DATA / "minimal.json").read_text()


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"x": value}
    return value


def yaml_model(attributes: str) -> str:
    return (
        f"trustmap: 1\nmodel:\n  name: Hostile\ncomponents:\n  - id: api\n    name: API\n    attributes: {attributes}\n"
    )


HOSTILE_FILES = {
    "json brackets": ("upload.json", "[" * 100_000 + "]" * 100_000),
    "json brackets without name": ("upload.yaml", "[" * 100_000),
    "yaml flow brackets": ("upload.yaml", "a: " + "[" * 100_000),
    "5000-digit integer": ("upload.json", MINIMAL.replace('"x": 10', '"x": ' + "9" * 5000)),
    "5000-digit integer yaml": ("upload.yaml", yaml_model("{n: " + "9" * 5000 + "}")),
    "non-string key": ("upload.yaml", yaml_model("{1: one}")),
    "NaN json": ("upload.json", MINIMAL.replace('"x": 10', '"x": NaN')),
    "nan yaml": ("upload.yaml", yaml_model("{n: .nan}")),
    "inf yaml": ("upload.yaml", yaml_model("{n: -.inf}")),
    "binary": ("upload.yaml", yaml_model("{b: !!binary aGVsbG8=}")),
    "explicit timestamp": ("upload.yaml", yaml_model("{d: !!timestamp 2024-01-01}")),
    "set": ("upload.yaml", yaml_model("!!set {a, b}")),
    "python tag": ("upload.yaml", yaml_model("!!python/object:os.system {}")),
    "NUL in name": ("upload.json", MINIMAL.replace('"API"', '"A\\u0000PI"')),
    "NUL in key": ("upload.yaml", yaml_model('{"a\\0b": 1}')),
    "lone surrogate": ("upload.json", MINIMAL.replace('"API"', '"\\ud800"')),
    "bidi override in name": ("upload.json", MINIMAL.replace('"API"', '"\\u202eexe.txt"')),
    "too deep": ("upload.json", MINIMAL.replace('"x": 10', '"x": ' + json.dumps(nested(40)))),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(HOSTILE_FILES))
def test_hostile_import_is_400_and_saves_nothing(team_setup: Any, case: str) -> None:
    filename, text = HOSTILE_FILES[case]
    before = m.ThreatModel.objects.count()
    content_type = "application/json" if filename.endswith(".json") else "application/yaml"
    response = client_for(team_setup.editor).post(
        f"/api/v1/teams/{team_setup.team.pk}/models/import/",
        text.encode("utf-8", "surrogatepass"),
        content_type=content_type,
    )
    assert response.status_code == 400, (case, response.status_code, response.content[:300])
    assert response.json()["errors"], response.json()
    assert m.ThreatModel.objects.count() == before


def test_yaml_dates_are_text_and_explicit_tags_say_where() -> None:
    """A date written plainly is read as the text it is (JSON has no dates); an explicit tag is refused."""
    from threatmodel.interchange.native import parse_document

    for value in ("2024-01-01", "'2024-01-01'", "2024-01-01T10:00:00Z"):
        attributes = parse_document(yaml_model(f"{{d: {value}}}"))["components"][0]["attributes"]
        assert attributes == {"d": value.strip("'")}
    with pytest.raises(ModelValidationError) as refused:
        parse_document(yaml_model("{d: !!timestamp 2024-01-01}"))
    assert "line 7" in str(refused.value) and "not allowed" in str(refused.value)


def changeset(team_setup: Any, changes: list[dict[str, Any]], *, raw: str | None = None) -> Any:
    body = raw if raw is not None else json.dumps({"base_revision": team_setup.model.revision, "changes": changes})
    return client_for(team_setup.editor).post(
        f"/api/v1/models/{team_setup.model.pk}/changesets/", body, content_type="application/json"
    )


def attribute_change(value: Any) -> dict[str, Any]:
    return {"op": "update", "kind": "component", "id": "gateway", "data": {"attributes": {"v": value}}}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw_value",
    ["1e999", "-1e999", "NaN", "Infinity", '"\\ud800"', '"a\\u0000b"', "9" * 5000, str(2**64), '{"\\u0000": 1}'],
)
def test_changeset_refuses_non_portable_values(team_setup: Any, raw_value: str) -> None:
    revision = team_setup.model.revision
    change = '{"op": "update", "kind": "component", "id": "gateway", "data": {"attributes": {"v": RAW}}}'
    raw = f'{{"base_revision": {revision}, "changes": [{change.replace("RAW", raw_value)}]}}'
    response = changeset(team_setup, [], raw=raw)
    assert response.status_code == 400, (raw_value, response.content[:300])
    team_setup.model.refresh_from_db()
    assert team_setup.model.revision == revision


@pytest.mark.django_db
def test_changeset_nesting_limit_is_the_importers(team_setup: Any) -> None:
    """40 levels were accepted and then exported into a file the importer refused; now the change set refuses
    what the importer would, and the deepest accepted value exports and re-imports."""
    too_deep = changeset(team_setup, [attribute_change(nested(40))])
    assert too_deep.status_code == 400, too_deep.content
    assert "nested deeper" in json.dumps(too_deep.json())
    deepest = ELEMENT_MAX_DEPTH - 2  # the element (1) and its attributes mapping (2) hold the value
    accepted = changeset(team_setup, [attribute_change(nested(deepest))])
    assert accepted.status_code == 201, accepted.content
    client = client_for(team_setup.editor)
    outsider = client_for(team_setup.outsider)
    for fmt in ("json", "yaml"):
        exported = client.get(f"/api/v1/models/{team_setup.model.pk}/export/?format={fmt}")
        assert exported.status_code == 200
        imported = outsider.post(
            f"/api/v1/teams/{team_setup.other_team.pk}/models/import/",
            exported.content,
            content_type=f"application/{fmt}",
        )
        assert imported.status_code == 201, imported.content
        copy = imported.json()["id"]
        gateway = outsider.get(f"/api/v1/models/{copy}/components/gateway/").json()
        assert gateway["attributes"]["v"] == nested(deepest)
        assert outsider.delete(f"/api/v1/models/{copy}/?base_revision=1").status_code == 204


@pytest.mark.django_db
def test_element_patch_goes_through_the_gate(team_setup: Any) -> None:
    client = client_for(team_setup.editor)
    url = f"/api/v1/models/{team_setup.model.pk}/components/gateway/"
    body = {"base_revision": team_setup.model.revision, "attributes": {"v": nested(40)}}
    response = client.patch(url, body, format="json")
    assert response.status_code == 400, response.content
    response = client.patch(url, {"base_revision": team_setup.model.revision, "name": "\u202egnp.exe"}, format="json")
    assert response.status_code == 400, response.content
    assert "bidirectional" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/teams/", {"name": "Shop \u202eevil"}),
        ("/api/v1/teams/", {"name": "tab\tname"}),
        ("/api/v1/tokens/", {"name": "ci \u2066token"}),
        ("/api/v1/models/", {"name": "Model \u202e", "team": "{team}"}),
    ],
)
def test_names_refuse_bidi_controls(team_setup: Any, path: str, body: dict[str, Any]) -> None:
    from django.test import Client

    client = Client()
    client.force_login(team_setup.owner)
    body = {k: v.format(team=team_setup.team.pk) if isinstance(v, str) else v for k, v in body.items()}
    if "team" in body:
        body["team"] = int(body["team"])
    response = client.post(path, json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["path"] == "name"


def test_gate_unit_rules() -> None:
    assert check_value({"a": [1, 2.5, "x", None, True]}) == {"a": [1, 2.5, "x", None, True]}
    assert [i.path for i in value_issues({"a": [float("nan")]})] == ["a[0]"]
    assert value_issues({1: "x"})[0].message.startswith("keys must be strings")
    assert value_issues(nested(33))[0].message == "nested deeper than 32 levels"
    assert value_issues(nested(31)) == []
    assert bracket_depth('{"a": "[[[[", "b": [[1]]}') == 3
    with pytest.raises(ModelValidationError):
        loads("[" * 100_000)
    assert loads('{"a": 1.5e10}') == {"a": 1.5e10}


@pytest.mark.parametrize(
    "name",
    ["Cart", "a" * 200, "a" * 201, "tab\there", "line\nbreak", "caf\u00e9", "\u202eevil", "nul\x00", "del\x7f", ""],
)
def test_the_quick_name_test_passes_only_names_without_issues(name: str) -> None:
    from threatmodel.inputgate import name_issues, plain_name

    assert not plain_name(name) or name_issues(name, "name") == []
    assert plain_name(name) == (name.isascii() and name_issues(name, "name") == [])
