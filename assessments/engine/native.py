"""Compiled (mypyc) or interpreted engine: decided once, when the package is imported; a stale build never runs.

``make`` compiles the engine modules listed in :data:`COMPILED` with mypyc (``scripts/build_engine_native.py``):
the same typed Python source, built into C extensions that sit beside the ``.py`` files. The build writes
``native-build.json`` with the SHA-256 of every compiled source and the interpreter's extension suffix.

When this package is imported, the compiled modules are used only if that manifest matches the sources on disk
and the running interpreter. Otherwise (an edited source, another Python, no C compiler at build time, or
``TRUSTMAP_ENGINE_PURE=1``), a finder placed first on ``sys.meta_path`` loads every ``assessments.engine``
module from its ``.py`` file. Both forms give byte-identical results (``tests/engine/test_native.py``).

This module is never compiled itself and imports only the standard library.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

PACKAGE = "assessments.engine"
HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "native-build.json"
PURE_ENV = "TRUSTMAP_ENGINE_PURE"
#: Modules compiled by mypyc, relative to this package (``native``, ``__init__``, ``results`` and ``render``
#: stay interpreted: the result dataclasses are shared with the Django side and built through mutable twins).
COMPILED: tuple[str, ...] = (
    "custom", "engine", "evaluate", "graph", "paths", "plan", "registry", "scoring", "severity", "snapshot_delta",
    "rules.common", "rules.encryption", "rules.least_privilege", "rules.segmentation", "rules.zero_trust",
)
#: Name of the shared library mypyc builds for the group (``assessments/engine/_native__mypyc*.so``).
GROUP = f"{PACKAGE}._native"


def ext_suffix() -> str:
    return str(sysconfig.get_config_var("EXT_SUFFIX") or "")


def source_path(module: str) -> Path:
    return HERE.joinpath(*module.split(".")).with_suffix(".py")


def source_digests() -> dict[str, str]:
    return {module: hashlib.sha256(source_path(module).read_bytes()).hexdigest() for module in COMPILED}


def compiled_files() -> list[Path]:
    """Extension modules present in the package tree (any interpreter's suffix)."""
    return sorted(p for p in HERE.rglob("*.so") if p.is_file())


def status() -> tuple[bool, str]:
    """(use the compiled modules?, why) for the sources and interpreter at hand."""
    if os.environ.get(PURE_ENV, "").strip() not in ("", "0"):
        return False, f"{PURE_ENV} is set"
    suffix = ext_suffix()
    present = [p for p in compiled_files() if p.name.endswith(suffix)]
    if not present:
        return False, "not compiled (make native)"
    try:
        manifest = json.loads(MANIFEST.read_text())
    except (OSError, ValueError):
        return False, "compiled modules without a build manifest"
    if manifest.get("ext_suffix") != suffix:
        return False, "compiled for another interpreter"
    expected = {source_path(module).with_suffix(suffix) for module in COMPILED}
    if not expected.issubset(present):
        return False, "incomplete build"
    if manifest.get("modules") != source_digests():
        return False, "sources changed since the build (make native)"
    return True, f"compiled with mypyc {manifest.get('mypy', '?')}"


class SourceFirstFinder(importlib.abc.MetaPathFinder):
    """Loads ``assessments.engine`` submodules from their ``.py`` files even where an extension sits beside them."""

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(PACKAGE + "."):
            return None
        relative = fullname[len(PACKAGE) + 1:].split(".")
        module_file = HERE.joinpath(*relative).with_suffix(".py")
        if module_file.is_file():
            return importlib.util.spec_from_file_location(fullname, module_file)
        package_init = HERE.joinpath(*relative, "__init__.py")
        if package_init.is_file():
            return importlib.util.spec_from_file_location(
                fullname, package_init, submodule_search_locations=[str(package_init.parent)])
        return None


def activate() -> tuple[bool, str]:
    """Decide for this process (idempotent); called by the package ``__init__`` before any engine import."""
    native, reason = status()
    installed = any(isinstance(finder, SourceFirstFinder) for finder in sys.meta_path)
    if not native and not installed:
        sys.meta_path.insert(0, SourceFirstFinder())
    return native, reason


NATIVE, REASON = activate()
