"""A client thread that keeps reading and writing one model over HTTP while a test breaks a dependency: per
round a model read, a score read, a change set on top of the revision it last saw and, every
``assess_every`` rounds, an assessment request. Every answer is kept with the phase the test had set when it
was sent (e.g. ``up`` / ``down`` / ``back``)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from testkit.servers import api


@dataclass
class Answer:
    phase: str
    method: str
    path: str
    status: int
    body: Any
    headers: dict[str, str]
    sent: float


@dataclass
class Traffic:
    base: str
    token: str
    model: int
    assess_every: int = 0
    pause: float = 0.05
    phase: str = "up"
    answers: list[Answer] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    revision: int = 0
    thread: threading.Thread | None = None

    def call(self, method: str, path: str, body: Any = None) -> Answer:
        phase, sent = self.phase, time.monotonic()
        try:
            code, out, headers = api(self.base, self.token, method, path, body)
        except (OSError, ValueError) as exc:  # no answer at all (or not JSON): recorded as status 0
            code, out, headers = 0, {"detail": repr(exc)}, {}
        answer = Answer(phase, method, path, code, out, headers, sent)
        self.answers.append(answer)
        return answer

    def round(self, n: int) -> None:
        doc = self.call("GET", f"/api/v1/models/{self.model}/")
        if doc.status == 200:
            self.revision = int(doc.body["revision"])
        self.call("GET", f"/api/v1/models/{self.model}/score/")
        change = {
            "base_revision": self.revision,
            "coalesce": False,
            "message": f"traffic {n}",
            "changes": [{"op": "update", "kind": "component", "id": "redis-cart", "data": {"description": f"e{n}"}}],
        }
        done = self.call("POST", f"/api/v1/models/{self.model}/changesets/", change)
        if done.status == 201:  # the next change set builds on this one even if the next read fails
            self.revision = int(done.body["revision"])
        if self.assess_every and n % self.assess_every == 0:
            self.call("POST", f"/api/v1/models/{self.model}/assessments/")

    def run(self) -> None:
        n = 0
        while not self.stopping.is_set():
            n += 1
            self.round(n)
            time.sleep(self.pause)

    def start(self) -> Traffic:
        self.thread = threading.Thread(target=self.run, name="traffic", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> list[Answer]:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout=30)
        return self.answers


def unusual(answers: list[Answer], limit: int = 10) -> list[tuple[str, str, str, int, Any]]:
    """The first answers that are not 200/201/202, for assertion messages."""
    return [(a.phase, a.method, a.path, a.status, a.body) for a in answers if a.status not in (200, 201, 202)][:limit]
