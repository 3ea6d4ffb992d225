"""Threats in Threat Dragon, OTM and TM7 files become manual threats, and go back out (real files)."""

from __future__ import annotations

import json
from pathlib import Path

from threatmodel.interchange import otm, registry, threat_dragon
from threatmodel.interchange.native import read_model, write_model
from threatmodel.vocabulary import Impact, Likelihood, ThreatCategory, ThreatStatus

DATA = Path(__file__).resolve().parents[1] / "data" / "interchange"


def _read(name: str) -> registry.ImportResult:
    return registry.read((DATA / name).read_bytes(), filename=name)


def test_threat_dragon_threats_become_manual_threats() -> None:
    result = _read("v2-threat-model.json")
    threats = {t.foreign_id: t for t in result.snapshot.threats}
    assert len(threats) == len(result.threats) == 14
    credentials = threats["7df716cd-a982-48a5-b4ed-800ccb670734"]
    assert credentials.title == "Accessing DB credentials"
    assert credentials.category == ThreatCategory.INFORMATION_DISCLOSURE and credentials.status == ThreatStatus.OPEN
    assert (credentials.likelihood, credentials.impact) == (Likelihood.LIKELY, Impact.HIGH)  # TD "High" -> high
    assert credentials.id == credentials.foreign_id and credentials.target in result.snapshot.element_by_id
    mitigated = threats["21fc4b20-ca29-4891-9691-d8f0331b2a11"]
    assert mitigated.status == ThreatStatus.MITIGATED and mitigated.mitigation
    assert threats["7bc090cc-50a1-44aa-8481-5e4daaa6d8ba"].likelihood == Likelihood.UNLIKELY  # "Low"
    # a native round trip keeps every threat
    assert read_model(write_model(result.snapshot)).threats == result.snapshot.threats


def test_threat_dragon_export_lists_cell_threats_and_reads_back_the_same() -> None:
    snapshot = _read("v2-threat-model.json").snapshot
    document = threat_dragon.to_document(snapshot)
    assert threat_dragon.schema_errors(document) == []
    cell_threats = [t for c in document["detail"]["diagrams"][0]["cells"] for t in c["data"].get("threats", [])]
    assert {t["threatId"] for t in cell_threats} <= {t.id for t in snapshot.threats}
    assert {t["status"] for t in cell_threats} == {"Open", "Mitigated"}
    back = registry.read(threat_dragon.write_bytes(snapshot), filename="m.json").snapshot
    assert back.threats == snapshot.threats


def test_otm_threat_instances_become_manual_threats_and_export_as_threats_and_mitigations() -> None:
    result = _read("mobile-cloud.otm.json")
    snapshot = result.snapshot
    assert len(snapshot.threats) == len(result.threats) == 43
    first = snapshot.threats[0]
    assert first.category == ThreatCategory.INFORMATION_DISCLOSURE and first.foreign_id.endswith("@" + first.target)
    document = otm.to_document(snapshot)
    assert otm.schema_errors(document) == []
    assert {t["id"] for t in document["threats"]} == {t.id for t in snapshot.threats}
    instances = [i for item in document["components"] + document["dataflows"] for i in item.get("threats", [])]
    assert len(instances) == 43
    if any(t.mitigation for t in snapshot.threats):
        assert document["mitigations"]
    back = registry.read(json.dumps(document).encode(), filename="m.otm.json").snapshot
    assert back.threats == snapshot.threats


def test_tm7_state_and_justification_map_to_status_and_mitigation() -> None:
    result = _read("web-shop.tm7")
    by_status = {t.status: t for t in result.snapshot.threats}
    assert len(result.snapshot.threats) == 4
    assert by_status[ThreatStatus.MITIGATED].attributes["justification"] == "Customers sign in with OIDC and MFA."
    not_applicable = by_status[ThreatStatus.NOT_APPLICABLE]
    assert not_applicable.attributes["source_status"] == "NotApplicable"
    assert "bound parameters" in not_applicable.attributes["justification"]
    assert all(t.target in result.snapshot.element_by_id for t in result.snapshot.threats)
