"""Unspecified values across the foreign formats (issue 15, item 2): a foreign file that omits a fact yields
``unspecified``, and an unspecified value survives an export and a re-import. Pure tests: no database."""

from __future__ import annotations

import json

from tests.interchange.conftest import INTERCHANGE
from threatmodel.domain import Snapshot
from threatmodel.interchange import otm, registry, threat_dragon
from threatmodel.interchange.native import read_model
from threatmodel.vocabulary import Authentication, Authorization, Classification, Encryption, TrustLevel

UNSTATED = """\
trustmap: 1
model: {name: Unstated}
boundaries:
  - {id: net, name: Internet, kind: internet}
  - {id: zone, name: Zone, trust_level: high}
data_assets:
  - {id: notes, name: Notes}
  - {id: cards, name: Cards, classification: restricted}
components:
  - {id: user, name: User, kind: human-user, boundary: net}
  - {id: api, name: API, boundary: zone, data_processed: [notes, cards]}
flows:
  - {id: user-api, source: user, target: api, data_assets: [notes]}
  - {id: api-self, source: api, target: user, protocol: http, encryption: none, authentication: none,
     authorization: none}
"""


def _unstated() -> Snapshot:
    return read_model(UNSTATED.encode(), "unstated.yaml")


def test_otm_round_trip_keeps_unspecified_values() -> None:
    snapshot = _unstated()
    document = otm.to_document(snapshot)
    assert otm.schema_errors(document) == []
    zones = {z["id"]: z for z in document["trustZones"]}
    assert zones["net"]["risk"]["trustRating"] == otm.TRUST_RATING[TrustLevel.UNTRUSTED]  # the judged level
    back = registry.read(otm.write_bytes(snapshot), filename="u.otm.json")
    assert back.snapshot == snapshot
    assert back.snapshot.flow_by_id["user-api"].encryption is Encryption.UNSPECIFIED
    assert back.snapshot.boundary_by_id["net"].trust_level is TrustLevel.UNSPECIFIED


def test_foreign_otm_without_ratings_leaves_trust_and_classification_unspecified() -> None:
    document = json.loads((INTERCHANGE / "EXAMPLE.json").read_text(encoding="utf-8"))
    rated = document["trustZones"][1]["id"]
    del document["trustZones"][0]["risk"]
    unrated = document["trustZones"][0]["id"]
    document["assets"][0].pop("risk", None)
    result = registry.read(json.dumps(document).encode(), filename="example.otm.json")
    snapshot = result.snapshot
    levels = {b.foreign_id: b.trust_level for b in snapshot.boundaries}
    assert levels[unrated] is TrustLevel.UNSPECIFIED and levels[rated] is not TrustLevel.UNSPECIFIED
    assert not any(str(a).startswith("trustZones[0].risk.trustRating") for a in result.assumptions)
    classes = {a.foreign_id: a.classification for a in snapshot.data_assets}
    assert classes[document["assets"][0]["id"]] is Classification.UNCLASSIFIED
    assert classes[document["assets"][1]["id"]] is not Classification.UNCLASSIFIED
    for flow in snapshot.flows:  # OTM has no field for protection: every flow leaves it unspecified
        assert flow.encryption is Encryption.UNSPECIFIED
        assert flow.authentication is Authentication.UNSPECIFIED
        assert flow.authorization is Authorization.UNSPECIFIED


def test_threat_dragon_round_trip_keeps_unspecified_values_and_draws_the_judged_encryption() -> None:
    snapshot = _unstated()
    document = threat_dragon.to_document(snapshot)
    assert threat_dragon.schema_errors(document) == []
    cells = {c["id"]: c for diagram in document["detail"]["diagrams"] for c in diagram["cells"]}
    assert cells["user-api"]["data"]["isEncrypted"] is True  # https, encryption unspecified: judged TLS
    assert cells["api-self"]["data"]["isEncrypted"] is False
    back = registry.read(threat_dragon.write_bytes(snapshot), filename="u.td.json")
    assert back.snapshot == snapshot


def test_foreign_threat_dragon_flow_without_the_encryption_flag_is_unspecified() -> None:
    document = json.loads((INTERCHANGE / "test-reports.json").read_text(encoding="utf-8"))
    flows = [
        c for d in document["detail"]["diagrams"] for c in d["cells"] if c.get("data", {}).get("type") == "tm.Flow"
    ]
    assert len(flows) >= 2
    del flows[0]["data"]["isEncrypted"]
    flows[1]["data"]["isEncrypted"] = False
    snapshot = registry.read(json.dumps(document).encode(), filename="t.json").snapshot
    by_foreign = {f.foreign_id: f for f in snapshot.flows}
    assert by_foreign[flows[0]["id"]].encryption is Encryption.UNSPECIFIED
    assert by_foreign[flows[1]["id"]].encryption is Encryption.NONE  # a stated "not encrypted" is none
    assert all(f.authentication is Authentication.UNSPECIFIED for f in snapshot.flows)
    assert all(b.trust_level is TrustLevel.UNSPECIFIED for b in snapshot.boundaries)


def test_tm7_flows_leave_protection_unspecified() -> None:
    result = registry.read((INTERCHANGE / "web-shop.tm7").read_bytes(), filename="web-shop.tm7")
    flows = result.snapshot.flows
    assert flows
    for flow in flows:
        assert flow.authentication is Authentication.UNSPECIFIED
        assert flow.authorization is Authorization.UNSPECIFIED
        assert flow.encryption in (Encryption.UNSPECIFIED, Encryption.NONE)
    assert any("left unspecified" in str(a) for a in result.assumptions)
