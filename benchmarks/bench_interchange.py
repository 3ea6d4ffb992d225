"""Interchange figures: importing a 10,000-component / 50,000-flow native file into the database through the
format registry (parse, validate, create: what the import page, the API and ``tm_import`` do), and reading
the same model as OTM and Threat Dragon files. Target: ``import_10k_s`` <= 3 s. QUICK: 2,000 / 10,000.

The import runs as in the embedded default (``JOB_RUNNER=thread``): it answers once the model and its revision
are stored, with the first assessment queued. ``import_{label}_s`` is that answer's wall time (and ``_cpu_s``
its CPU time, steadier on a shared host); ``import_{label}_assessed_s`` is the time until that assessment is
stored too, waited for before the next run starts (so no run shares the CPU with the previous one's analysis)."""

from __future__ import annotations

import statistics
import time

from benchmarks.common import django_ready, report, run_child


def run(quick: bool) -> None:
    run_child("bench_interchange", quick, extra_env={"JOB_RUNNER": "thread"})


def child(quick: bool) -> None:
    django_ready()
    from django.contrib.auth import get_user_model

    from assessments.choices import JobStatus
    from assessments.models import AssessmentRun
    from assessments.runner import RUNNER
    from testkit.synthetic import generate_snapshot
    from threatmodel import services
    from threatmodel.interchange import registry
    from threatmodel.interchange.native import MAX_FILE_BYTES

    components, flows = (2_000, 10_000) if quick else (10_000, 50_000)
    label = f"{components // 1000}k"
    snapshot = generate_snapshot(components, flows, seed=7)
    raw = registry.write(snapshot, "native-json")
    user = get_user_model().objects.create_user("bench")
    imports, cpu, assessed, parses = [], [], [], []
    for i in range(1 if quick else 3):
        team = services.team_create(name=f"Bench {i}", owner=user)
        start = time.perf_counter()
        registry.read(raw, filename="model.json")
        parses.append(time.perf_counter() - start)
        start, start_cpu = time.perf_counter(), time.process_time()
        model = services.model_import(team=team, raw=raw, filename="model.json", user=user)
        imports.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert model.revision == 1
        assert RUNNER.drain(600), "the first assessment did not finish"
        assessed.append(time.perf_counter() - start)
        run = AssessmentRun.objects.get(model=model, revision=1)
        assert run.status == JobStatus.SUCCEEDED, run.progress_message
    report(f"import_{label}_parse_s", statistics.median(parses), "s")
    report(f"import_{label}_s", statistics.median(imports), "s")
    report(f"import_{label}_cpu_s", statistics.median(cpu), "s")
    report(f"import_{label}_assessed_s", statistics.median(assessed), "s")
    for fmt in ("otm", "threat-dragon"):
        data = registry.write(snapshot, fmt)
        report(f"export_{fmt.replace('-', '_')}_{label}_bytes", len(data), "bytes")
        if len(data) > MAX_FILE_BYTES:  # the export of a model this size is larger than an import may be
            print(f"# {fmt} export of {label}: {len(data):,} bytes, over the {MAX_FILE_BYTES:,}-byte import limit")
            continue
        start = time.perf_counter()
        back = registry.read(data, filename=f"model.{fmt}.json")
        report(f"read_{fmt.replace('-', '_')}_{label}_s", time.perf_counter() - start, "s")
        assert len(back.snapshot.flows) == flows
