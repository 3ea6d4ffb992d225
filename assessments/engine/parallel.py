"""A full analysis of a large model split between this process and forked workers (measured in benchmarks/NOTES.md).

The analysis is CPU-bound Python: one interpreter uses one core. On a large model the engine forks (the worker
shares the already built ``ModelContext`` copy-on-write: nothing is loaded or sent to it):

* ``evaluate_split``: during rule evaluation, one worker first runs a *side job* that needs only the model
  (the attack-path search and the blast radius), then takes chunks of elements from a shared queue, as this
  process does from the start. The queue is a pipe filled with every chunk number before the fork; each
  process reads one two-byte record at a time (reads of a pre-filled pipe are atomic), so whichever process is
  faster takes more chunks, and an empty pipe whose writer is closed means done.
* ``ForkedJob``: afterwards the remediation plan (a few re-evaluations, a tiny result) runs in a worker while
  this process explains the score.

Workers send plain data (tuples of str / int / float) by ``marshal`` in length-prefixed frames appended to an
anonymous in-memory file this process created before the fork; it unpacks chunk frames while the worker is
still evaluating. Nothing from outside the analysis is ever deserialised, and no ``pickle`` is involved.

The output is the same as a serial run, merged in element order (tests/engine/test_parallel.py compares the
JSON byte for byte). If a worker fails in any way (an exception, a signal, a value ``marshal`` cannot write, a
reaped child) this process does the worker's part itself: a failure costs time, never correctness. An
exception in this process kills the worker before it propagates, and a worker dies with this process (Linux
``PR_SET_PDEATHSIG``), so a SIGKILLed analysis leaves nothing running.

Forking is used only where it is safe and pays: Linux (macOS system libraries are not fork-safe), a second CPU,
a process with a single thread (a fork copies only the calling thread: a lock held by another thread would stay
locked in the worker) and at least ``MIN_PARALLEL_ELEMENTS`` elements (below that the fork and the copy-on-write
page faults cost about as much as they save).
"""

from __future__ import annotations

import ctypes
import marshal
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import IO, Any, Generic, TypeVar, cast

from assessments.engine.evaluate import Check, ElementResult, Evaluator, evaluate_elements
from assessments.engine.fastbuild import make_finding
from assessments.engine.graph import ModelContext

T = TypeVar("T")

#: Below this many evaluated elements the analysis stays in one process (the break-even: benchmarks/NOTES.md).
MIN_PARALLEL_ELEMENTS = 10_000
#: Elements per chunk of the shared queue: large enough that taking a chunk costs nothing, small enough that
#: both processes finish within one chunk of each other.
CHUNK_ELEMENTS = 1_000
_RECORD = 2  # bytes per chunk number in the queue
_PIPE_CAPACITY = 65_536  # Linux default; the queue is written whole before the fork
_MAX_CHUNKS = _PIPE_CAPACITY // _RECORD  # so the whole queue fits in the pipe (and a number in two bytes)
_HEADER = 8  # bytes of a frame's length prefix
_LAST = -1  # frame number of a worker's final value (the side job's or the job's result)
_PR_SET_PDEATHSIG = 1  # prctl(2) option: signal sent to this process when its parent thread dies

#: (rule, weight, state, variable finding fields or None) / (element id, applicable rule ids, factor, checks)
PackedCheck = tuple[str, int, int, tuple[Any, ...] | None]
PackedElement = tuple[str, tuple[str, ...], int, tuple[PackedCheck, ...]]


def default_workers() -> int:
    """Processes an analysis may use by default: 2 where a second CPU exists, else 1."""
    return 2 if (os.cpu_count() or 1) >= 2 else 1


def can_split(element_count: int, workers: int, minimum: int | None = None) -> bool:
    """Whether an analysis of ``element_count`` elements allowed ``workers`` processes forks here and now
    (``minimum``: the smallest model worth it, default ``MIN_PARALLEL_ELEMENTS``)."""
    minimum = MIN_PARALLEL_ELEMENTS if minimum is None else minimum
    return workers >= 2 and element_count >= minimum and sys.platform.startswith("linux") and single_threaded()


def single_threaded() -> bool:
    return threading.active_count() == 1


# -- rule evaluation ------------------------------------------------------------------------------------------


def evaluate_split(
    ctx: ModelContext, evaluator: Evaluator, ids: Sequence[str], side_job: Callable[[], T] | None = None
) -> tuple[dict[str, ElementResult], T | None]:
    """Evaluate ``ids`` in this process and one forked worker. Returns the element results in ``ids`` order
    (as ``evaluate_elements`` would) and the worker's ``side_job`` result, ``None`` if the worker failed (run
    the side job yourself). The side job's result must be plain data (``marshal``)."""
    size = max(CHUNK_ELEMENTS, -(-len(ids) // _MAX_CHUNKS))
    chunks = [ids[start : start + size] for start in range(0, len(ids), size)]
    queue = b"".join(number.to_bytes(_RECORD, "big") for number in range(len(chunks)))
    if len(queue) > _PIPE_CAPACITY:  # cannot happen with the sizes above: never block on our own pipe
        raise ValueError("chunk queue larger than a pipe")
    done: dict[int, dict[str, ElementResult]] = {}
    side: T | None = None
    read_fd, write_fd = os.pipe()
    try:
        os.write(write_fd, queue)
        os.close(write_fd)
        write_fd = -1
        with _Child(lambda out_fd: _split_worker(ctx, evaluator, chunks, read_fd, side_job, out_fd)) as child:
            last: list[Any] = []  # the side result, once its frame has arrived
            if child.started:
                for number in _take(read_fd):
                    done[number] = evaluate_elements(ctx, evaluator, chunks[number])
                    child.frames.receive(done, last, evaluator)  # unpack what the worker has sent so far
                if child.wait():  # (a failed worker's complete chunk frames are still valid)
                    child.frames.receive(done, last, evaluator)
                    side = last[0] if last else None
    finally:
        os.close(read_fd)
        if write_fd >= 0:
            os.close(write_fd)
    missing = [number for number in range(len(chunks)) if number not in done]
    if missing:  # no worker, or it failed: its chunks are evaluated here (the same results, serially)
        side = None
        done.update((number, evaluate_elements(ctx, evaluator, chunks[number])) for number in missing)
    elements: dict[str, ElementResult] = {}
    for number in range(len(chunks)):
        elements.update(done[number])
    return elements, side


def _split_worker(
    ctx: ModelContext,
    evaluator: Evaluator,
    chunks: list[Sequence[str]],
    read_fd: int,
    side_job: Callable[[], Any] | None,
    out_fd: int,
) -> None:
    """Side job first, then chunks from the queue (one frame each), the side result last."""
    side = side_job() if side_job is not None else None
    for number in _take(read_fd):
        _send(out_fd, number, _pack(evaluate_elements(ctx, evaluator, chunks[number])))
    _send(out_fd, _LAST, side)


def _take(read_fd: int) -> Iterator[int]:
    while True:
        record = os.read(read_fd, _RECORD)
        if not record:
            return
        yield int.from_bytes(record, "big")


def _pack(elements: dict[str, ElementResult]) -> list[PackedElement]:
    """Element results as plain data; a finding as its variable fields (the others are its rule's)."""
    return [
        (
            element_id,
            result.applicable,
            result.factor,
            tuple(
                [
                    (
                        check.rule,
                        check.weight,
                        check.state,
                        None
                        if (f := check.finding) is None
                        else (
                            f.id,
                            f.severity,
                            f.likelihood,
                            f.impact,
                            f.elements,
                            f.evidence,
                            f.mitigated_by,
                            f.title,
                        ),
                    )
                    for check in result.checks
                ]
            ),
        )
        for element_id, result in elements.items()
    ]


def _unpack(rows: list[PackedElement], evaluator: Evaluator) -> dict[str, ElementResult]:
    """The inverse of ``_pack`` (rule ids and applicable-rule tuples shared with this process's own)."""
    intern = evaluator.intern
    specs = evaluator.specs
    build = make_finding
    elements: dict[str, ElementResult] = {}
    for element_id, applicable, factor, packed_checks in rows:
        checks = (
            tuple(
                [
                    Check(
                        (spec := specs[rule]).id, weight, state, None if values is None else build(spec.meta, *values)
                    )
                    for rule, weight, state, values in packed_checks
                ]
            )
            if packed_checks
            else ()
        )
        elements[element_id] = ElementResult(intern(applicable), factor, checks)
    return elements


# -- one job ----------------------------------------------------------------------------------------------------


class ForkedJob(Generic[T]):
    """``job`` run in a forked worker while this process goes on. Use as a context manager: leaving the block
    without ``join`` (an exception) kills the worker. ``join`` returns the job's result, or ``None`` when the
    worker failed or could not be started (then run the job yourself). The result must be plain data."""

    def __init__(self, job: Callable[[], T]) -> None:
        self._child = _Child(lambda out_fd: _send(out_fd, _LAST, job()))

    def __enter__(self) -> ForkedJob[T]:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._child.close()

    def join(self) -> T | None:
        if not self._child.wait():
            return None
        for number, value in self._child.frames.complete():
            if number == _LAST:
                return cast(T, value)
        return None


# -- processes and frames ---------------------------------------------------------------------------------------


def _scratch_file() -> IO[bytes]:
    """An anonymous file for a worker's frames: in memory where the system has ``memfd_create``."""
    if hasattr(os, "memfd_create"):
        try:
            return os.fdopen(os.memfd_create("trustmap-engine", os.MFD_CLOEXEC), "w+b")
        except OSError:
            pass
    return tempfile.TemporaryFile()


class _Child:
    """A forked worker running ``body(out_fd)``, its frames file, and its reaping. ``close`` (also on leaving a
    ``with`` block) kills a worker that was not waited for, so no exception here leaves one behind."""

    def __init__(self, body: Callable[[int], None]) -> None:
        self.out = _scratch_file()
        self.frames = _Frames(self.out.fileno())
        parent = os.getpid()
        try:
            self.pid = os.fork()
        except OSError:  # the system refuses: no worker, the caller does all the work
            self.pid = -1
        if self.pid == 0:
            _worker(lambda: body(self.out.fileno()), parent)

    @property
    def started(self) -> bool:
        return self.pid > 0

    def wait(self) -> bool:
        """Reap the worker; True when it exited with status 0 (all its frames are written)."""
        if self.pid <= 0:
            return False
        try:
            _, status = os.waitpid(self.pid, 0)  # an exception raised meanwhile leaves pid set: close() kills
        except ChildProcessError:  # reaped by someone else's SIGCHLD handler: its status is unknown
            self.pid = -1
            return False
        self.pid = -1
        return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0

    def close(self) -> None:
        pid, self.pid = self.pid, -1
        _kill(pid)
        self.out.close()

    def __enter__(self) -> _Child:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def _worker(body: Callable[[], None], parent: int) -> None:
    """Run ``body`` in the forked worker and leave without cleanup: no atexit handlers, no flushing of the
    parent's buffers, no closing of its connections. Exit status 0 only when everything was written. The worker
    dies with its parent (a Celery hard time limit SIGKILLs the pool process): nobody would read its work."""
    code = 1
    try:
        _die_with_parent(parent)
        body()
        code = 0
    finally:
        os._exit(code)


def _die_with_parent(parent: int) -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux / no prctl: the worker ends by itself after its part
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _kill(pid: int) -> None:
    if pid <= 0:
        return
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def _send(fd: int, number: int, value: Any) -> None:
    data = marshal.dumps((number, value))
    view = memoryview(len(data).to_bytes(_HEADER, "big") + data)
    while view:
        view = view[os.write(fd, view) :]


class _Frames:
    """The frames a worker has completely written so far: a frame is complete once the file holds its whole
    length (the worker only appends)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.offset = 0

    def complete(self) -> Iterator[tuple[int, Any]]:
        size = os.fstat(self.fd).st_size
        while size - self.offset >= _HEADER:
            length = int.from_bytes(os.pread(self.fd, _HEADER, self.offset), "big")
            if size - self.offset - _HEADER < length:
                return
            data = os.pread(self.fd, length, self.offset + _HEADER)
            self.offset += _HEADER + length
            number, value = marshal.loads(data)  # noqa: S302 -- frames our own forked worker wrote to our memfd
            yield number, value

    def receive(self, done: dict[int, dict[str, ElementResult]], last: list[Any], evaluator: Evaluator) -> None:
        """Unpack the complete chunk frames into ``done``; the final frame's value goes into ``last``."""
        for number, value in self.complete():
            if number == _LAST:
                last.append(value)
            else:
                done[number] = _unpack(value, evaluator)
