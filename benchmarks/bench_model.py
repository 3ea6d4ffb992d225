"""Foundation figures: importing a generated 10,000-component / 50,000-flow model into the database,
and loading its snapshot back (target: snapshot load <= 2 s). QUICK: 2,000 / 10,000."""

from __future__ import annotations

import statistics
import time

from benchmarks.common import django_ready, report, run_child


def run(quick: bool) -> None:
    run_child("bench_model", quick)


def child(quick: bool) -> None:
    django_ready()
    from django.contrib.auth import get_user_model

    from testkit.synthetic import generate_snapshot
    from threatmodel import models as m
    from threatmodel import selectors, services
    from threatmodel.interchange.native import read_model, write_model

    components, flows = (2_000, 10_000) if quick else (10_000, 50_000)
    label = f"{components // 1000}k"
    snapshot = generate_snapshot(components, flows, seed=7)
    text = write_model(snapshot, "json")
    parse = []
    for _ in range(1 if quick else 3):
        start = time.perf_counter()
        read_model(text, "model.json")
        parse.append(time.perf_counter() - start)
    report(f"model_file_parse_{label}", statistics.median(parse), "s")

    user = get_user_model().objects.create_user("bench")
    imports = []
    for i in range(1 if quick else 3):
        team = services.team_create(name=f"Bench {i}", owner=user)
        start = time.perf_counter()
        model = services.model_create(team=team, snapshot=snapshot, user=user)
        imports.append(time.perf_counter() - start)
    report(f"model_import_{label}", statistics.median(imports), "s")

    model = m.ThreatModel.objects.filter(team__name="Bench 0").get()
    loads = []
    for _ in range(3 if quick else 5):
        start = time.perf_counter()
        loaded = selectors.snapshot_of_model(model=model)
        loads.append(time.perf_counter() - start)
    assert len(loaded.components) == components and len(loaded.flows) == flows
    report(f"snapshot_load_{label}", statistics.median(loads), "s")

    # a past revision is materialized by replaying the append-only change log
    from threatmodel.changes import ElementChange

    services.changeset_apply(
        model=model,
        user=user,
        base_revision=model.revision,
        changes=[ElementChange("update", "component", snapshot.components[0].id, {"name": "Renamed"})],
    )
    start = time.perf_counter()
    past = selectors.snapshot_of_model(model=model, revision=1)
    report(f"snapshot_materialize_past_{label}", time.perf_counter() - start, "s")
    assert past.components[0].name == snapshot.components[0].name and len(past.flows) == flows
