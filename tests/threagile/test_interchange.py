"""Reading Threagile YAML (both spellings, integer enums, includes, limits), writing it back, and the mapping to
the Trustmap snapshot."""

from __future__ import annotations

from pathlib import Path

import pytest

from assessments.engine.threagile.runner import assess_threagile
from tests.threagile.conftest import ORACLE_MODELS, UPSTREAM
from threatmodel.interchange.threagile import reader
from threatmodel.interchange.threagile.domain_map import from_snapshot, to_snapshot
from threatmodel.interchange.threagile.reader import read_threagile, read_threagile_file
from threatmodel.interchange.threagile.writer import model_document, write_threagile
from threatmodel.invariants import ModelValidationError

UPSTREAM_MODELS = {
    "demo-example": UPSTREAM / "demo" / "example" / "threagile.yaml",
    "demo-stub": UPSTREAM / "demo" / "stub" / "threagile.yaml",
    "includes-main": UPSTREAM / "test" / "main.yaml",
    "flat-all": UPSTREAM / "test" / "all.yaml",
}
ALL_MODELS = {**{f"oracle-{k}": v for k, v in ORACLE_MODELS.items()}, **UPSTREAM_MODELS}

STUB = """
threagile_version: 1.0.0
title: Tiny
tags_available: [aws]
data_assets:
  Customer Data:
    id: customer-data
    confidentiality: {conf}
    integrity: critical
    availability: operational
    quantity: many
technical_assets:
  Web App:
    id: web-app
    type: process
    technology: web-application
    confidentiality: internal
    integrity: important
    availability: important
    data_assets_processed: [customer-data]
    communication_links:
      DB Access:
        target: database
        protocol: jdbc
        authentication: credentials
        authorization: {authz}
        data_assets_sent: [customer-data]
  Database:
    id: database
    type: datastore
    technology: database
    encryption: {enc}
    data_assets_stored: [customer-data]
"""


def _stub(conf: object = "confidential", authz: object = "technical-user", enc: object = "none") -> str:
    return STUB.format(conf=conf, authz=authz, enc=enc)


@pytest.mark.parametrize("name", sorted(ALL_MODELS))
def test_upstream_and_oracle_models_import_and_assess(name: str) -> None:
    model = read_threagile_file(ALL_MODELS[name])
    result = assess_threagile(model)
    assert result.risks, name
    assert set(result.raa) == set(model.asset_by_id)


def test_current_and_old_spellings_give_the_same_model_but_for_renamed_ids() -> None:
    old = read_threagile_file(ORACLE_MODELS["example"])
    new = read_threagile_file(UPSTREAM_MODELS["demo-example"])
    renamed = {"contract-fileserver": "contract-file-server", "jenkins-buildserver": "jenkins-build-server"}
    old_ids = {renamed.get(a.id, a.id) for a in old.technical_assets}
    assert old_ids == {a.id for a in new.technical_assets}
    old_authz = sorted(link.authorization for link in old.links)
    assert "end-user-identity-propagation" in old_authz  # v0.9 "enduser-identity-propagation" read as the new name
    assert old_authz == sorted(link.authorization for link in new.links)
    risks_old = {r.synthetic_id for r in assess_threagile(old).risks}
    risks_new = {r.synthetic_id for r in assess_threagile(new).risks}
    for old_id, new_id in renamed.items():
        risks_old = {r.replace(old_id, new_id) for r in risks_old}
    assert risks_old == risks_new


def test_includes_merge_to_the_flat_model() -> None:
    split = read_threagile_file(UPSTREAM_MODELS["includes-main"])
    flat = read_threagile_file(UPSTREAM_MODELS["flat-all"])
    assert model_document(split) == model_document(flat)


def test_integer_enums_equal_string_enums() -> None:
    by_name = read_threagile(_stub("confidential", "technical-user", "none"))
    by_number = read_threagile(_stub(3, 1, 0))
    assert by_name == by_number
    old = read_threagile(_stub(authz="enduser-identity-propagation", enc="data-with-enduser-individual-key"))
    assert old.links[0].authorization == "end-user-identity-propagation"
    assert old.asset_by_id["database"].encryption == "data-with-end-user-individual-key"


@pytest.mark.parametrize(
    ("text", "place", "message"),
    [
        (_stub(conf="secret"), "data_assets['Customer Data'].confidentiality", "unknown value 'secret'"),
        (_stub(authz=7), "communication_links['DB Access'].authorization", "out of range"),
        (_stub().replace("target: database", "target: nowhere"), "communication_links['DB Access'].target", "nowhere"),
        (
            _stub().replace("[customer-data]\n    communication", "[ghost]\n    communication"),
            "data_assets_processed",
            "ghost",
        ),
        (_stub().replace("id: web-app", "id: web app"), "technical_assets['Web App'].id", "invalid id"),
        (_stub() + "  Web App 2:\n    id: web-app\n", "technical_assets", "duplicate technical asset id 'web-app'"),
        (
            _stub() + "trust_boundaries:\n  A:\n    id: a\n    trust_boundaries_nested: [b]\n  B:\n    id: b\n"
            "    trust_boundaries_nested: [a]\n",
            "trust_boundaries['A']",
            "loop",
        ),
        (_stub().replace("data_assets:", "data_assets:\n  X:\n    id: x\n    tags: [nope]"), "tags", "'nope'"),
        ("title: [unclosed", "model.yaml: line 1", "invalid YAML"),
        ("- just\n- a list\n", "model.yaml", "mapping at the top level"),
    ],
)
def test_bad_input_names_the_place(text: str, place: str, message: str) -> None:
    with pytest.raises(ModelValidationError) as caught:
        read_threagile(text)
    assert any(place in issue.path and message in issue.message for issue in caught.value.issues) or (
        place in str(caught.value) and message in str(caught.value)
    ), caught.value.issues


def test_every_issue_is_reported_at_once() -> None:
    text = _stub(conf="secret", authz="everyone")
    with pytest.raises(ModelValidationError) as caught:
        read_threagile(text)
    assert len(caught.value.issues) == 2


def test_size_depth_and_node_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ModelValidationError, match="nested deeper"):
        read_threagile("title: x\nextra: " + "[" * 60 + "]" * 60)
    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 100)
    with pytest.raises(ModelValidationError, match="the limit is 100"):
        read_threagile(_stub())
    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 10_000_000)
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    with pytest.raises(ModelValidationError, match="more than"):
        read_threagile(bomb)


def test_includes_may_not_leave_the_model_folder(tmp_path: Path) -> None:
    (tmp_path / "outside.yaml").write_text("title: Outside\n")
    inner = tmp_path / "model"
    inner.mkdir()
    (inner / "main.yaml").write_text("includes: [../outside.yaml]\n")
    with pytest.raises(ModelValidationError, match="leaves the model's folder"):
        read_threagile_file(inner / "main.yaml")
    (inner / "main.yaml").write_text("title: A\nincludes: [part.yaml]\n")
    (inner / "part.yaml").write_text("title: B\n")
    with pytest.raises(ModelValidationError, match="differs from the value in another file"):
        read_threagile_file(inner / "main.yaml")
    with pytest.raises(ModelValidationError, match="read from memory"):
        read_threagile("title: A\nincludes: [part.yaml]\n")


@pytest.mark.parametrize("name", sorted(ALL_MODELS))
def test_yaml_round_trip_keeps_the_model(name: str) -> None:
    model = read_threagile_file(ALL_MODELS[name])
    assert read_threagile(write_threagile(model)) == model
    assert read_threagile(write_threagile(model, spelling="0.9")) == model


def test_the_0_9_spelling_writes_the_old_enum_names() -> None:
    text = write_threagile(read_threagile_file(ORACLE_MODELS["example"]), spelling="0.9")
    assert "enduser-identity-propagation" in text
    assert "end-user-identity-propagation" not in text


@pytest.mark.parametrize("name", sorted(ALL_MODELS))
def test_import_export_import_through_the_domain_keeps_every_element(name: str) -> None:
    model = read_threagile_file(ALL_MODELS[name])
    snapshot = to_snapshot(model)
    assert len(snapshot.components) == len(model.technical_assets)
    assert len(snapshot.flows) == len(model.links)
    assert len(snapshot.boundaries) == len(model.trust_boundaries)
    assert len(snapshot.data_assets) == len(model.data_assets)
    assert {c.foreign_id for c in snapshot.components} == set(model.asset_by_id)
    assert {f.foreign_id for f in snapshot.flows} == set(model.link_by_id)
    again = from_snapshot(snapshot)
    assert model_document(again) == model_document(model)
    assert assess_threagile(again).risks == assess_threagile(model).risks


def test_domain_ids_stay_unique_across_kinds() -> None:
    text = _stub().replace("id: customer-data", "id: database").replace("[customer-data]", "[database]")
    snapshot = to_snapshot(read_threagile(text))
    data = snapshot.data_assets[0]
    assert (data.id, data.foreign_id) == ("data:database", "database")
    assert snapshot.component_by_id["database"].data_stored == ("data:database",)
    assert snapshot.flows[0].id == "web-app:db-access"


def test_technology_aliases_and_lists_of_technologies() -> None:
    text = (
        _stub()
        .replace("technology: web-application", "technologies: [web-app, idp]")
        .replace("technology: database", "technology: db")
    )
    model = read_threagile(text)
    assert model.asset_by_id["web-app"].technologies == ("web-application", "identity-provider")
    assert model.asset_by_id["database"].technology == "database"
    assert read_threagile(write_threagile(model)) == model
