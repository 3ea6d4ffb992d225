"""Open Threat Model import and export on the real files of the OTM spec, StartLeft and Threat Dragon.

Pure tests: no database.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from tests.interchange.conftest import INTERCHANGE, MODELS
from threatmodel.domain import Position
from threatmodel.interchange import otm, registry
from threatmodel.invariants import ModelValidationError
from threatmodel.vocabulary import ComponentKind, TrustLevel


def _read(name: str) -> registry.ImportResult:
    path = INTERCHANGE / name
    return registry.read(path.read_bytes(), filename=name)


@pytest.mark.parametrize("name", ["EXAMPLE.json", "mobile-cloud.otm.json", "startleft-terraform-elb.otm.json"])
def test_real_otm_files_import_with_the_counts_of_the_file(name: str) -> None:
    document = json.loads((INTERCHANGE / name).read_text(encoding="utf-8"))
    result = _read(name)
    snapshot = result.snapshot
    assert result.format == "otm"
    assert len(snapshot.boundaries) == len(document.get("trustZones") or [])
    assert len(snapshot.components) == len(document.get("components") or [])
    assert len(snapshot.flows) == len(document.get("dataflows") or [])
    assert len(snapshot.data_assets) == len(document.get("assets") or [])
    instances = sum(len(e.get("threats") or []) for e in document["components"] + (document.get("dataflows") or []))
    assert len(result.threats) == instances
    # every element is located at the line of its id in the file
    lines = (INTERCHANGE / name).read_text(encoding="utf-8").splitlines()
    for element_id, location in result.locations.items():
        element = snapshot.element_by_id[element_id]
        assert location.file == name
        assert f'"{element.foreign_id}"' in lines[location.line - 1]
    assert set(result.locations) >= {c.id for c in snapshot.components}


def test_foreign_otm_lists_what_it_assumed() -> None:
    result = _read("EXAMPLE.json")
    messages = [str(a) for a in result.assumptions]
    assert "trustZones[0].risk.trustRating: trust rating 20.0 read as trust level untrusted" in messages
    assert any(m.startswith("the file records no security facts") for m in messages)
    assert "components[2].type: type 'database' read as kind datastore" in messages
    snapshot = result.snapshot
    db = snapshot.component_by_id["customer-database"]
    assert db.kind == ComponentKind.DATASTORE and db.foreign_id == "customer-database"
    assert db.position == Position(200.0, 100.0)
    web = snapshot.component_by_id["web-service"]
    assert web.data_processed == ("cc-data", "public-info") and web.data_stored == ("public-info",)
    zones = {b.name: b for b in snapshot.boundaries}
    assert {b.trust_level for b in zones.values()} == {TrustLevel.UNTRUSTED, TrustLevel.HIGH}
    (threat,) = [t for t in result.threats if t.element == "web-service"]
    assert threat.status == "open" and threat.source_status == "exposed" and threat.mitigation
    flow = snapshot.flow_by_id["cc-store-in-db"]
    assert flow.bidirectional and flow.data_assets == ("cc-data",) and flow.tags == ("tag1-df", "tag2-df")


def test_nested_components_keep_their_parent_and_run_in_the_enclosing_zone() -> None:
    snapshot = _read("startleft-terraform-elb.otm.json").snapshot
    (zone,) = snapshot.boundaries
    alb = next(c for c in snapshot.components if c.id.endswith("aws_subnet-baz.aws_alb-qux"))
    assert alb.boundary == zone.id
    assert alb.attributes["otm:parentComponent"].endswith("aws_vpc-foo.aws_subnet-baz")
    assert alb.kind == ComponentKind.LOAD_BALANCER


def _demo() -> registry.ImportResult:
    return registry.read((MODELS / "online-shop.yaml").read_bytes(), filename="online-shop.yaml")


def test_native_to_otm_to_native_is_lossless_and_the_export_is_schema_valid() -> None:
    snapshot = _demo().snapshot
    moved = replace(snapshot.components[0], position=Position(12.5, 40.0))
    unzoned = replace(snapshot.components[1], boundary=None)
    nameless = replace(snapshot.flows[0], name="")
    components = (moved, unzoned, *snapshot.components[2:])
    snapshot = replace(snapshot, components=components, flows=(nameless, *snapshot.flows[1:]))
    document = otm.to_document(snapshot)
    assert otm.schema_errors(document) == []
    back = registry.read(otm.write_bytes(snapshot), filename="shop.otm.json")
    assert back.format == "otm" and back.assumptions == ()
    assert back.snapshot == snapshot
    # facts OTM has no field for are in attributes under the documented namespace
    flow = next(f for f in document["dataflows"] if f["id"] == snapshot.flows[1].id)
    assert {"trustmap:protocol", "trustmap:encryption", "trustmap:authentication"} <= set(flow["attributes"])


def test_the_foreign_example_exports_valid_otm() -> None:
    snapshot = _read("mobile-cloud.otm.json").snapshot
    assert otm.schema_errors(otm.to_document(snapshot)) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["dataflows"][0].update(source="nowhere"), "dataflows[0].source: unknown component 'nowhere'"),
        (
            lambda d: d["components"][0].update(parent={"trustZone": "x"}),
            "components[0].parent.trustZone: unknown trust zone 'x'",
        ),
        (
            lambda d: d["components"][1].update(assets={"processed": ["gold"]}),
            "components[1].assets.processed[0]: unknown asset 'gold'",
        ),
        (lambda d: d["components"][0].update(name=["a"]), "components[0].name: must be text, not list"),
        (
            lambda d: d.update(otmVersion="1.0"),
            "otmVersion: unsupported OTM version '1.0'; this version reads 0.1 and 0.2",
        ),
        (lambda d: d["components"].append(dict(d["components"][0])), "components[4].id: duplicate id 'web-client'"),
        (lambda d: d.update(trustZones={"a": 1}), "trustZones: must be a list, not dict"),
    ],
)
def test_bad_otm_is_refused_naming_the_place(change, message) -> None:  # type: ignore[no-untyped-def]
    document = json.loads((INTERCHANGE / "EXAMPLE.json").read_text(encoding="utf-8"))
    change(document)
    with pytest.raises(ModelValidationError) as caught:
        registry.read(json.dumps(document).encode(), filename="bad.otm.json")
    assert message in [str(i) for i in caught.value.issues]
