"""Compile the analysis engine with mypyc, in place (``make native``; ``make run`` and ``make test`` call it).

The modules listed in ``assessments/engine/native.py`` are built into C extensions beside their ``.py`` files,
then ``native-build.json`` records the SHA-256 of each source: the package loads the extensions only while the
sources still match (see that module). Does nothing when the build is up to date.

Without mypyc, a C compiler or the Python headers, it removes any old build and exits 0: the engine then runs
interpreted, with the same results (set ``TRUSTMAP_REQUIRE_NATIVE=1`` to make that an error instead).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
#: C optimisation level: -O1 compiles the ~5 MB of generated C in a quarter of the time -O3 takes (≈30 s vs
#: ≈2 min on 2 cores) and the engine runs about as fast (its time goes into the mypyc runtime and CPython).
OPT_LEVEL = os.environ.get("TRUSTMAP_NATIVE_OPT", "1")


def load_native() -> ModuleType:
    """``assessments/engine/native.py`` on its own (importing the package would import the engine)."""
    spec = importlib.util.spec_from_file_location("_trustmap_native", ROOT / "assessments" / "engine" / "native.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclass-free, but keep the usual import invariant
    spec.loader.exec_module(module)
    return module


def missing_toolchain() -> str | None:
    try:
        import mypyc.build  # noqa: F401
    except ImportError:
        return "mypyc is not installed"
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        return f"no C compiler ({compiler})"
    include = sysconfig.get_paths()["include"]
    if not Path(include, "Python.h").is_file():
        return f"no Python headers in {include}"
    return None


def remove_build(native: ModuleType) -> None:
    for path in native.compiled_files():
        path.unlink()
    native.MANIFEST.unlink(missing_ok=True)


def up_to_date(native: ModuleType) -> bool:
    try:
        manifest = json.loads(native.MANIFEST.read_text())
    except (OSError, ValueError):
        return False
    suffix = native.ext_suffix()
    built = all(native.source_path(m).with_suffix(suffix).is_file() for m in native.COMPILED)
    return bool(built and manifest.get("ext_suffix") == suffix and manifest.get("modules") == native.source_digests())


def build(native: ModuleType) -> None:
    from mypy.version import __version__ as mypy_version
    from mypyc.build import mypycify
    from setuptools import setup

    digests = native.source_digests()
    remove_build(native)
    sources = [str(native.source_path(m).relative_to(ROOT)) for m in native.COMPILED]
    with tempfile.TemporaryDirectory(prefix="trustmap-native-") as work:
        # Build from a scratch directory that links the source packages: setuptools must not read the project's
        # pyproject.toml (this is not the package build), and the in-place outputs land in the real tree.
        for package in ("assessments", "threatmodel", "catalog"):
            os.symlink(ROOT / package, Path(work, package))
        cwd = Path.cwd()
        os.chdir(work)
        try:
            extensions = mypycify(["--config-file", str(ROOT / "pyproject.toml"), *sources], opt_level=OPT_LEVEL,
                                  group_name=native.GROUP, target_dir=str(Path(work, "build")))
            setup(name="trustmap-engine-native", ext_modules=extensions, script_args=[
                "--quiet", "build_ext", "--inplace", "--build-temp", str(Path(work, "temp")), "--parallel",
                str(os.cpu_count() or 1)])
        finally:
            os.chdir(cwd)
    if native.source_digests() != digests:
        remove_build(native)
        raise SystemExit("engine sources changed during the build; run it again")
    manifest = {"ext_suffix": native.ext_suffix(), "python": sys.version.split()[0], "mypy": mypy_version,
                "modules": digests}
    native.MANIFEST.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def required() -> bool:
    return os.environ.get("TRUSTMAP_REQUIRE_NATIVE", "").strip() not in ("", "0")


def main() -> int:
    native = load_native()
    if up_to_date(native):
        print("engine: compiled build is up to date")
        return 0
    reason = missing_toolchain()
    if reason is not None:
        remove_build(native)
        message = f"engine: not compiled ({reason}); it runs interpreted, with the same results"
        if required():
            print(message, file=sys.stderr)
            return 1
        print(message)
        return 0
    started = time.perf_counter()
    print(f"engine: compiling {len(native.COMPILED)} modules with mypyc ...", flush=True)
    try:
        build(native)
    except (Exception, SystemExit) as exc:  # mypyc and setuptools report errors by SystemExit
        remove_build(native)
        print(f"engine: the mypyc build failed ({exc}); it runs interpreted, with the same results",
              file=sys.stderr)
        return 1 if required() else 0
    print(f"engine: compiled in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
