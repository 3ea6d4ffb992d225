"""Threagile's own outputs for its example and stub models (v1-oracle) are reproduced exactly in compatible mode."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from assessments.engine.threagile.outputs import risks_json, stats_json, technical_assets_json, write_outputs
from assessments.engine.threagile.runner import BUILTIN_RULES, assess_threagile
from tests.threagile.conftest import ORACLE, ORACLE_MODELS
from threatmodel.interchange.threagile.reader import read_threagile_file

EXPECTED_COUNTS = {"example": 84, "minimalist": 13}


def _oracle(name: str, file: str) -> Any:
    return json.loads((ORACLE / name / file).read_text(encoding="utf-8"))


def _risk_key(risk: dict[str, Any]) -> tuple[Any, ...]:
    """Every field of a risk; the breach list is a set (Threagile fills it from a Go map)."""
    return tuple(sorted((k, tuple(sorted(v)) if isinstance(v, list) else v) for k, v in risk.items()))


def _normalised_assets(document: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for asset_id, asset in document.items():
        links = sorted(asset["CommunicationLinks"], key=lambda link: link["Id"])
        out[asset_id] = {**asset, "CommunicationLinks": links}
    return out


@pytest.fixture(scope="module", params=sorted(ORACLE_MODELS))
def case(request: pytest.FixtureRequest) -> tuple[str, Any]:
    name = request.param
    return name, assess_threagile(read_threagile_file(ORACLE_MODELS[name]))


def test_the_pack_has_threagiles_42_builtin_categories() -> None:
    assert len(BUILTIN_RULES) == 42


def test_risk_ids_and_ratings_equal_the_oracle(case: tuple[str, Any]) -> None:
    name, result = case
    ours = risks_json(result)
    oracle = _oracle(name, "risks.json")
    assert len(ours) == len(oracle) == EXPECTED_COUNTS[name]

    def rating(r: dict[str, Any]) -> tuple[str, ...]:
        fields = ("synthetic_id", "severity", "exploitation_likelihood", "exploitation_impact", "risk_status")
        return tuple(r[f] for f in fields)

    assert Counter(map(rating, ours)) == Counter(map(rating, oracle))
    assert {r["synthetic_id"] for r in ours} == {r["synthetic_id"] for r in oracle}


def test_every_risk_field_equals_the_oracle(case: tuple[str, Any]) -> None:
    name, result = case
    assert Counter(map(_risk_key, risks_json(result))) == Counter(map(_risk_key, _oracle(name, "risks.json")))


def test_stats_equal_the_oracle(case: tuple[str, Any]) -> None:
    name, result = case
    assert stats_json(result) == _oracle(name, "stats.json")


def test_raa_per_technical_asset_equals_the_oracle(case: tuple[str, Any]) -> None:
    name, result = case
    oracle = _oracle(name, "technical-assets.json")
    assert set(result.raa) == set(oracle)
    assert {k: v["RAA"] for k, v in oracle.items()} == result.raa  # exact floats, not approximations


def test_technical_assets_json_equals_the_oracle(case: tuple[str, Any]) -> None:
    name, result = case
    assert _normalised_assets(technical_assets_json(result)) == _normalised_assets(
        _oracle(name, "technical-assets.json")
    )


def test_written_files_match_the_oracle(case: tuple[str, Any], tmp_path: Path) -> None:
    name, result = case
    paths = write_outputs(result, tmp_path / "out")
    assert [p.name for p in paths] == ["risks.json", "stats.json", "technical-assets.json"]
    # Threagile writes stats.json compactly with sorted keys: byte-identical.
    assert (tmp_path / "out" / "stats.json").read_bytes() == (ORACLE / name / "stats.json").read_bytes()
    written = json.loads((tmp_path / "out" / "risks.json").read_text(encoding="utf-8"))
    assert Counter(map(_risk_key, written)) == Counter(map(_risk_key, _oracle(name, "risks.json")))
    # Deterministic: a second run writes the same bytes.
    again = write_outputs(assess_threagile(result.model), tmp_path / "again")
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in paths]


@pytest.mark.parametrize(("copies", "risks"), [(4, 325), (16, 1297)])
def test_disconnected_copies_give_threagiles_risk_counts(copies: int, risks: int) -> None:
    """Threagile's own engine reports 325 risks for 4 copies of the example and 1,297 for 16 (benchmarks/NOTES.md):
    81 per copy (the custom risks are not copied) plus one model-wide missing-vault risk."""
    from testkit.threagile import example_model, scaled

    result = assess_threagile(scaled(example_model(), copies), ignore_orphaned_tracking=True)
    assert len(result.risks) == risks
    assert len({r.synthetic_id for r in result.risks}) == risks - copies  # the push-deployment duplicate per copy
    assert set(result.raa.values()) == set(assess_threagile(example_model()).raa.values())
