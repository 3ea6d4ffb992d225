"""The pack's risks as Trustmap findings over an imported snapshot."""

from __future__ import annotations

from collections import Counter

from assessments.engine.codec import finding_to_dict
from assessments.engine.threagile.findings import threagile_findings
from tests.threagile.conftest import ORACLE_MODELS
from threatmodel.interchange.threagile.domain_map import to_snapshot
from threatmodel.interchange.threagile.reader import read_threagile_file


def test_example_snapshot_gives_one_finding_per_risk_with_unique_ids() -> None:
    snapshot = to_snapshot(read_threagile_file(ORACLE_MODELS["example"]))
    findings = threagile_findings(snapshot)
    assert len(findings) == 84
    assert len({f.id for f in findings}) == 84  # fixed mode: Threagile's duplicated ids are made unique
    assert Counter(f.severity for f in findings) == {"medium": 29, "low": 44, "info": 8, "high": 2, "critical": 1}
    known = set(snapshot.element_by_id)
    assert all(set(f.elements) <= known for f in findings)
    erp = next(f for f in findings if f.id == "threagile.missing-hardening@erp-system")
    assert erp.elements == ("erp-system",)
    assert dict(erp.evidence)["threagile_status"] == "mitigated"
    assert erp.cwe == "CWE-16" and erp.family == "threagile" and "<b>" not in erp.title
    link = next(f for f in findings if f.rule == "threagile.unencrypted-communication")
    assert any(":" in e for e in link.elements)  # the Trustmap id of the link (source:slug)


def test_findings_serialise_with_the_engine_codec() -> None:
    snapshot = to_snapshot(read_threagile_file(ORACLE_MODELS["minimalist"]))
    findings = threagile_findings(snapshot)
    assert len(findings) == 13
    for finding in findings:
        assert finding_to_dict(finding)["id"] == finding.id
