"""Threagile rule pack on Threagile's example model and on 128 disconnected copies of it (1,792 technical
assets, 2,560 links, 10,369 risks: the size at which Threagile's own engine needs about 10 s, benchmarks/NOTES.md).

Timed: the whole pack (42 rules, RAA, risk tracking) plus building the three Threagile output documents
(``risks.json``, ``stats.json``, ``technical-assets.json``), i.e. Threagile's "rules + JSON" column. Reading the
YAML is not timed. Median of the runs; wall clock and CPU time of the process (the CPU figure is the one to
compare when the machine is shared).

    BENCH threagile_oracle_example_s           the example model (14 assets, 84 risks)
    BENCH threagile_example_x128_s        1,792 assets, wall clock
    BENCH threagile_example_x128_cpu_s    1,792 assets, CPU time of the process
"""

from __future__ import annotations

import statistics
import time

from assessments.engine.threagile.outputs import risks_json, stats_json, technical_assets_json
from assessments.engine.threagile.runner import assess_threagile
from benchmarks.common import report
from testkit.threagile import example_model, scaled

COPIES = 128
EXPECTED_RISKS = 10_369  # what Threagile reports for the same 128 copies


def _once(model: object) -> tuple[float, float, int]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = assess_threagile(model, ignore_orphaned_tracking=True)  # type: ignore[arg-type]
    risks_json(result)
    stats_json(result)
    technical_assets_json(result)
    return time.perf_counter() - wall, time.process_time() - cpu, len(result.risks)


def run(quick: bool) -> None:
    runs = 3 if quick else 7
    example = example_model()
    report("threagile_oracle_example_s", statistics.median(_once(example)[0] for _ in range(runs * 3)), "s")
    walls, cpus = [], []
    for _ in range(runs):
        model = scaled(example, COPIES)  # a fresh model each run: no cached indexes carried over
        wall, cpu, count = _once(model)
        if count != EXPECTED_RISKS:
            raise RuntimeError(f"{COPIES} copies gave {count} risks; Threagile gives {EXPECTED_RISKS}")
        walls.append(wall)
        cpus.append(cpu)
    report("threagile_example_x128_s", statistics.median(walls), "s")
    report("threagile_example_x128_cpu_s", statistics.median(cpus), "s")
