"""``edit_to_stored_score_s``: one edit of the demo model through the change-set API until ``GET .../score/``
describes that revision, on the embedded default (gunicorn, SQLite file, no Redis: the in-process runner's
threads assess in the background). Median over a series of edits spaced apart (each one a first edit after a
quiet spell, so without the burst wait of ``JOB_COALESCE_SECONDS``). Target <= 2 s.

Also ``burst_50_edits_runs``: how many runs a burst of 50 back-to-back edits gives (coalescing), and
``burst_50_edits_settled_s``: from the first edit of the burst until ``/score/`` shows the last revision.
"""

from __future__ import annotations

import statistics
import tempfile
import time

from benchmarks.common import report
from testkit import editing, servers


def run(quick: bool) -> None:
    samples = 5 if quick else 15
    with tempfile.TemporaryDirectory(prefix="trustmap-bench-stored-") as tmp:
        env = servers.django_env(f"sqlite:///{tmp}/db.sqlite3", "", JOB_RUNNER="thread", MEDIA_ROOT=f"{tmp}/media")
        servers.manage(env, "migrate", "--noinput", "-v0")
        model_id, token = servers.seed(env)
        web, base = servers.start_gunicorn(env)
        try:
            editing.wait_for_score(base, token, model_id, 1, timeout=60)  # the seed's own assessment
            times = []
            for n in range(samples):
                time.sleep(2.5)  # a quiet spell: the edit is not part of a burst
                started = time.perf_counter()
                revision = editing.edit(base, token, model_id, n)
                editing.wait_for_score(base, token, model_id, revision, timeout=60)
                times.append(time.perf_counter() - started)
            report("edit_to_stored_score_s", statistics.median(times), "s")
            time.sleep(2.5)
            before = len(editing.runs_of(base, token, model_id))
            started = time.perf_counter()
            revision = None
            for n in range(50):
                revision = editing.edit(base, token, model_id, 1000 + n, revision=revision)
            assert revision is not None
            editing.wait_for_score(base, token, model_id, revision, timeout=120)
            report("burst_50_edits_settled_s", time.perf_counter() - started, "s")
            report("burst_50_edits_runs", len(editing.runs_of(base, token, model_id)) - before, "runs")
        finally:
            servers.stop(web)
