"""Editing a model over HTTP as the editor does (change sets only) and waiting for what a dashboard reads: the
stored score of that revision and the model in ``/metrics``. Used by the integration tests and the benchmarks."""

from __future__ import annotations

import time
import urllib.request
from typing import Any

from testkit.servers import api


def edit(base: str, token: str, model_id: int, n: int, *, revision: int | None = None) -> int:
    """One change set (a component's description) on top of ``revision`` (default: the current one); the new
    revision."""
    if revision is None:
        code, doc, _ = api(base, token, "GET", f"/api/v1/models/{model_id}/")
        assert code == 200, doc
        revision = int(doc["revision"])
    body = {
        "base_revision": revision,
        "message": f"edit {n}",
        "changes": [{"op": "update", "kind": "component", "id": "redis-cart", "data": {"description": f"edit {n}"}}],
    }
    code, out, _ = api(base, token, "POST", f"/api/v1/models/{model_id}/changesets/", body)
    assert code == 201, out
    return int(out["revision"])


def wait_for_score(base: str, token: str, model_id: int, revision: int, timeout: float) -> dict[str, Any]:
    """Poll ``/score/`` until it describes ``revision`` (or a later one); its body."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        code, last, _ = api(base, token, "GET", f"/api/v1/models/{model_id}/score/")
        if code == 200 and int(last["revision"]) >= revision:
            return dict(last)
        time.sleep(0.05)
    runs = [
        {key: run.get(key) for key in ("id", "revision", "status", "trigger", "attempts", "progress_message", "error")}
        for run in runs_of(base, token, model_id)
    ]
    raise AssertionError(
        f"/score/ of model {model_id} did not reach revision {revision} in {timeout} s: {last}; its runs: {runs}"
    )


def metrics(base: str, token: str) -> str:
    request = urllib.request.Request(base + "/metrics", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(response.read().decode())


def assessed_revision_in_metrics(text: str, label: str) -> int | None:
    """The ``trustmap_assessed_revision`` of the model labelled ``team/name`` (None: not in the feed)."""
    prefix = f'trustmap_assessed_revision{{model="{label}"}} '
    for line in text.splitlines():
        if line.startswith(prefix):
            return int(float(line[len(prefix) :]))
    return None


def runs_of(base: str, token: str, model_id: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    path: str | None = f"/api/v1/models/{model_id}/assessments/?limit=1000"
    while path:
        code, page, _ = api(base, token, "GET", path)
        assert code == 200, page
        out.extend(page["results"])
        path = page["next"][len(base) :] if page.get("next") else None
    return out
