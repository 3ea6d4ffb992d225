"""How fast this host runs plain Python right now, printed before and after the benchmarks.

The same code measured on two days differed by 2.6x because the shared host did (same commit, idle both times),
so every figure needs the host's own speed beside it to compare across sessions. The workload is fixed, allocates
and hashes like the engine does (small frozen records, dict probes, string keys, a sort), and uses one core."""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass

from benchmarks.common import report


@dataclass(frozen=True, slots=True)
class _Record:
    key: str
    weight: int


def _workload() -> int:
    index: dict[str, _Record] = {}
    for n in range(60_000):
        record = _Record(f"element-{n % 9973}-{n}", n % 17)
        index[record.key] = record
    heavy = sorted((r for r in index.values() if r.weight > 8), key=lambda r: (r.weight, r.key))
    return sum(len(r.key) for r in heavy)


def report_host_speed(when: str) -> None:
    """``host_python_<when>_ms``: CPU milliseconds of the fixed workload (median of 7; lower is a faster host),
    and the 1-minute load average then."""
    samples = []
    for _ in range(7):
        start = time.process_time()
        _workload()
        samples.append(time.process_time() - start)
    report(f"host_python_{when}_ms", 1000 * statistics.median(samples), "ms")
    report(f"host_loadavg_{when}", os.getloadavg()[0], "load")
