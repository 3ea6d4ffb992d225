"""Unspecified values (issue 15, items 2 and 5a): what an omitted field reads as, how the engine judges it, and how
it lowers the coverage (docs/scoring.md, "Unspecified values"; docs/model-format.md)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from assessments.engine import assess
from assessments.engine.coverage import model_coverage
from assessments.engine.custom import CustomRuleSpec, validate_custom_rule
from assessments.engine.render import render_text
from tests.engine.builders import K, ext, fl, model, store, svc
from threatmodel.domain import DataAsset, ModelInfo, Snapshot, TrustBoundary
from threatmodel.interchange.native import read_model, write_model
from threatmodel.vocabulary import (
    Authentication,
    Authorization,
    BoundaryKind,
    Classification,
    Encryption,
    TrustLevel,
    judged_authorization,
    judged_encryption,
    judged_trust,
)

ROOT = Path(__file__).resolve().parents[2]
CALIBRATION = ROOT / "tests" / "data" / "calibration"
MODELS = [*sorted(CALIBRATION.glob("[0-9]*.yaml")), ROOT / "threatmodel" / "demo" / "online-shop.yaml"]

SMALL = """\
trustmap: 1
model: {name: Small}
boundaries:
  - {id: net, name: Internet, kind: internet}
  - {id: zone, name: App zone, trust_level: high}
data_assets:
  - {id: orders, name: Orders, classification: confidential}
  - {id: notes, name: Notes}
components:
  - {id: user, name: User, kind: human-user, boundary: net}
  - {id: api, name: API, boundary: zone, authentication: jwt, data_processed: [orders], identity: sa-api}
  - {id: db, name: DB, kind: datastore, boundary: zone, data_stored: [orders, notes]}
identities:
  - {id: sa-api, name: api}
flows:
  - {id: user-api, source: user, target: api, data_assets: [orders]}
  - {id: api-db, source: api, target: db, protocol: postgres, encryption: tls, authentication: password,
     authorization: role, data_assets: [orders, notes]}
"""


def _rules(snapshot: Snapshot) -> set[str]:
    return {f.rule for f in assess(snapshot, workers=1).findings}


def stated(snapshot: Snapshot) -> Snapshot:
    """The snapshot with every unspecified flow/boundary value replaced by the value the engine judges it as."""
    flows = [
        replace(
            f,
            encryption=judged_encryption(f.encryption, f.protocol),
            authentication=Authentication.NONE if f.authentication is Authentication.UNSPECIFIED else f.authentication,
            authorization=judged_authorization(f.authorization),
        )
        for f in snapshot.flows
    ]
    boundaries = [replace(b, trust_level=judged_trust(b.trust_level, b.kind)) for b in snapshot.boundaries]
    return snapshot.with_elements("flows", flows).with_elements("boundaries", boundaries)


def test_omitted_fields_read_as_unspecified_and_are_omitted_on_export() -> None:
    snapshot = read_model(SMALL.encode(), "small.yaml")
    flow = snapshot.flow_by_id["user-api"]
    assert flow.encryption is Encryption.UNSPECIFIED
    assert flow.authentication is Authentication.UNSPECIFIED
    assert flow.authorization is Authorization.UNSPECIFIED
    assert snapshot.boundary_by_id["net"].trust_level is TrustLevel.UNSPECIFIED
    assert snapshot.data_asset_by_id["notes"].classification is Classification.UNCLASSIFIED
    stated_flow = snapshot.flow_by_id["api-db"]
    assert (stated_flow.encryption, stated_flow.authorization) == (Encryption.TLS, Authorization.ROLE)
    text = write_model(snapshot)
    assert "unspecified" not in text and "unclassified" not in text
    assert read_model(text.encode(), "again.yaml") == snapshot
    # an explicit value is kept, even when it is what an unspecified one is judged as
    explicit = SMALL.replace(
        "{id: user-api, source: user, target: api,",
        "{id: user-api, source: user, target: api, encryption: tls, authentication: none, authorization: none,",
    )
    again = read_model(write_model(read_model(explicit.encode(), "x.yaml")).encode(), "y.yaml")
    assert again.flow_by_id["user-api"].encryption is Encryption.TLS
    assert again.flow_by_id["user-api"].authorization is Authorization.NONE


def test_judged_values() -> None:
    assert judged_encryption(Encryption.UNSPECIFIED, "https") is Encryption.TLS
    assert judged_encryption(Encryption.UNSPECIFIED, "HTTPS") is Encryption.TLS
    assert judged_encryption(Encryption.UNSPECIFIED, "postgres") is Encryption.NONE
    assert judged_encryption(Encryption.UNSPECIFIED, "http") is Encryption.NONE
    assert judged_encryption(Encryption.NONE, "https") is Encryption.NONE  # a stated value always rules
    assert judged_authorization(Authorization.UNSPECIFIED) is Authorization.NONE
    assert judged_trust(TrustLevel.UNSPECIFIED, BoundaryKind.INTERNET) is TrustLevel.UNTRUSTED
    assert judged_trust(TrustLevel.UNSPECIFIED, BoundaryKind.THIRD_PARTY) is TrustLevel.LOW
    assert judged_trust(TrustLevel.UNSPECIFIED, BoundaryKind.CLUSTER) is TrustLevel.MEDIUM
    assert judged_trust(TrustLevel.HIGH, BoundaryKind.INTERNET) is TrustLevel.HIGH


def test_unspecified_encryption_is_judged_from_the_protocol() -> None:
    def rules(**flow: object) -> set[str]:
        return _rules(model(svc("a"), svc("b"), fl("f", "a", "b", **flow)))

    assert "enc.plaintext-flow" not in rules(encryption=Encryption.UNSPECIFIED, protocol="https")
    assert "enc.plaintext-flow" in rules(encryption=Encryption.UNSPECIFIED, protocol="grpc")
    assert rules(encryption=Encryption.UNSPECIFIED, protocol="grpc") == rules(encryption=Encryption.NONE)
    assert rules(encryption=Encryption.UNSPECIFIED, protocol="https") == rules(
        encryption=Encryption.TLS, protocol="https"
    )


def test_unspecified_flow_authentication_and_authorization_are_judged_as_none() -> None:
    def findings(**flow: object) -> list[tuple[str, str]]:
        snapshot = model(svc("a"), store("s"), fl("f", "a", "s", data_assets=("conf",), **flow))
        return sorted((f.rule, f.severity) for f in assess(snapshot, workers=1).findings)

    assert findings(authorization=Authorization.UNSPECIFIED) == findings(authorization=Authorization.NONE)
    assert "zt.flow-authorized-by-location" in {rule for rule, _ in findings(authorization=Authorization.UNSPECIFIED)}
    assert findings(authentication=Authentication.UNSPECIFIED) == findings(authentication=Authentication.NONE)


def test_unspecified_trust_is_judged_from_the_boundary_kind() -> None:
    def score(level: TrustLevel) -> float:
        zones = (
            TrustBoundary("internet", "Internet", BoundaryKind.INTERNET, level),
            TrustBoundary("ns-a", "namespace: a", BoundaryKind.NAMESPACE, TrustLevel.MEDIUM),
            TrustBoundary("data", "Data", BoundaryKind.NETWORK_ZONE, TrustLevel.HIGH),
        )
        snapshot = model(
            ext("u", K.HUMAN_USER, boundary="internet"),
            svc("a", internet_facing=True),
            store("s"),
            fl("in", "u", "a", encryption=Encryption.TLS, authentication=Authentication.PASSWORD),
            fl("f", "a", "s", data_assets=("conf",)),
            boundaries=zones,
        )
        return assess(snapshot, workers=1).scores.overall

    assert score(TrustLevel.UNSPECIFIED) == score(TrustLevel.UNTRUSTED)


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_an_unspecified_value_scores_exactly_as_its_judged_value_stated(path: Path) -> None:
    """Stating what the engine judges changes no finding and no score; only the coverage rises."""
    snapshot = read_model(path.read_bytes(), path.name)
    explicit = stated(snapshot)
    before, after = assess(snapshot, workers=1), assess(explicit, workers=1)
    assert sorted((f.id, f.severity, f.mitigated_by) for f in before.findings) == sorted(
        (f.id, f.severity, f.mitigated_by) for f in after.findings
    )
    assert before.scores.overall == after.scores.overall
    assert model_coverage(explicit).ratio >= model_coverage(snapshot).ratio


def test_unclassified_data_is_judged_as_internal_and_flagged() -> None:
    def outcome(classification: Classification) -> tuple[set[str], float]:
        assets = (DataAsset("d", "Data", classification=classification),)
        snapshot = model(
            svc("a", data_processed=("d",)),
            svc("b", data_processed=("d",)),
            fl("f", "a", "b", encryption=Encryption.NONE, data_assets=("d",)),
            assets=assets,
        )
        result = assess(snapshot, workers=1)
        return {f.rule for f in result.findings if not f.mitigated_by}, result.scores.overall

    unclassified, internal = outcome(Classification.UNCLASSIFIED), outcome(Classification.INTERNAL)
    assert unclassified[0] == internal[0] | {"hyg.unclassified-data"}
    assert unclassified[1] <= internal[1]


def test_unspecified_component_authentication_inherits_only_authenticating_flows() -> None:
    """Item 5a: an unspecified component is judged by what its inbound flows present, and an unspecified flow
    presents nothing."""
    unstated_flow = model(
        svc("a"),
        svc("b", authentication=Authentication.UNSPECIFIED),
        fl("f", "a", "b", authentication=Authentication.UNSPECIFIED),
    )
    [finding] = [f for f in assess(unstated_flow, workers=1).findings if f.rule == "zt.component-unauthenticated"]
    assert finding.evidence_map["unauthenticated_callers"] == ("a",)
    authenticated = model(
        svc("a"),
        svc("b", authentication=Authentication.UNSPECIFIED),
        fl("f", "a", "b", authentication=Authentication.JWT),
    )
    assert "zt.component-unauthenticated" not in _rules(authenticated)


def test_coverage_of_a_small_model() -> None:
    snapshot = read_model(SMALL.encode(), "small.yaml")
    coverage = model_coverage(snapshot)
    items = {i.key: (i.covered, i.total, i.missing) for i in coverage.items}
    assert items == {
        "flow-data": (2, 2, ()),
        "flow-encryption": (1, 2, ("user-api",)),
        "flow-authentication": (1, 2, ("user-api",)),
        "flow-authorization": (1, 2, ("user-api",)),
        "component-data": (2, 2, ()),
        "component-authentication": (1, 2, ("db",)),
        "component-identity": (1, 1, ()),
        "data-classified": (1, 2, ("notes",)),
        "component-boundary": (3, 3, ()),
        "boundary-trust": (1, 2, ("net",)),
    }
    assert (coverage.covered, coverage.total) == (14, 20)
    assert coverage.ratio == pytest.approx(0.7)
    full = stated(snapshot)
    full = full.with_elements(
        "data_assets", [replace(a, classification=Classification.INTERNAL) for a in full.data_assets]
    ).replace_element(replace(full.component_by_id["db"], authentication=Authentication.CLOUD_IAM))
    assert model_coverage(full).ratio == 1.0


def test_an_empty_boundary_list_has_no_trust_item() -> None:
    snapshot = Snapshot.build(ModelInfo("M"), components=[svc("a", boundary=None)], flows=[])
    assert "boundary-trust" not in {i.key for i in model_coverage(snapshot).items}


def test_custom_rules_see_the_stated_and_the_judged_protection() -> None:
    snapshot = model(
        svc("a"),
        svc("b"),
        fl("plain", "a", "b", protocol="tcp", encryption=Encryption.UNSPECIFIED),
        fl("web", "b", "a", protocol="https", encryption=Encryption.UNSPECIFIED),
    )
    judged = CustomRuleSpec(id="judged-plain", title="Plain", kind="flow", expression='judged.encryption == "none"')
    stated_rule = CustomRuleSpec(id="stated-plain", title="Plain", kind="flow", expression='encryption == "none"')
    result = assess(snapshot, rules=[], custom_rules=[judged, stated_rule], workers=1)
    assert {(f.rule, f.elements[0]) for f in result.findings} == {("custom.judged-plain", "plain")}
    assert validate_custom_rule("flow", 'judged.authorization == "none"') == []


def test_the_text_report_shows_grade_and_coverage_beside_the_score() -> None:
    text = render_text(assess(read_model(SMALL.encode(), "small.yaml"), workers=1))
    assert "coverage 70% (14 of 20 details stated, a grade needs 60%)" in text
    assert "  Flows with a stated encryption: 1/2 (missing: user-api)" in text
    assert "  Trust boundaries with a stated trust level: 1/2 (missing: net)" in text
    assert "Flows that declare the data they carry" not in text  # complete items are not listed
    empty = render_text(assess(Snapshot.build(ModelInfo("Empty")), workers=1))
    assert "No grade" in empty and "Not enough detail to assess" in empty
