"""Manual threats in the domain and the native file: invariants, schema, references, round trip, deletion."""

from __future__ import annotations

import pytest

from threatmodel.deletion import deletion_plan
from threatmodel.domain import Threat
from threatmodel.interchange.native import read_model, snapshot_to_document, write_model
from threatmodel.invariants import ModelValidationError
from threatmodel.vocabulary import THREAT_CATEGORY_FAMILY, Impact, Likelihood, ThreatCategory, ThreatStatus

MODEL = """
trustmap: 1
model: {name: Shop}
components:
  - {id: web, name: Web}
  - {id: db, name: DB, kind: datastore}
flows:
  - {id: f1, source: web, target: db}
controls:
  - {id: c1, control: waf, target: web}
threats:
  - id: t1
    target: web
    title: Session fixation on login
    category: spoofing
    likelihood: very-likely
    impact: high
    status: mitigated
    mitigation: Rotate the session id.
    controls: [c1]
  - {id: t2, target: f1, title: Linkable order ids, category: linking}
"""


def test_threat_invariants() -> None:
    with pytest.raises(ValueError, match="title is empty"):
        Threat(id="t", target="web", title="  ")
    with pytest.raises(ValueError, match="names the element"):
        Threat(id="t", target="", title="x")
    with pytest.raises(ValueError, match="linked twice"):
        Threat(id="t", target="web", title="x", controls=("c1", "c1"))
    threat = Threat(id="t", target="web", title="x")
    assert (threat.category, threat.likelihood, threat.impact, threat.status) == (
        ThreatCategory.TAMPERING,
        Likelihood.LIKELY,
        Impact.MEDIUM,
        ThreatStatus.OPEN,
    )


def test_categories_are_stride_then_linddun() -> None:
    families = list(THREAT_CATEGORY_FAMILY.values())
    assert families == ["stride"] * 6 + ["linddun"] * 7


def test_native_round_trip_keeps_threats_and_their_ids() -> None:
    snapshot = read_model(MODEL)
    assert [t.id for t in snapshot.threats] == ["t1", "t2"]
    first = snapshot.threats[0]
    assert first.status == ThreatStatus.MITIGATED and first.controls == ("c1",) and first.impact == Impact.HIGH
    again = read_model(write_model(snapshot))
    assert again.threats == snapshot.threats
    assert read_model(write_model(snapshot, "json"), "m.json").threats == snapshot.threats
    assert snapshot.threats_by_target["web"] == (first,)
    compact = snapshot_to_document(snapshot)["threats"][1]
    assert compact == {"id": "t2", "target": "f1", "title": "Linkable order ids", "category": "linking"}


def test_a_model_without_threats_exports_no_threats_section() -> None:
    text = MODEL.split("threats:")[0]
    assert "threats" not in write_model(read_model(text))


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("  - {id: t3, target: nowhere, title: x}", "threats[2].target: unknown"),
        ("  - {id: t3, target: web, title: x, controls: [web]}", "threats[2].controls[0]: unknown control 'web'"),
        ("  - {id: t3, target: t1, title: x}", "threats[2].target: unknown"),
        ("  - {id: t3, target: web, title: x, status: done}", "threats[2].status: 'done' is not one of"),
        ("  - {id: t3, target: web, title: x, category: pwned}", "threats[2].category: 'pwned' is not one of"),
        ('  - {id: t3, target: web, title: "a\\u202eb"}', "threats[2].title: bidirectional"),
        ("  - {id: web, target: db, title: x}", "threats[2].id: duplicate id 'web'"),
        ("  - {id: t3, target: web}", "'title' is a required property"),
    ],
)
def test_threats_are_checked_like_other_elements(line: str, problem: str) -> None:
    with pytest.raises(ModelValidationError) as caught:
        read_model(MODEL + line + "\n")
    assert problem in str(caught.value)


def test_deleting_an_element_deletes_its_threats_and_unlinks_controls() -> None:
    snapshot = read_model(MODEL)
    plan = deletion_plan(snapshot, ["f1"])
    assert ("delete", "threat", "t2") in [(c.op, c.kind, c.id) for c in plan.changes]
    plan = deletion_plan(snapshot, ["c1"])
    assert [(c.op, c.kind, c.id, dict(c.data)) for c in plan.changes] == [
        ("update", "threat", "t1", {"controls": []}),
        ("delete", "control", "c1", {}),
    ]
