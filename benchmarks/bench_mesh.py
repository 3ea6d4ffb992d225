"""Mesh import benchmark: a generated cluster of 2,000 workloads in 100 namespaces with 1,000 policies and a
20,000-edge observed Kiali graph (fixed seed). Measured: read the manifests (``kubectl get -o json`` List) and
the graph, build the snapshot, effective reachability and the three-way conformance. Median of 3 runs in a
fresh interpreter, with its peak RSS. Also reported: the same manifests as multi-document YAML.

Targets (issue 16): ``mesh_import_2000_s`` <= 3 s and <= 500 MB.
"""

from __future__ import annotations

import json
import subprocess
import sys

from benchmarks.common import report

_CHILD = """
import json, resource, statistics, time
from testkit.synthetic_mesh import design_snapshot, generate_mesh
from threatmodel.interchange.kiali import read_kiali_graph
from threatmodel.interchange.kubernetes import ManifestFile, read_manifests, to_snapshot
from assessments.conformance.reachability import Reachability
from assessments.conformance.threeway import conformance
mesh = generate_mesh(workloads=2000, namespaces=100, edges=20000, seed=7)
def run(name, content):
    start, start_cpu = time.perf_counter(), time.process_time()
    manifests = read_manifests([ManifestFile(name, content)])
    design = design_snapshot(to_snapshot(manifests), mesh.designed)
    observation = read_kiali_graph(mesh.kiali_graph)
    result = conformance(design, Reachability(manifests), observation)
    return time.perf_counter() - start, time.process_time() - start_cpu, result
samples, cpu = [], []
for _ in range({runs}):
    seconds, cpu_seconds, result = run("cluster.json", mesh.manifests_json)
    samples.append(seconds)
    cpu.append(cpu_seconds)
    result = None
yaml_seconds, _, result = run("cluster.yaml", mesh.manifests)
m = statistics.median
print(json.dumps({{"seconds": m(samples), "cpu": m(cpu), "yaml_seconds": yaml_seconds, "verdicts": len(result.verdicts),
                  "workloads": 2000, "policies": mesh.policies, "edges": mesh.edges,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def run(quick: bool) -> None:
    code = _CHILD.format(runs=1 if quick else 3)
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"benchmark child failed: {completed.stderr[-2000:]}")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["policies"] == 1000 and result["edges"] == 20000
    report("mesh_import_2000_s", result["seconds"], "s")
    report("mesh_import_2000_cpu_s", result["cpu"], "s")  # less sensitive to other load on a shared machine
    report("mesh_import_2000_rss_mb", result["rss_mb"], "MB")
    report("mesh_import_2000_yaml_s", result["yaml_seconds"], "s")
    report("mesh_import_2000_verdicts", result["verdicts"], "verdicts")
