"""The calibration set (tests/data/calibration): expected grades and the declared ordering of the models."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import yaml

from assessments.engine import assess
from assessments.engine.results import ScoreBreakdown
from threatmodel.interchange.native import read_model
from threatmodel.vocabulary import GRADE_STAGE, MaturityStage

CALIBRATION = Path(__file__).resolve().parents[1] / "data" / "calibration"
MANIFEST = yaml.safe_load((CALIBRATION / "calibration.yaml").read_text(encoding="utf-8"))


@cache
def scores(name: str) -> ScoreBreakdown:
    path = CALIBRATION / f"{name}.yaml"
    return assess(read_model(path.read_bytes(), path.name), workers=1).scores


def test_the_set_is_complete() -> None:
    files = {p.stem for p in CALIBRATION.glob("*.yaml")} - {"calibration"}
    assert files == set(MANIFEST["models"])
    assert len(files) >= 12
    for name in files:  # every model opens with its rationale
        assert (CALIBRATION / f"{name}.yaml").read_text(encoding="utf-8").startswith("# Calibration ")


@pytest.mark.parametrize("name", sorted(MANIFEST["models"]))
def test_expected_grade(name: str) -> None:
    expected = MANIFEST["models"][name]["grade"]
    result = scores(name)
    assert result.grade == expected, (name, result.overall, result.grade, result.verdict)
    if expected is None:
        assert not result.assessed and result.stage == MaturityStage.NOT_ASSESSED
        assert result.verdict.startswith("Not enough detail to assess")
    else:
        assert result.assessed and result.stage == GRADE_STAGE[expected]


def test_declared_ordering_has_rank_correlation_one() -> None:
    pairs = MANIFEST["ordering"]
    assert len(pairs) >= 12
    concordant = [scores(worse).overall < scores(better).overall for worse, better in pairs]
    # Kendall's tau over the declared pairs: (concordant - discordant) / pairs; 1 = every pair in order
    tau = (concordant.count(True) - concordant.count(False)) / len(pairs)
    wrong = [pair for pair, ok in zip(pairs, concordant, strict=True) if not ok]
    assert tau == 1.0, wrong


def test_empty_model_is_never_100_optimal() -> None:
    result = scores("01-empty")
    assert result.grade is None and result.stage != MaturityStage.OPTIMAL
    assert "add the components" in result.verdict


def test_underspecified_model_says_what_to_add() -> None:
    result = scores("02-underspecified")
    assert result.coverage is not None and result.coverage.ratio < result.coverage.threshold
    assert "data assets each flow carries" in result.verdict or "data each workload" in result.verdict
