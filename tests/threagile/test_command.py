"""``manage.py assess MODEL.yaml --format threagile --output DIR`` writes Threagile's three files."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assessments.engine.threagile.command import ThreagileCommandError, run_threagile
from tests.threagile.conftest import ORACLE, ORACLE_MODELS


def _assess(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("assess", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_manage_assess_writes_threagile_files_equal_to_the_oracle(tmp_path: Path) -> None:
    out, err = _assess(str(ORACLE_MODELS["example"]), "--format", "threagile", "--output", str(tmp_path))
    assert "84 risks (1 critical, 2 high, 29 elevated, 44 medium, 8 low); 59 still at risk" in out
    for name in ("risks.json", "stats.json", "technical-assets.json"):
        assert f"wrote {tmp_path / name}" in err
    assert (tmp_path / "stats.json").read_bytes() == (ORACLE / "example" / "stats.json").read_bytes()
    ours = json.loads((tmp_path / "risks.json").read_text())
    oracle = json.loads((ORACLE / "example" / "risks.json").read_text())
    key = ("synthetic_id", "severity", "exploitation_likelihood", "exploitation_impact", "risk_status")
    assert Counter(tuple(r[k] for k in key) for r in ours) == Counter(tuple(r[k] for k in key) for r in oracle)
    assets = json.loads((tmp_path / "technical-assets.json").read_text())
    assert {k: v["RAA"] for k, v in assets.items()} == {
        k: v["RAA"] for k, v in json.loads((ORACLE / "example" / "technical-assets.json").read_text()).items()
    }


def test_fixed_mode_is_selectable(tmp_path: Path) -> None:
    out, _ = _assess(
        str(ORACLE_MODELS["example"]),
        "--format",
        "threagile",
        "-o",
        str(tmp_path),
        "--threagile-mode",
        "threagile-fixed",
    )
    assert "mode threagile-fixed" in out
    ids = [r["synthetic_id"] for r in json.loads((tmp_path / "risks.json").read_text())]
    assert len(ids) == len(set(ids)) == 84


def test_errors_are_command_errors_naming_the_problem(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="needs --output"):
        _assess(str(ORACLE_MODELS["example"]), "--format", "threagile")
    with pytest.raises(CommandError, match="no such file"):
        _assess(str(tmp_path / "missing.yaml"), "--format", "threagile", "-o", str(tmp_path))
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\ntechnical_assets:\n  A:\n    id: a\n    technology: quantum-computer\n")
    with pytest.raises(CommandError, match=r"technical_assets\['A'\].technology: unknown value 'quantum-computer'"):
        _assess(str(bad), "--format", "threagile", "-o", str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()  # nothing written on bad input


def test_orphaned_tracking_fails_unless_ignored(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    text = ORACLE_MODELS["minimalist"].read_text() + "\n  missing-vault@Some-Component:\n    status: accepted\n"
    model.write_text(text.replace("risk_tracking:\n", "risk_tracking:\n", 1))
    with pytest.raises(ThreagileCommandError, match="missing-vault@Some-Component"):
        run_threagile(model, tmp_path / "out")
    run = run_threagile(model, tmp_path / "out", ignore_orphans=True)
    assert run.result.orphaned_tracking == ("missing-vault@Some-Component",)
    fixed = run_threagile(model, tmp_path / "fixed", mode="threagile-fixed", ignore_orphans=True)
    # exact keys are matched case-insensitively in the fixed mode (bug 11)
    assert fixed.result.orphaned_tracking == ()
    statuses = {r.synthetic_id: r.status for r in fixed.result.risks}
    assert statuses["missing-vault@some-component"] == "accepted"
