"""Two-process analysis (assessments/engine/parallel.py): the same bytes as one process, and every way a worker
can fail falls back to doing its part here."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from assessments.engine import Engine, parallel
from assessments.engine import engine as engine_module
from assessments.engine.evaluate import all_element_ids, evaluate_elements
from assessments.engine.graph import ModelContext
from assessments.engine.render import result_to_json
from catalog.packs.loader import known_control_ids
from testkit.synthetic import generate_snapshot
from threatmodel.domain import Snapshot
from threatmodel.interchange.native import read_model
from threatmodel.vocabulary import Encryption

DEMO = Path(__file__).resolve().parents[2] / "threatmodel" / "demo" / "online-shop.yaml"


@pytest.fixture(autouse=True)
def small_models_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fork for any model, in chunks of 40 elements, so small models exercise both processes; and fork although
    the test session may run other threads (a live server of the browser tests): the worker here only runs
    engine code, which takes no lock another thread could hold."""
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ELEMENTS", 0)
    monkeypatch.setattr(parallel, "CHUNK_ELEMENTS", 40)
    monkeypatch.setattr(parallel, "single_threaded", lambda: True)


def _demo() -> Snapshot:
    return read_model(DEMO.read_bytes(), DEMO.name, known_controls=known_control_ids())


def _no_children_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def _count_unpacked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the chunk frames this process unpacked (i.e. chunks the worker evaluated)."""
    calls: list[int] = []
    original = parallel._unpack

    def counting(rows, evaluator):  # type: ignore[no-untyped-def]
        calls.append(len(rows))
        return original(rows, evaluator)

    monkeypatch.setattr(parallel, "_unpack", counting)
    return calls


def _slow_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process takes its chunks a little slower, so the worker surely gets some even on the tiny demo
    model (else this process may finish every chunk while the worker still runs its side job)."""
    parent = os.getpid()
    original = parallel.evaluate_elements

    def slower_here(ctx, evaluator, chunk):  # type: ignore[no-untyped-def]
        if os.getpid() == parent:
            time.sleep(0.01)
        return original(ctx, evaluator, chunk)

    monkeypatch.setattr(parallel, "evaluate_elements", slower_here)


@pytest.mark.parametrize("name", ["demo", "synthetic-1", "synthetic-2"])
def test_two_processes_give_the_same_bytes(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot = _demo() if name == "demo" else generate_snapshot(300, 1500, seed=int(name[-1]))
    serial = Engine(workers=1).assess(snapshot)
    unpacked = _count_unpacked(monkeypatch)
    _slow_parent(monkeypatch)
    split = Engine(workers=2).assess(snapshot)
    assert serial.stats["workers"] == 1
    assert split.stats["workers"] == 2
    assert unpacked, "the worker evaluated no chunk: nothing was split"
    assert result_to_json(split) == result_to_json(serial)
    assert split.findings == serial.findings and split.plan == serial.plan
    assert split.blast_radius == serial.blast_radius and split.attack_paths == serial.attack_paths
    assert _no_children_left()


def test_split_state_supports_the_incremental_recheck() -> None:
    snapshot = generate_snapshot(200, 1000, seed=4)
    serial_engine, split_engine = Engine(workers=1), Engine(workers=2)
    serial, split = serial_engine.evaluate(snapshot), split_engine.evaluate(snapshot)
    assert split.workers == 2
    assert split.evaluation.totals == serial.evaluation.totals
    assert split.evaluation.elements == serial.evaluation.elements
    flow = snapshot.flows[17]
    edited = snapshot.replace_element(
        replace(flow, encryption=Encryption.NONE if flow.encryption is not Encryption.NONE else Encryption.MTLS)
    )
    after_serial = serial_engine.reassess(serial, edited)
    after_split = split_engine.reassess(split, edited)
    assert after_split.evaluation.totals == after_serial.evaluation.totals
    assert after_split.delta(split) == after_serial.delta(serial)


def test_worker_exception_falls_back_to_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot = generate_snapshot(200, 1000, seed=5)
    expected = result_to_json(Engine(workers=1).assess(snapshot))

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]  # only the worker packs
        raise RuntimeError("worker bug")

    monkeypatch.setattr(parallel, "_pack", broken)
    monkeypatch.setattr(engine_module, "_plan_rows", broken)
    unpacked = _count_unpacked(monkeypatch)
    result = Engine(workers=2).assess(snapshot)
    assert result.stats["workers"] == 2
    assert unpacked == []  # the worker never delivered a chunk
    assert result_to_json(result) == expected
    assert _no_children_left()


def test_worker_killed_by_a_signal() -> None:
    snapshot = generate_snapshot(150, 700, seed=6)
    evaluator = Engine().evaluator
    ids = all_element_ids(snapshot, evaluator)
    expected = evaluate_elements(ModelContext(snapshot), evaluator, ids)

    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    elements, side = parallel.evaluate_split(ModelContext(snapshot), evaluator, ids, side_job=die)
    assert side is None
    assert list(elements) == list(expected) and elements == expected
    assert _no_children_left()


def test_side_job_result_comes_back() -> None:
    snapshot = generate_snapshot(150, 700, seed=6)
    evaluator = Engine().evaluator
    ids = all_element_ids(snapshot, evaluator)
    elements, side = parallel.evaluate_split(
        ModelContext(snapshot), evaluator, ids, side_job=lambda: (os.getpid(), ["plain", 1, 2.5])
    )
    assert side is not None and side[0] != os.getpid() and side[1] == ["plain", 1, 2.5]
    assert elements == evaluate_elements(ModelContext(snapshot), evaluator, ids)


def test_exception_here_kills_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot = generate_snapshot(150, 700, seed=6)
    evaluator = Engine().evaluator
    ids = all_element_ids(snapshot, evaluator)
    parent = os.getpid()
    original = parallel.evaluate_elements

    def failing_here(ctx, evaluator, chunk):  # type: ignore[no-untyped-def]
        if os.getpid() == parent:
            raise KeyError("bug in this process")
        return original(ctx, evaluator, chunk)

    monkeypatch.setattr(parallel, "evaluate_elements", failing_here)
    with pytest.raises(KeyError, match="bug in this process"):
        parallel.evaluate_split(ModelContext(snapshot), evaluator, ids, side_job=lambda: None)
    assert _no_children_left()


def test_forked_job_results_and_failures() -> None:
    with parallel.ForkedJob(lambda: ("ok", (1, 2), os.getpid())) as job:
        value = job.join()
    assert value is not None and value[:2] == ("ok", (1, 2)) and value[2] != os.getpid()

    def fails() -> None:
        raise ValueError("job bug")

    with parallel.ForkedJob(fails) as job:
        assert job.join() is None
    with parallel.ForkedJob(lambda: object()) as job:  # not plain data: marshal refuses, the job "fails"
        assert job.join() is None
    with parallel.ForkedJob(lambda: threading.Event().wait(60)):
        pass  # leaving the block without join kills the worker
    assert _no_children_left()


def test_no_fork_in_a_process_with_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ELEMENTS", 0)
    alone = threading.active_count() == 1  # false if the session runs a live server
    assert parallel.single_threaded() is alone
    assert parallel.can_split(10, 2) is alone
    assert not parallel.can_split(10, 1)
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert not parallel.single_threaded()
        assert not parallel.can_split(10, 2)
        result = Engine(workers=2).assess(_demo())
        assert result.stats["workers"] == 1
    finally:
        release.set()
        thread.join()
    assert parallel.can_split(10, 2) is alone


class _SoftTimeLimit(Exception):
    pass


def test_signal_while_waiting_for_the_worker_kills_it() -> None:
    """Like Celery's soft time limit: an exception raised by a signal handler while this process waits for the
    worker propagates, and the worker is killed and reaped, not left behind."""
    snapshot = generate_snapshot(60, 200, seed=8)
    evaluator = Engine().evaluator
    ids = all_element_ids(snapshot, evaluator)

    def raise_limit(signum, frame):  # type: ignore[no-untyped-def]
        raise _SoftTimeLimit

    previous = signal.signal(signal.SIGALRM, raise_limit)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        with pytest.raises(_SoftTimeLimit):  # the worker's side job would take a minute
            parallel.evaluate_split(ModelContext(snapshot), evaluator, ids, side_job=lambda: threading.Event().wait(60))
        with pytest.raises(_SoftTimeLimit), parallel.ForkedJob(lambda: threading.Event().wait(60)) as job:
            signal.setitimer(signal.ITIMER_REAL, 0.3)
            job.join()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert _no_children_left()


_KILLED_PARENT = """
import os, sys, time
from assessments.engine import Engine, parallel
from assessments.engine.evaluate import all_element_ids
from assessments.engine.graph import ModelContext
from testkit.synthetic import generate_snapshot
snapshot = generate_snapshot(60, 200, seed=8)
evaluator = Engine().evaluator
def side():
    with open(sys.argv[1], "w") as out:
        out.write(str(os.getpid()))
    time.sleep(120)
parallel.evaluate_split(ModelContext(snapshot), evaluator, all_element_ids(snapshot, evaluator), side_job=side)
"""


def test_worker_dies_with_its_parent(tmp_path: Path) -> None:
    """A SIGKILLed analysis process (a Celery hard time limit) takes its worker with it."""
    pid_file = tmp_path / "worker.pid"
    parent = subprocess.Popen(
        [sys.executable, "-c", _KILLED_PARENT, str(pid_file)], cwd=Path(__file__).resolve().parents[2]
    )
    try:
        deadline = time.monotonic() + 60
        while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        worker = int(pid_file.read_text())
        parent.kill()
        parent.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(worker, 0)
            except ProcessLookupError:
                break
            with open(f"/proc/{worker}/stat") as stat:  # a zombie awaiting init's reaping is dead too
                if stat.read().split(")")[-1].split()[0] == "Z":
                    break
            time.sleep(0.05)
        else:
            raise AssertionError("the worker outlived its parent")
    finally:
        parent.kill()
        if pid_file.exists() and pid_file.read_text():  # never leave a worker behind, even when failing
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid_file.read_text()), signal.SIGKILL)


def test_queue_of_a_huge_model_fits_in_the_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    """More elements than the pipe holds chunk numbers (at one element per chunk): chunks grow instead of the
    queue overflowing the pipe. (Ids outside the model: nothing applies, so this runs in moments.)"""
    monkeypatch.setattr(parallel, "CHUNK_ELEMENTS", 1)
    snapshot = generate_snapshot(20, 60, seed=9)
    evaluator = Engine().evaluator
    ids = [*all_element_ids(snapshot, evaluator), *(f"absent-{n}" for n in range(70_000))]
    elements, side = parallel.evaluate_split(ModelContext(snapshot), evaluator, ids, side_job=lambda: "done")
    assert side == "done"
    assert elements == evaluate_elements(ModelContext(snapshot), evaluator, ids)
