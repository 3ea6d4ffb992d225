"""OWASP Threat Dragon v2 import and export on the project's own demo and report-test models.

Pure tests: no database.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from tests.interchange.conftest import INTERCHANGE, MODELS
from threatmodel.domain import Position
from threatmodel.interchange import registry, threat_dragon
from threatmodel.invariants import ModelValidationError
from threatmodel.vocabulary import ComponentKind, Encryption

NODE_TYPES = {"tm.Actor", "tm.Process", "tm.Store"}
BOUNDARY_SHAPES = {"trust-boundary-box", "trust-boundary-curve", "trust-broundary-curve"}


def _cells(document: dict) -> list[dict]:  # type: ignore[type-arg]
    return [cell for diagram in document["detail"]["diagrams"] for cell in diagram["cells"]]


@pytest.mark.parametrize("name", ["v2-threat-model.json", "test-reports.json"])
def test_real_threat_dragon_files_import_with_the_counts_of_the_file(name: str) -> None:
    raw = (INTERCHANGE / name).read_bytes()
    cells = _cells(json.loads(raw))
    result = registry.read(raw, filename=name)
    snapshot = result.snapshot
    assert result.format == "threat-dragon"
    assert len(snapshot.components) == sum(c["data"]["type"] in NODE_TYPES for c in cells)
    assert len(snapshot.boundaries) == sum(c["shape"] in BOUNDARY_SHAPES for c in cells)
    flows = [c for c in cells if c["shape"] == "flow"]
    skipped = [a for a in result.assumptions if a.message == "flow without a node at both ends: skipped"]
    assert len(snapshot.flows) == len(flows) - len(skipped)
    assert len(result.threats) == sum(len(c["data"].get("threats") or []) for c in cells)
    lines = raw.decode().splitlines()
    for element_id, location in result.locations.items():
        assert snapshot.element_by_id[element_id].foreign_id in lines[location.line - 1]
    assert set(result.locations) == set(snapshot.element_by_id) - {
        t.id for t in snapshot.threats
    }  # the tool's threats are not located


def test_demo_model_facts_threats_and_geometry() -> None:
    result = registry.read((INTERCHANGE / "v2-threat-model.json").read_bytes(), filename="demo.json")
    snapshot = result.snapshot
    by_name = {c.name: c for c in snapshot.components}
    assert by_name["Browser"].kind == ComponentKind.HUMAN_USER
    assert by_name["Web Application"].kind == ComponentKind.WEB_FRONTEND
    assert by_name["Message Queue"].kind == ComponentKind.QUEUE
    # membership from geometry: both sit inside the bounding box of the same curve
    assert by_name["Browser"].boundary is not None
    assert by_name["Browser"].boundary == by_name["Web Application"].boundary
    # the free end of "Web Request" next to the Browser attaches to it
    request = next(f for f in snapshot.flows if f.name == "Web Request")
    assert request.source == by_name["Browser"].id and request.target == by_name["Web Application"].id
    statuses = sorted(t.status for t in result.threats)
    assert statuses.count("open") == 10 and statuses.count("mitigated") == 4
    unauthorised = next(t for t in result.threats if t.title == "Unauthorised access")
    assert unauthorised.severity == "high" and unauthorised.mitigation.startswith("Require all queries")
    assert unauthorised.element == by_name["Database"].id


def test_dirty_file_is_read_leniently() -> None:
    raw = (INTERCHANGE / "test-reports.json").read_bytes()
    assert b"trust-broundary-curve" in raw and b'"strokeDasharray": null' in raw
    snapshot = registry.read(raw, filename="test-reports.json").snapshot
    assert any(b.attributes.get("threat-dragon:shape") == "trust-boundary-curve" for b in snapshot.boundaries)


def test_native_to_threat_dragon_to_native_is_lossless_and_schema_valid() -> None:
    snapshot = registry.read((MODELS / "online-shop.yaml").read_bytes(), filename="shop.yaml").snapshot
    moved = replace(snapshot.components[0], position=Position(5.0, 7.5))
    snapshot = replace(snapshot, components=(moved, *snapshot.components[1:]))
    document = threat_dragon.to_document(snapshot)
    assert threat_dragon.schema_errors(document) == []
    back = registry.read(threat_dragon.write_bytes(snapshot), filename="shop.td.json")
    assert back.format == "threat-dragon" and back.assumptions == ()
    assert back.snapshot == snapshot
    # the diagram itself says what Threat Dragon users see: encrypted flows, stores, actors
    cells = {c["id"]: c for c in _cells(document)}
    plain = next(f for f in snapshot.flows if f.encryption == Encryption.NONE)
    assert cells[plain.id]["data"]["isEncrypted"] is False
    # every member node lies inside its boundary's box
    for component in snapshot.components:
        if component.boundary:
            box, node = cells[component.boundary], cells[component.id]
            assert box["position"]["x"] <= node["position"]["x"]
            assert node["position"]["x"] + node["size"]["width"] <= box["position"]["x"] + box["size"]["width"]


def test_foreign_file_without_the_trustmap_data_exports_valid_threat_dragon() -> None:
    snapshot = registry.read((INTERCHANGE / "test-reports.json").read_bytes(), filename="t.json").snapshot
    assert threat_dragon.schema_errors(threat_dragon.to_document(snapshot)) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["detail"].update(diagrams={}), "detail.diagrams: must be a list, not dict"),
        (
            lambda d: d["detail"]["diagrams"][0]["cells"].append(7),
            "detail.diagrams[0].cells[21]: must be an object, not int",
        ),
        (
            lambda d: d["detail"]["diagrams"][0]["cells"][0].update(id=None),
            "detail.diagrams[0].cells[0].id: is required",
        ),
        (
            lambda d: d["detail"]["diagrams"][0]["cells"][0]["data"].update(name={"x": 1}),
            "detail.diagrams[0].cells[0].data.name: must be text, not dict",
        ),
        (
            lambda d: d["detail"]["diagrams"][0]["cells"][0].update(position={"x": "left", "y": 1}),
            "detail.diagrams[0].cells[0].position.x: must be a number, not str",
        ),
        (
            lambda d: [c.update(id="same-cell") for c in d["detail"]["diagrams"][0]["cells"][:2]],
            "detail.diagrams[0].cells[1].id: duplicate cell id 'same-cell'",
        ),
    ],
)
def test_bad_threat_dragon_is_refused_naming_the_place(change, message) -> None:  # type: ignore[no-untyped-def]
    document = json.loads((INTERCHANGE / "v2-threat-model.json").read_text(encoding="utf-8"))
    change(document)
    with pytest.raises(ModelValidationError) as caught:
        registry.read(json.dumps(document).encode(), filename="bad.json")
    assert message in [str(i) for i in caught.value.issues]
