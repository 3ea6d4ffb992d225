"""The editor's module layering check (scripts/check_js_imports.py) passes on the editor and catches offences."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("check_js_imports", ROOT / "scripts" / "check_js_imports.py")
assert spec and spec.loader
check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check)


def test_the_editor_is_layered_without_cycles() -> None:
    assert check.offences() == []


def test_a_cycle_an_upward_import_and_an_unplaced_module_are_reported(tmp_path: Path) -> None:
    (tmp_path / "state.js").write_text("import { cy } from './canvas.js';\n")
    (tmp_path / "canvas.js").write_text("import { state } from './state.js';\nexport const cy = 1;\n")
    (tmp_path / "stray.js").write_text("export const x = 1;\n")
    found = check.offences(tmp_path)
    assert "state.js (state) imports canvas.js (views): a lower layer imports a higher one" in found
    assert "import cycle: canvas.js <-> state.js" in found
    assert any(line.startswith("stray.js: not placed") for line in found)
