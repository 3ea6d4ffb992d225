"""The installed ``trustmap`` script in a fresh virtual environment: no source tree, no Django settings.

A wheel of the project is built and installed (``--no-deps``) into a new venv whose dependencies come from
this checkout's venv through a ``.pth`` file (installing Django, WeasyPrint, ... again would take minutes).
The script then runs from an empty directory with an environment that has no ``DJANGO_SETTINGS_MODULE``,
no ``PYTHONPATH`` and no secret key.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "tests" / "data" / "models" / "online-shop.yaml"
DRAGON = ROOT / "tests" / "data" / "interchange" / "v2-threat-model.json"


@pytest.fixture(scope="module")
def fresh_trustmap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("fresh")
    wheels = base / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    dependencies = [p for p in site.getsitepackages() if Path(p).is_dir()] or [sysconfig.get_paths()["purelib"]]
    Path(purelib, "checkout-dependencies.pth").write_text("\n".join(dependencies) + "\n")
    (wheel,) = wheels.glob("trustmap-*.whl")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    script = venv / "bin" / "trustmap"
    assert script.is_file()
    return script


def _clean_env() -> dict[str, str]:
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}
    return {k: v for k, v in os.environ.items() if k in keep}


def test_installed_script_assesses_without_django_settings(fresh_trustmap: Path, tmp_path: Path) -> None:
    work = tmp_path / "pipeline"
    work.mkdir()
    shutil.copy(DEMO, work / "model.yaml")
    shutil.copy(DRAGON, work / "dragon.json")
    env = _clean_env()
    assert "DJANGO_SETTINGS_MODULE" not in env
    done = subprocess.run(
        [str(fresh_trustmap), "assess", "model.yaml", "dragon.json", "--format", "sarif", "--fail-on", "critical"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr
    log = json.loads(done.stdout)
    assert [r["artifacts"][0]["location"]["uri"] for r in log["runs"]] == ["model.yaml", "dragon.json"]
    # the code comes from the installed wheel, not from the checkout
    where = subprocess.run(
        [str(fresh_trustmap.parent / "python"), "-c", "import assessments.cli as c; print(c.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert not where.stdout.strip().startswith(str(ROOT))
    done = subprocess.run(
        [str(fresh_trustmap), "assess", "missing.yaml"], cwd=work, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1 and done.stderr == "trustmap: missing.yaml: no such file\n"
