"""Microsoft Threat Modeling Tool ``.tm7`` import, on a file written with the tool's structure.

Pure tests: no database.
"""

from __future__ import annotations

import re

import pytest

from tests.interchange.conftest import INTERCHANGE
from threatmodel.interchange import registry
from threatmodel.invariants import ModelValidationError
from threatmodel.vocabulary import ComponentKind

RAW = (INTERCHANGE / "web-shop.tm7").read_bytes()


def _read(raw: bytes = RAW) -> registry.ImportResult:
    return registry.read(raw, filename="web-shop.tm7")


def test_tm7_imports_stencils_flows_boundaries_and_threats() -> None:
    text = RAW.decode("utf-8-sig")
    result = _read()
    snapshot = result.snapshot
    assert result.format == "tm7" and snapshot.info.name == "Web shop (TMT)"
    stencils = re.findall(r'i:type="(Stencil\w+|BorderBoundary|LineBoundary|Connector)"', text)
    assert len(snapshot.components) == sum(s.startswith("Stencil") for s in stencils) == 5
    assert len(snapshot.boundaries) == stencils.count("BorderBoundary") + stencils.count("LineBoundary") == 2
    # one connector is attached to nothing (SourceGuid and TargetGuid all zeros): skipped, and said so
    assert len(snapshot.flows) == stencils.count("Connector") - 1 == 4
    assert "DrawingSurfaceList[0].Lines[3]: data flow not attached to two elements: skipped" in map(
        str, result.assumptions
    )
    by_name = {c.name: c for c in snapshot.components}
    azure = next(b for b in snapshot.boundaries if b.name == "Azure Trust Boundary")
    assert by_name["Web Server"].boundary == azure.id and by_name["SQL Database"].boundary == azure.id
    assert by_name["Customer Browser"].boundary is None
    # membership is per diagram: the Key Vault of the second diagram is not inside the first one's box
    assert by_name["Key Vault"].boundary is None and by_name["Key Vault"].kind == ComponentKind.SECRET_STORE
    assert by_name["Customer Browser"].kind == ComponentKind.HUMAN_USER
    query = next(f for f in snapshot.flows if f.name == "SQL Query")
    assert query.protocol == "sql" and query.source == by_name["Web Server"].id
    # the tool's threats with their state and justification
    threats = {t.title: t for t in result.threats}
    assert len(threats) == 4
    spoofing = threats["Spoofing of the Customer Browser External Destination Entity"]
    assert spoofing.status == "mitigated" and spoofing.justification == "Customers sign in with OIDC and MFA."
    injection = threats["Potential SQL Injection Vulnerability for SQL Database"]
    assert injection.status == "not-applicable" and injection.element == query.id and injection.severity == "high"
    assert threats["Weak Access Control for a Resource"].status == "open"
    lines = text.splitlines()
    for element_id, location in result.locations.items():
        assert snapshot.element_by_id[element_id].foreign_id in lines[location.line - 1]
    assert set(result.locations) == set(snapshot.element_by_id) - {
        t.id for t in snapshot.threats
    }  # the tool's threats are not located


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE ThreatModel [<!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>
<ThreatModel><MetaInformation><ThreatModelName>&c;</ThreatModelName></MetaInformation></ThreatModel>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE ThreatModel [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<ThreatModel><MetaInformation><ThreatModelName>&x;</ThreatModelName></MetaInformation></ThreatModel>"""


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (BOMB, "the file declares a DTD: refused (entity expansion and external entities are not allowed)"),
        (EXTERNAL, "the file declares a DTD: refused (entity expansion and external entities are not allowed)"),
        (b"<ThreatModel><Borders>", "line 1, column 23: invalid XML"),
        (b"<KnowledgeBase/>", "the XML root is <KnowledgeBase>, not <ThreatModel> (a Threat Modeling Tool .tm7 file)"),
        (
            RAW.replace(
                b'<Left xmlns="http://schemas.datacontract.org/2004/07/ThreatModeling.Model.Abstracts">40<',
                b'<Left xmlns="x">forty<',
                1,
            ),
            "DrawingSurfaceList[0].Borders[0].Left: 'forty' is not a number",
        ),
    ],
)
def test_hostile_and_broken_tm7_is_refused_naming_the_place(raw: bytes, message: str) -> None:
    with pytest.raises(ModelValidationError) as caught:
        registry.read(raw, filename="x.tm7")
    assert any(str(i).startswith(message) for i in caught.value.issues), caught.value.issues
