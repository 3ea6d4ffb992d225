"""The in-process job runner of the embedded default (no ``REDIS_URL``): a few worker threads in the web process.

A request only puts the job's task name and row id on a queue (after its transaction commits) and answers at
once; a worker thread runs the registered Celery task eagerly (``task.apply``), with the same retries and the
same row bookkeeping as a Celery worker. When idle, and right after the runner starts, a thread runs the job
sweeper (``assessments.tasks.sweep_jobs``): jobs a previous process left queued or running are picked up again;
then the due live mesh pulls (``threatmodel.tasks.pull_due_mesh_observations``, Celery beat's job with a broker).

The queue lives in memory: a process that dies loses what it held, and the rows (still ``queued``, or
``running`` with a stale heartbeat) are what the sweeper of the next process finds. A process that ends normally
(a management command that imported a model, ``manage.py shell``, a gunicorn worker told to stop) first finishes
what it queued, up to ``JOB_DRAIN_SECONDS``: otherwise a run it had just claimed would look alive to the next
process for a whole heartbeat timeout and hold back every run of its model. Threads are started lazily and
again after a fork (gunicorn workers, a forked engine process never starts them).
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import connections

LOGGER = logging.getLogger(__name__)

SWEEP_TASK = "assessments.tasks.sweep_jobs"
#: Run on the sweep cadence too: what Celery beat's ``pull-mesh-observations`` entry does with a broker.
PULL_TASK = "threatmodel.tasks.pull_due_mesh_observations"

Job = tuple[str, tuple[Any, ...]]


class InProcessRunner:
    def __init__(self) -> None:
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._pid = 0
        self._next_sweep = 0.0
        self._started_sweep = False
        self._timers: dict[threading.Timer, Job] = {}  # delayed jobs not sent yet
        self.busy = 0

    def submit(self, task_name: str, *args: Any) -> None:
        self.ensure_started()
        self._queue.put((task_name, args))

    def submit_later(self, delay: float, task_name: str, *args: Any) -> None:
        def fire() -> None:
            with self._lock:
                due = self._timers.pop(timer, None)
            if due is not None:  # not already sent by ``drain``
                self.submit(due[0], *due[1])

        timer = threading.Timer(delay, fire)
        timer.daemon = True
        with self._lock:
            self._timers[timer] = (task_name, args)
        timer.start()

    def drain(self, timeout: float) -> bool:
        """Send the delayed jobs now and wait until every queued job is done (at most ``timeout`` seconds);
        whether the queue emptied. Only the process that started the threads drains them."""
        if self._pid != os.getpid() or not self._threads:
            return True
        with self._lock:
            due, self._timers = list(self._timers.items()), {}
        for timer, job in due:
            timer.cancel()
            self._queue.put(job)
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.05)
        return self._queue.unfinished_tasks == 0

    def ensure_started(self) -> None:
        with self._lock:
            if self._pid == os.getpid() and all(t.is_alive() for t in self._threads):
                return
            if self._pid != os.getpid():  # a fork: the parent's threads and queue are not ours
                self._queue = queue.Queue()
                self._threads = []
                self._next_sweep = 0.0  # sweep at start-up
                self._started_sweep = False
            self._pid = os.getpid()
            self._threads = [t for t in self._threads if t.is_alive()]
            if not self._threads:
                atexit.register(self._drain_at_exit)  # once per process; unregistered by nothing (it is cheap)
            while len(self._threads) < max(1, settings.JOB_THREADS):
                thread = threading.Thread(target=self._loop, name=f"trustmap-jobs-{len(self._threads)}", daemon=True)
                thread.start()
                self._threads.append(thread)

    def _drain_at_exit(self) -> None:
        if self._pid == os.getpid() and not self.drain(settings.JOB_DRAIN_SECONDS):
            LOGGER.warning(
                "the process ends with jobs still queued or running (after %s s); the next one's sweeper resumes them",
                settings.JOB_DRAIN_SECONDS,
            )

    def idle(self) -> bool:
        """Nothing queued and nothing running (tests and benchmarks wait for this)."""
        return self._queue.unfinished_tasks == 0

    def _take_sweep(self) -> tuple[bool, bool]:
        """(sweep now, first sweep of this process)."""
        with self._lock:
            now = time.monotonic()
            if now < self._next_sweep:
                return False, False
            self._next_sweep = now + max(1, settings.JOB_SWEEP_INTERVAL)
            first, self._started_sweep = not self._started_sweep, True
            return True, first

    def _loop(self) -> None:
        jobs = self._queue
        while True:
            sweep, first = self._take_sweep()
            if sweep:
                self._run(SWEEP_TASK, (first,))
                self._run(PULL_TASK, ())
            try:
                job = jobs.get(timeout=max(0.5, min(5.0, self._next_sweep - time.monotonic())))
            except queue.Empty:
                continue
            try:
                if job is not None:
                    self._run(*job)
            finally:
                jobs.task_done()

    def _run(self, task_name: str, args: tuple[Any, ...]) -> None:
        self.busy += 1
        try:
            result = current_app.tasks[task_name].apply(args=args, throw=False)
            if result.failed():
                LOGGER.error("in-process job %s%r failed:\n%s", task_name, args, result.traceback)
        except Exception:  # a bug in a task must not end the thread
            LOGGER.exception("in-process job %s%r failed", task_name, args)
        finally:
            self.busy -= 1
            connections.close_all()  # this thread's connections only


RUNNER = InProcessRunner()


def start_at_boot() -> None:
    """Start the threads (and their first sweep) when the web process boots, in the embedded default only."""
    if settings.CELERY_TASK_ALWAYS_EAGER and settings.JOB_RUNNER == "thread":
        RUNNER.ensure_started()
