"""The mypyc build of the engine: used only when it matches the sources, and identical to the interpreted engine."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assessments.engine import native, result_to_json
from assessments.engine.engine import Engine
from threatmodel.synthetic import generate_snapshot

ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = ROOT / "scripts" / "build_engine_native.py"

_DIGEST_SCRIPT = """
import hashlib, json, sys
from assessments.engine import native, result_to_json
from assessments.engine.engine import Engine
from assessments.engine.evaluate import Evaluator
from catalog.packs.loader import known_control_ids
from threatmodel.interchange.native import read_model
from threatmodel.synthetic import generate_snapshot
demo = read_model(open(sys.argv[1], "rb").read(), "online-shop.yaml", known_controls=known_control_ids())
out = {"native": native.NATIVE, "evaluate": __import__("assessments.engine.evaluate").engine.evaluate.__file__}
for name, snapshot in (("demo", demo), ("synthetic", generate_snapshot(600, 3000, seed=11))):
    engine = Engine()
    out[name] = hashlib.sha256(result_to_json(engine.assess(snapshot)).encode()).hexdigest()
print(json.dumps(out))
"""


def _digests(env: dict[str, str]) -> dict[str, object]:
    completed = subprocess.run([sys.executable, "-c", _DIGEST_SCRIPT, str(ROOT / "threatmodel/demo/online-shop.yaml")],
                               capture_output=True, text=True, cwd=ROOT, env=env, timeout=300, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    result: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def _fake_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A package tree with every compiled module's source, an extension file beside it and a matching manifest."""
    here = tmp_path / "engine"
    suffix = native.ext_suffix()
    monkeypatch.setattr(native, "HERE", here)
    monkeypatch.setattr(native, "MANIFEST", here / "native-build.json")
    monkeypatch.delenv(native.PURE_ENV, raising=False)
    for module in native.COMPILED:
        source = native.source_path(module)
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(f"# {module}\n")
        source.with_suffix(suffix).write_bytes(b"\x7fELF")
    manifest = {"ext_suffix": suffix, "mypy": "1.x", "modules": native.source_digests()}
    native.MANIFEST.write_text(json.dumps(manifest))
    return here


def test_a_matching_build_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_build(tmp_path, monkeypatch)
    used, reason = native.status()
    assert used, reason


def test_an_edited_source_disables_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_build(tmp_path, monkeypatch)
    native.source_path("rules.zero_trust").write_text("# edited after the build\n")
    assert native.status() == (False, "sources changed since the build (make native)")


def test_a_missing_extension_or_manifest_disables_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_build(tmp_path, monkeypatch)
    native.source_path("evaluate").with_suffix(native.ext_suffix()).unlink()
    assert native.status() == (False, "incomplete build")
    _fake_build(tmp_path, monkeypatch)
    native.MANIFEST.unlink()
    assert native.status() == (False, "compiled modules without a build manifest")


def test_a_build_for_another_interpreter_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_build(tmp_path, monkeypatch)
    manifest = json.loads(native.MANIFEST.read_text())
    native.MANIFEST.write_text(json.dumps({**manifest, "ext_suffix": ".cpython-399-x86_64-linux-gnu.so"}))
    assert native.status() == (False, "compiled for another interpreter")


def test_the_environment_can_force_the_interpreted_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_build(tmp_path, monkeypatch)
    monkeypatch.setenv(native.PURE_ENV, "1")
    assert native.status() == (False, f"{native.PURE_ENV} is set")


def test_interpreted_engine_loads_every_module_from_source() -> None:
    env = {**os.environ, native.PURE_ENV: "1"}
    code = ("import json, sys, assessments.engine as e; from assessments.engine.rules import zero_trust; "
            "mods = [m for n, m in sys.modules.items() if n.startswith('assessments.engine')]; "
            "print(json.dumps([e.native.NATIVE, sorted({str(getattr(m, '__file__', ''))[-3:] for m in mods})]))")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
                               timeout=120, check=True)
    assert json.loads(completed.stdout) == [False, [".py"]]


def _toolchain_missing() -> str | None:
    completed = subprocess.run([sys.executable, "-c", "import runpy, sys; m = runpy.run_path(sys.argv[1]); "
                                "print(m['missing_toolchain']() or '')", str(BUILD_SCRIPT)],
                               capture_output=True, text=True, cwd=ROOT, timeout=60, check=True)
    return completed.stdout.strip() or None


def test_compiled_and_interpreted_engines_give_the_same_bytes() -> None:
    """`make` compiles the engine wherever a C toolchain exists; the compiled form must change nothing."""
    if os.environ.get(native.PURE_ENV, "").strip() not in ("", "0"):
        pytest.skip(f"{native.PURE_ENV} is set: this run checks the interpreted engine only")
    if not native.NATIVE:
        missing = _toolchain_missing()
        if missing:
            pytest.skip(f"engine not compiled here: {missing}")
        pytest.fail(f"a C toolchain is present but the engine runs interpreted: {native.REASON}")
    compiled = _digests({**os.environ, native.PURE_ENV: "0"})
    interpreted = _digests({**os.environ, native.PURE_ENV: "1"})
    assert compiled["native"] is True and str(compiled["evaluate"]).endswith(".so")
    assert interpreted["native"] is False and str(interpreted["evaluate"]).endswith(".py")
    assert compiled["demo"] == interpreted["demo"]
    assert compiled["synthetic"] == interpreted["synthetic"]
    # and the same as this process (whichever form it runs)
    here = hashlib.sha256(result_to_json(Engine().assess(generate_snapshot(600, 3000, seed=11))).encode()).hexdigest()
    assert here == compiled["synthetic"]
