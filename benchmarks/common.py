"""Helpers shared by the benchmark modules: every figure is printed as `BENCH <name> <value> <unit>`."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def report(name: str, value: float, unit: str) -> None:
    print(f"BENCH {name} {value:.4g} {unit}", flush=True)


def median_time(fn: Callable[[], Any], runs: int) -> float:
    """Median wall-clock seconds of ``runs`` calls."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)
