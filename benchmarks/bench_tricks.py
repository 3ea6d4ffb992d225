"""Paired benchmark of the engine's remaining speed tricks (benchmarks/NOTES.md, "The tricks, re-measured").

Each trick is compared with its plain alternative *in one process*, on the same snapshot, the variants taking
turns (ABAB, the order alternating each round), one process (``Engine(workers=1)``), CPU time of the process:

* ``fastbuild``: findings and deductions built through mutable twins of their frozen classes
  (``assessments/engine/fastbuild.py``) vs the frozen classes' own constructors;
* ``gcpause``: the GC pause leaving survivors in the oldest generation (``threatmodel/gcpause.py``) vs a pause
  that only re-enables the collector. The timed span includes the first young-generation collection after the
  analysis, which is what the caller pays next;
* ``fire_filters``: flow rules passed without a call when a flow lacks the protection traits they need to fire
  (``assessments/engine/traits.py``, ``registry.rule(fire_requires=...)``) vs every applicable rule called.

``BENCH trick_<name>_cost_without <ratio> x``: median over rounds of (CPU without the trick / CPU with it); above
1 the trick pays. ``run(quick=True)`` skips this benchmark.
"""

from __future__ import annotations

import json
import subprocess
import sys

from benchmarks.common import report

_CHILD = """
import dataclasses, gc, json, statistics, time
from contextlib import contextmanager
from assessments.engine import Engine, engine as engine_module, evaluate, fastbuild, scoring
from assessments.engine.results import Deduction, Finding
from threatmodel.gcpause import gc_paused
from testkit.synthetic import generate_snapshot

def plain_finding(meta, finding_id, severity, likelihood, impact, elements, evidence, mitigated_by, title=""):
    return Finding(finding_id, meta.id, title or meta.title, severity, likelihood, impact, meta.principle,
                   meta.pillar, meta.function, meta.stride, meta.cwe, elements, evidence, meta.remediation,
                   mitigated_by, meta.asvs, meta.tenet, meta.family)

def plain_deductions(items, scale, cap_severity=None, cap_scale=0.0, floor_rules=frozenset(), floor_scale=0.0):
    out = []
    for f, rule, weight in items:
        cap = cap_scale * weight if cap_scale and f.severity == cap_severity else 0.0
        floor = floor_scale * weight if floor_scale and rule in floor_rules else 0.0
        out.append(Deduction(f.id, rule, f.elements, scale * weight + cap + floor, cap, floor))
    return tuple(out)

@contextmanager
def plain_pause():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

ARMS = {{
    "fastbuild": (
        lambda: (setattr(evaluate, "make_finding", fastbuild.make_finding),
                 setattr(scoring, "make_deductions", fastbuild.make_deductions)),
        lambda: (setattr(evaluate, "make_finding", plain_finding),
                 setattr(scoring, "make_deductions", plain_deductions)),
    ),
    "gcpause": (
        lambda: setattr(engine_module, "gc_paused", gc_paused),
        lambda: setattr(engine_module, "gc_paused", plain_pause),
    ),
}}
snapshot = generate_snapshot({components}, {flows}, seed={seed})
engine = Engine(workers=1)
filtered = engine.evaluator
unfiltered = evaluate.Evaluator([dataclasses.replace(s, fire_traits=(0, 0, 0)) for s in filtered.specs.values()])
ARMS["fire_filters"] = (
    lambda: setattr(engine, "evaluator", filtered),
    lambda: setattr(engine, "evaluator", unfiltered),
)
for evaluator in (unfiltered, filtered):  # warm-up: catalog, compiled checks, memo tables of both evaluators
    engine.evaluator = evaluator
    engine.assess(snapshot)
out = {{}}
for name, (with_trick, without_trick) in ARMS.items():
    ratios = []
    for round_ in range({rounds}):
        times = {{}}
        for arm in ((True, False) if round_ % 2 == 0 else (False, True)):
            (with_trick if arm else without_trick)()
            result = None
            gc.collect()
            start = time.process_time()
            result = engine.assess(snapshot)
            [object() for _ in range(1000)]
            gc.collect(0)
            times[arm] = time.process_time() - start
        ratios.append(times[False] / times[True])
    with_trick()
    out[name] = statistics.median(ratios)
print(json.dumps(out))
"""


def run(quick: bool) -> None:
    if quick:
        return
    code = _CHILD.format(components=10_000, flows=50_000, seed=7, rounds=6)
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=1800, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"benchmark child failed: {completed.stderr[-2000:]}")
    data = json.loads(completed.stdout.strip().splitlines()[-1])
    for name, ratio in data.items():
        report(f"trick_{name}_cost_without", ratio, "x")
