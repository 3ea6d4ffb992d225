"""Engine benchmarks: full analysis at 1k / 10k components with peak RSS, one-edit re-check, pytm comparison.

Every scenario runs in a fresh interpreter (so peak RSS is the scenario's own) with fixed seeds; times are
medians of several runs. ``run(quick=True)`` does the 1,000-component analysis and the one-edit re-check only.
"""

from __future__ import annotations

import json
import subprocess
import sys

from benchmarks.common import report

SEED = 7


def _child(code: str, timeout: float = 900) -> dict[str, float]:
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"benchmark child failed: {completed.stderr[-2000:]}")
    result: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


_FULL = """
import json, resource, statistics, time
from testkit.synthetic import generate_snapshot
from assessments.engine import Engine
snapshot = generate_snapshot({components}, {flows}, seed={seed})
engines = {{"default": Engine(), "one_process": Engine(workers=1)}}
samples = {{name: [] for name in engines}}
cpu = {{name: [] for name in engines}}
worker_cpu = []
workers = 1
result = None
def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
for _ in range({runs}):  # interleaved, so load changes on the shared machine hit both alike
    for name, engine in engines.items():
        result = None  # free the previous result first: its deallocation is not part of the next analysis
        start, start_cpu, start_children = time.perf_counter(), time.process_time(), children_cpu()
        result = engine.assess(snapshot)
        samples[name].append(time.perf_counter() - start)
        cpu[name].append(time.process_time() - start_cpu)
        if name == "default":
            worker_cpu.append(children_cpu() - start_children)
            workers = result.stats["workers"]
            findings, paths = len(result.findings), len(result.attack_paths)
m = statistics.median
print(json.dumps({{"seconds": m(samples["default"]), "cpu": m(cpu["default"]), "worker_cpu": m(worker_cpu),
                  "one_process_seconds": m(samples["one_process"]), "workers": workers,
                  "findings": findings, "paths": paths,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}}))
"""

_RECHECK = """
import json, statistics, time
from dataclasses import replace
from testkit.synthetic import generate_snapshot
from threatmodel.vocabulary import Encryption, Logging
from assessments.engine import Engine
snapshot = generate_snapshot(2000, 10000, seed={seed})
engine = Engine()
state = engine.evaluate(snapshot)
samples = []
for i in range(41):
    if i % 2:
        flow = snapshot.flows[(i * 211) % len(snapshot.flows)]
        edited = snapshot.replace_element(replace(flow, encryption=Encryption.NONE
                                                  if flow.encryption is not Encryption.NONE else Encryption.MTLS))
    else:
        comp = snapshot.components[(i * 97) % len(snapshot.components)]
        edited = snapshot.replace_element(replace(comp, logging=Logging.AUDIT
                                                  if comp.logging is not Logging.AUDIT else Logging.NONE))
    start = time.perf_counter()
    new_state = engine.reassess(state, edited)  # the re-check: findings, score, and the delta
    delta = new_state.delta(state)
    samples.append(time.perf_counter() - start)
print(json.dumps({{"ms": statistics.median(samples) * 1000, "max_ms": max(samples) * 1000}}))
"""

_PYTM = """
import json, random, statistics, time
from pytm import TM, Actor, Boundary, Classification, Data, Dataflow, Datastore, Lambda, Process, Server

def build(assets=1200, flows=1800, seed={seed}):
    TM.reset()
    rng = random.Random(seed)
    tm = TM("bench")
    bounds = [Boundary(f"b{{i}}") for i in range(5)]
    datas = [Data(f"d{{i}}", classification=rng.choice(list(Classification))) for i in range(10)]
    kinds = [Server, Datastore, Actor, Process, Lambda]
    elements = []
    for i in range(assets):
        kind = kinds[i % 5]
        element = kind(f"{{kind.__name__}}{{i}}")
        element.inBoundary = rng.choice(bounds)
        element.controls.isEncrypted = rng.random() < 0.5
        element.controls.hasAccessControl = rng.random() < 0.5
        elements.append(element)
    for i in range(flows):
        a, b = rng.sample(elements, 2)
        flow = Dataflow(a, b, f"flow{{i}}")
        flow.protocol = rng.choice(["HTTP", "HTTPS"])
        flow.data = [rng.choice(datas)]
        flow.controls.isEncrypted = flow.protocol == "HTTPS"
    return tm

from testkit.synthetic import generate_snapshot
from assessments.engine import Engine
snapshot = generate_snapshot(1200, 1800, seed={seed})
engine = Engine()
engine.assess(snapshot)  # warm-up (catalog load)
pytm_wall, pytm_cpu, engine_wall, engine_cpu = [], [], [], []
for _ in range({runs}):  # interleaved, so load changes on the shared machine hit both alike
    tm = build()
    start, start_cpu = time.perf_counter(), time.process_time()
    tm.resolve()
    pytm_wall.append(time.perf_counter() - start)
    pytm_cpu.append(time.process_time() - start_cpu)
    start, start_cpu = time.perf_counter(), time.process_time()
    engine.assess(snapshot)
    engine_wall.append(time.perf_counter() - start)
    engine_cpu.append(time.process_time() - start_cpu)
m = statistics.median
print(json.dumps({{"pytm_s": m(pytm_wall), "engine_s": m(engine_wall), "pytm_cpu": m(pytm_cpu),
                  "engine_cpu": m(engine_cpu)}}))
"""


def _full(components: int, flows: int, runs: int) -> None:
    data = _child(_FULL.format(components=components, flows=flows, seed=SEED, runs=runs))
    label = f"{components // 1000}k" if components >= 1000 else str(components)
    report(f"engine_full_{label}_components", data["seconds"], "s")
    report(f"engine_full_{label}_workers", data["workers"], "processes")  # 2: split with a forked worker
    report(f"engine_full_{label}_one_process", data["one_process_seconds"], "s")  # Engine(workers=1), interleaved
    report(f"engine_full_{label}_cpu", data["cpu"], "s")  # CPU time of this process: shows contention
    report(f"engine_full_{label}_worker_cpu", data["worker_cpu"], "s")  # CPU time of the forked workers
    report(f"engine_full_{label}_rss", data["rss_mb"], "MB")
    # peak RSS of a forked worker: mostly pages still shared with this process (copy-on-write), so the sum of
    # the two is an upper bound of the memory used
    report(f"engine_full_{label}_worker_rss", data["worker_rss_mb"], "MB")
    report(f"engine_full_{label}_findings", data["findings"], "findings")


def run(quick: bool) -> None:
    _full(1000, 5000, runs=3)
    recheck = _child(_RECHECK.format(seed=SEED))
    report("engine_recheck_one_edit_2k", recheck["ms"], "ms")
    if quick:
        return
    _full(10000, 50000, runs=7)
    try:
        import pytm  # noqa: F401
    except ImportError:
        print("# pytm not installed: skipping the pytm comparison", file=sys.stderr)
        return
    data = _child(_PYTM.format(seed=SEED, runs=5))
    report("pytm_resolve_3000_objects", data["pytm_s"], "s")
    report("engine_full_3000_objects", data["engine_s"], "s")
    report("engine_vs_pytm_speedup", data["pytm_s"] / data["engine_s"], "x")
    report("engine_vs_pytm_speedup_cpu", data["pytm_cpu"] / data["engine_cpu"], "x")
