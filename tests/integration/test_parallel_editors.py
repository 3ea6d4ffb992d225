"""20 editors (each their own user and token) send 1,000 change sets in total to one model at once, over HTTP to
gunicorn (issue 19, item 7), on the embedded default (SQLite file) and on PostgreSQL.

Each editor builds on the latest revision it knows (from its last answer) and edits a component's description,
now and then creating a component of its own. Afterwards:

* every accepted change set (201) is in the revision log exactly once, under the revision it was answered with
  and with its message and its change; the log has no other revision;
* every refused one is a conflict (409, or 412 for a precondition) - no 5xx, no other 4xx;
* the final model equals the model before the storm with the log's changes replayed in revision order.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from testkit import servers

pytestmark = pytest.mark.integration

EDITORS = 20
TOTAL = 1000
COMPONENTS = ("redis-cart", "frontend", "cart", "checkout", "payment", "orders-db")

#: The document's list of each element kind (``GET .../document/``).
LISTS = {
    "component": "components",
    "flow": "flows",
    "boundary": "boundaries",
    "data_asset": "data_assets",
    "identity": "identities",
    "grant": "grants",
    "control": "controls",
}

EDITOR_TOKENS = """
from django.contrib.auth import get_user_model
from threatmodel import models, services
from threatmodel.services_tokens import api_token_create
team = models.Team.objects.get(name="Integration")
for i in range({editors}):
    user = get_user_model().objects.create_user(f"editor{{i}}", password="x")
    services.membership_set(team=team, user=user, role="editor")
    print(api_token_create(user=user, name="storm", scope="write")[1])
"""


def start_stack(env: dict[str, str]) -> Iterator[dict[str, Any]]:
    servers.manage(env, "migrate", "--noinput", "-v0")
    model_id, token = servers.seed(env)
    tokens = servers.manage(env, "shell", "-v0", "-c", EDITOR_TOKENS.format(editors=EDITORS)).split()
    assert len(tokens) == EDITORS
    web, base = servers.start_gunicorn(env, workers=2)
    try:
        for _ in range(6):  # both web processes have loaded the application
            assert servers.api(base, token, "GET", f"/api/v1/models/{model_id}/")[0] == 200
        yield {"base": base, "token": token, "tokens": tokens, "model": model_id}
    finally:
        servers.stop(web)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp(f"editors-{request.param}")
    # the in-process runner assesses the revisions in the background; a longer burst wait keeps it to a few
    # runs during the storm
    extra = {"JOB_RUNNER": "thread", "JOB_COALESCE_SECONDS": "5", "MEDIA_ROOT": str(Path(tmp) / "media")}
    if request.param == "sqlite":
        yield from start_stack(servers.django_env(f"sqlite:///{tmp}/db.sqlite3", "", **extra))
    else:
        with servers.postgres() as database_url:
            yield from start_stack(servers.django_env(database_url, "", **extra))


def editor(stack: dict[str, Any], number: int, count: int, start: threading.Barrier) -> list[dict[str, Any]]:
    base, token, model_id = stack["base"], stack["tokens"][number], stack["model"]
    path = f"/api/v1/models/{model_id}/changesets/"
    code, doc, _ = servers.api(base, token, "GET", f"/api/v1/models/{model_id}/")
    assert code == 200, doc
    revision = int(doc["revision"])
    sent = []
    start.wait()
    for n in range(count):
        label = f"editor {number} change {n}"
        if n % 10 == 9:
            change = {"op": "create", "kind": "component", "id": f"e{number}-c{n}", "data": {"name": label}}
        else:
            component = COMPONENTS[(number + n) % len(COMPONENTS)]
            change = {"op": "update", "kind": "component", "id": component, "data": {"description": label}}
        body = {"base_revision": revision, "coalesce": False, "message": label, "changes": [change]}
        code, out, _ = servers.api(base, token, "POST", path, body)
        sent.append({"label": label, "change": change, "status": code, "body": out, "base": revision})
        if code == 201:
            revision = int(out["revision"])
        elif code == 409:
            revision = int(out["current_revision"])
    return sent


def revision_log(stack: dict[str, Any], after: int) -> list[dict[str, Any]]:
    base, token, model_id = stack["base"], stack["token"], stack["model"]
    numbers: list[int] = []
    path: str | None = f"/api/v1/models/{model_id}/revisions/?limit=1000"
    while path:
        code, page, _ = servers.api(base, token, "GET", path)
        assert code == 200, page
        numbers.extend(r["number"] for r in page["results"] if r["number"] > after)
        path = page["next"][len(base) :] if page.get("next") else None

    def detail(number: int) -> dict[str, Any]:
        code, out, _ = servers.api(base, token, "GET", f"/api/v1/models/{model_id}/revisions/{number}/")
        assert code == 200, out
        return dict(out)

    with ThreadPoolExecutor(4) as pool:
        return sorted(pool.map(detail, numbers), key=lambda r: int(r["number"]))


def keyed(document: dict[str, Any]) -> dict[str, Any]:
    """The document with each element list as a mapping by id (order is not part of the model)."""
    out = {key: value for key, value in document.items() if key not in LISTS.values()}
    for key in LISTS.values():
        out[key] = {element["id"]: element for element in document.get(key, [])}
    return out


def replay(start: dict[str, Any], revisions: list[dict[str, Any]]) -> dict[str, Any]:
    model = copy.deepcopy(start)
    for revision in revisions:
        for record in sorted(revision["changes"], key=lambda c: int(c["seq"])):
            if record["element_kind"] == "model":
                model["model"] = {**model["model"], **record["after"]}
                continue
            elements = model[LISTS[record["element_kind"]]]
            if record["action"] == "delete":
                del elements[record["element_key"]]
            else:
                elements[record["element_key"]] = record["after"]
    return model


def test_parallel_editors_every_accepted_change_once_and_the_log_replays(stack: dict[str, Any]) -> None:
    base, token, model_id = stack["base"], stack["token"], stack["model"]
    code, before, _ = servers.api(base, token, "GET", f"/api/v1/models/{model_id}/document/")
    assert code == 200
    start = threading.Barrier(EDITORS)
    with ThreadPoolExecutor(EDITORS) as pool:
        futures = [pool.submit(editor, stack, i, TOTAL // EDITORS, start) for i in range(EDITORS)]
        sent = [entry for future in futures for entry in future.result()]
    assert len(sent) == TOTAL

    refused = [s for s in sent if s["status"] != 201]
    others = [(s["status"], s["body"]) for s in refused if s["status"] not in (409, 412)]
    assert not others, (len(others), others[:5])
    accepted = {int(s["body"]["revision"]): s for s in sent if s["status"] == 201}
    assert len(accepted) == TOTAL - len(refused)  # no two accepted change sets share a revision
    assert len(accepted) >= EDITORS, len(accepted)  # the storm did not refuse (nearly) everything

    log = revision_log(stack, after=int(before["revision"]))
    assert [int(r["number"]) for r in log] == sorted(accepted)  # exactly the accepted ones, each once
    for revision in log:
        mine = accepted[int(revision["number"])]
        assert revision["message"] == mine["label"]
        assert int(revision["base_number"]) == mine["base"]
        assert [(c["element_kind"], c["element_key"]) for c in revision["changes"]] == [
            ("component", mine["change"]["id"])
        ]
        assert all(revision["changes"][0]["after"][k] == v for k, v in mine["change"]["data"].items())
    refused_labels = {s["label"] for s in refused}
    assert not refused_labels & {r["message"] for r in log}

    code, after, _ = servers.api(base, token, "GET", f"/api/v1/models/{model_id}/document/")
    assert code == 200 and int(after["revision"]) == max(accepted)
    assert keyed(after["document"]) == replay(keyed(before["document"]), log)
