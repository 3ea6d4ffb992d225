"""Paired benchmark of ``config/storage.py``: ``collectstatic`` with WhiteNoise's compressed manifest storage as
shipped vs the storage that compresses each distinct content once (benchmarks/NOTES.md, "collectstatic").

Each arm collects the project's static files into an empty folder, the arms taking turns (ABAB, the order
alternating each round); the figure is the CPU time of the collecting process. ``run(quick=True)`` skips it (one
collection takes 15-30 s on this machine).

``BENCH collectstatic_<arm>_cpu_s``: median CPU seconds per arm; ``BENCH trick_dedup_compress_cost_without``: the
median ratio (plain / dedup); above 1 the trick pays.
"""

from __future__ import annotations

import statistics
from typing import Any

from benchmarks.common import report, run_child

ARMS = {
    "plain": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    "dedup": "config.storage.DedupCompressedManifestStaticFilesStorage",
}
ROUNDS = 2


def _collect_cpu(backend: str) -> float:
    import resource
    import tempfile

    from django.core.management import call_command
    from django.test import override_settings

    storages: dict[str, Any] = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": backend},
    }
    with (
        tempfile.TemporaryDirectory(prefix="trustmap-static-") as root,
        override_settings(STATIC_ROOT=root, STORAGES=storages),
    ):
        before = resource.getrusage(resource.RUSAGE_SELF)
        call_command("collectstatic", interactive=False, verbosity=0)
        after = resource.getrusage(resource.RUSAGE_SELF)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def child(quick: bool) -> None:
    import django

    django.setup()
    samples: dict[str, list[float]] = {arm: [] for arm in ARMS}
    for round_number in range(ROUNDS):
        order = list(ARMS) if round_number % 2 == 0 else list(reversed(ARMS))
        for arm in order:
            samples[arm].append(_collect_cpu(ARMS[arm]))
    for arm, values in samples.items():
        report(f"collectstatic_{arm}_cpu_s", statistics.median(values), "s")
    ratios = [plain / dedup for plain, dedup in zip(samples["plain"], samples["dedup"], strict=True)]
    report("trick_dedup_compress_cost_without", statistics.median(ratios), "x")


def run(quick: bool = False) -> None:
    if quick:
        print("# bench_static skipped under --quick (each collection takes 15-30 s)", flush=True)
        return
    run_child("bench_static", quick)
