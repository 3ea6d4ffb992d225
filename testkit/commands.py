"""Running the project's commands as an operator would, in a subprocess: a bare environment (nothing of the
suite's settings leaks in), deploy/'s env files as systemd and compose read them, and ``manage.py`` from a copy
beside an empty ``var/`` (a development checkout's ``var/secret_key``, written by ``make run``, is not a
deployment's and must not mask a missing setting)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def bare_env(**extra: str) -> dict[str, str]:
    """PATH, HOME and LANG of this process and ``extra``: the settings come from ``extra`` or their defaults."""
    env = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG"}}
    env.update(extra)
    return env


def env_file(path: Path) -> dict[str, str]:
    """``KEY=value`` lines of an env file (comments and blank lines skipped), as systemd and compose read them."""
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def manage_beside(
    folder: Path, *args: str, env: dict[str, str], timeout: float = 120, **run: Any
) -> subprocess.CompletedProcess[str]:
    """``manage.py *args`` from a copy in ``folder`` (its checkout-relative ``var/`` is ``folder/var``; the code
    stays ROOT's)."""
    shutil.copy(ROOT / "manage.py", folder / "manage.py")
    return subprocess.run(
        [sys.executable, str(folder / "manage.py"), *args],
        cwd=folder,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=timeout,
        **run,
    )
