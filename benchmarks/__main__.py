"""Run every ``benchmarks/bench_*.py`` module's ``run(quick)``; ``--quick`` for the fast subset."""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import time

import benchmarks
from benchmarks.host import report_host_speed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", help="comma-separated module names (e.g. bench_engine)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    names = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_"))
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    report_host_speed("start")
    failed = 0
    for name in names:
        start = time.perf_counter()
        try:
            importlib.import_module(f"benchmarks.{name}").run(args.quick)
        except Exception as exc:  # report and go on with the other benchmarks
            failed += 1
            print(f"benchmark {name} failed: {exc!r}", file=sys.stderr)
        print(f"# {name} took {time.perf_counter() - start:.1f} s", file=sys.stderr)
    report_host_speed("end")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
