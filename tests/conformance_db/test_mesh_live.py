"""Live pull from a Kiali answering over HTTP on 127.0.0.1 (recorded responses from tests/data/kiali), and
accepting observed flows into the design."""

from __future__ import annotations

import contextlib
import html
import http.server
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from testkit.servers import free_port
from tests.conformance.helpers import KIALI
from tests.conformance_db.test_mesh_api import _browser, _import_bookinfo
from threatmodel import models as m
from threatmodel.fieldcrypt import decrypt_text
from threatmodel.selectors import snapshot_of_model
from threatmodel.services_mesh_live import mesh_live_pull_due

pytestmark = pytest.mark.django_db

GRAPH = (KIALI / "graph-workload.json").read_bytes()
TOKEN = "kiali-token-7f3a9c"


class _Kiali(http.server.BaseHTTPRequestHandler):
    seen: list[tuple[str, str]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        type(self).seen.append((self.path, self.headers.get("Authorization", "")))
        kind = self.path.split("/")[1]
        if kind == "slow":
            time.sleep(1.5)
        body = {"ok": GRAPH, "slow": GRAPH, "garbage": b"<html>502 upstream</html>", "notgraph": b'{"a": 1}'}.get(
            kind, b"x" * (len(GRAPH) + 5000)
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if kind != "stream":  # stream: no Content-Length, the size is only known by counting
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up: what is tested
            self.wfile.write(body)


@pytest.fixture
def kiali() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), _Kiali)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Kiali.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _limits(settings: Any) -> None:
    settings.MESH_PULL_CONNECT_TIMEOUT = 1.0
    settings.MESH_PULL_READ_TIMEOUT = 0.5
    settings.MESH_PULL_MAX_BYTES = len(GRAPH) + 10  # "big" and "stream" send 5,000 bytes more


def _configure(clients: Any, model_id: int, base_url: str, **extra: Any) -> Any:
    body = {"base_url": base_url, "auth": "bearer", "token": TOKEN, "namespaces": ["bookinfo"], **extra}
    return clients.editor.put(f"/api/v1/models/{model_id}/mesh/live/", body, format="json")


def test_live_pull_records_an_observation_and_conformance_follows(clients: Any, team_setup: Any, kiali: str) -> None:
    model_id = _import_bookinfo(clients, team_setup)
    design_before = snapshot_of_model(model=m.ThreatModel.objects.get(pk=model_id))
    configured = _configure(clients, model_id, f"{kiali}/ok")
    assert configured.status_code == 200, configured.content
    assert configured.json()["has_token"] is True and TOKEN not in configured.content.decode()
    stored = m.MeshLiveSource.objects.get(model_id=model_id)
    assert TOKEN not in stored.token_encrypted and decrypt_text(stored.token_encrypted) == TOKEN
    pulled = clients.editor.post(f"/api/v1/models/{model_id}/mesh/live/pull/")
    assert pulled.status_code == 201, pulled.content
    assert TOKEN not in pulled.content.decode()
    path, auth = _Kiali.seen[-1]
    assert path.startswith("/ok/api/namespaces/graph?") and "namespaces=bookinfo" in path
    assert auth == f"Bearer {TOKEN}"
    observation = m.MeshSource.objects.get(pk=pulled.json()["observation"]["id"])
    assert observation.kind == "observation" and observation.observed_at is not None
    assert pulled.json()["live"]["last_status"] == "ok"
    result = clients.viewer.get(f"/api/v1/models/{model_id}/conformance/").json()
    assert result["observation"]["id"] == observation.pk and result["counts"]["conforming"] == 3
    model = m.ThreatModel.objects.get(pk=model_id)
    assert snapshot_of_model(model=model) == design_before  # a pull never changes the design
    page = _browser(team_setup.viewer).get(f"/models/{model_id}/conformance/")
    assert b"Pulled" in page.content and TOKEN.encode() not in page.content


@pytest.mark.parametrize(
    ("where", "code"),
    [("closed", "unreachable"), ("slow", "timeout"), ("garbage", "not-a-graph"), ("notgraph", "not-a-graph"),
     ("big", "too-large"), ("stream", "too-large")],
)  # fmt: skip
def test_failed_pulls_answer_json_and_are_recorded(
    clients: Any, team_setup: Any, kiali: str, where: str, code: str
) -> None:
    model_id = _import_bookinfo(clients, team_setup)
    base = f"http://127.0.0.1:{free_port()}" if where == "closed" else f"{kiali}/{where}"
    assert _configure(clients, model_id, base).status_code == 200
    before = m.MeshSource.objects.filter(model_id=model_id, kind="observation").count()
    started = time.monotonic()
    answer = clients.editor.post(f"/api/v1/models/{model_id}/mesh/live/pull/")
    assert time.monotonic() - started < 1.4  # the read timeout cuts the slow answer off
    assert answer.status_code == 502 and answer["Content-Type"].startswith("application/json")
    assert answer.json()["code"] == code and answer.json()["detail"]
    assert m.MeshSource.objects.filter(model_id=model_id, kind="observation").count() == before
    live = clients.viewer.get(f"/api/v1/models/{model_id}/mesh/live/").json()
    assert live["last_status"] == "error" and live["last_error_code"] == code
    page = _browser(team_setup.viewer).get(f"/models/{model_id}/conformance/").content.decode()
    assert html.escape(live["last_error"].split(":")[0]) in page


def test_bad_configuration_is_refused_and_due_pulls_are_claimed_once(clients: Any, team_setup: Any, kiali: str) -> None:
    model_id = _import_bookinfo(clients, team_setup)
    bad = clients.editor.put(
        f"/api/v1/models/{model_id}/mesh/live/",
        {"base_url": "ftp://x", "auth": "bearer", "namespaces": ["Bad_NS"]},
        format="json",
    )
    assert bad.status_code == 400
    assert {e["path"] for e in bad.json()["errors"]} >= {"base_url", "token", "namespaces[0]"}
    assert _configure(clients, model_id, f"{kiali}/ok", interval_minutes=30).status_code == 200
    assert mesh_live_pull_due() == [model_id]
    assert mesh_live_pull_due() == []  # next pull in 30 minutes
    assert m.MeshSource.objects.filter(model_id=model_id, kind="observation").count() == 1


def test_accept_observed_flows_as_one_revision(clients: Any, team_setup: Any, kiali: str) -> None:
    model_id = _import_bookinfo(clients, team_setup)
    assert _configure(clients, model_id, f"{kiali}/ok").status_code == 200
    assert clients.editor.post(f"/api/v1/models/{model_id}/mesh/live/pull/").status_code == 201
    result = clients.viewer.get(f"/api/v1/models/{model_id}/conformance/?category=shadow-dependency").json()
    in_manifests = [v for v in result["verdicts"] if all(v[e].startswith("bookinfo/") for e in ("source", "target"))]
    pairs = [[v["source"], v["target"]] for v in in_manifests]
    assert ["bookinfo/productpage-v1", "bookinfo/reviews-v1"] in pairs
    revision = m.ThreatModel.objects.get(pk=model_id).revision
    refused = clients.editor.post(
        f"/api/v1/models/{model_id}/conformance/accept/",
        {"base_revision": revision, "pairs": [*pairs, ["(unknown)", "bookinfo/productpage-v1"]]},
        format="json",
    )
    assert refused.status_code == 400 and "no component" in refused.json()["detail"]
    accepted = clients.editor.post(
        f"/api/v1/models/{model_id}/conformance/accept/",
        {"base_revision": revision, "pairs": pairs},
        format="json",
    )
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["revision"] == revision + 1 and len(accepted.json()["flows"]) == len(pairs)
    snapshot = snapshot_of_model(model=m.ThreatModel.objects.get(pk=model_id))
    observed = [f for f in snapshot.flows if f.provenance == "observed"]
    assert len(observed) == len(pairs) and observed[0].attributes["observed"]["recorder"] == "kiali"
    after = clients.viewer.get(f"/api/v1/models/{model_id}/conformance/").json()
    assert after["counts"].get("shadow-dependency", 0) == result["counts"]["shadow-dependency"] - len(pairs)
    again = clients.editor.post(
        f"/api/v1/models/{model_id}/conformance/accept/", {"base_revision": revision, "pairs": pairs}, format="json"
    )
    assert again.status_code == 400 and "already designed" in again.json()["detail"]


def test_hosts_the_operator_does_not_allow_are_refused_on_save_and_on_pull(
    clients: Any, team_setup: Any, kiali: str, settings: Any
) -> None:
    model_id = _import_bookinfo(clients, team_setup)
    settings.KIALI_ALLOWED_HOSTS = ["kiali.internal", "*.mesh.example.com"]
    refused = _configure(clients, model_id, f"{kiali}/ok")
    assert refused.status_code == 400 and refused["Content-Type"].startswith("application/json")
    errors = {e["path"]: e["message"] for e in refused.json()["errors"]}
    assert "127.0.0.1:" in errors["base_url"] and "KIALI_ALLOWED_HOSTS" in errors["base_url"]
    assert not m.MeshLiveSource.objects.filter(model_id=model_id).exists()

    settings.KIALI_ALLOWED_HOSTS = ["127.0.0.1"]
    assert _configure(clients, model_id, f"{kiali}/ok").status_code == 200
    settings.KIALI_ALLOWED_HOSTS = ["kiali.internal"]  # the operator narrowed the list after it was saved
    answer = clients.editor.post(f"/api/v1/models/{model_id}/mesh/live/pull/")
    assert answer.status_code == 422 and answer["Content-Type"].startswith("application/json")
    assert answer.json()["code"] == "host-not-allowed" and "127.0.0.1:" in answer.json()["detail"]
    assert _Kiali.seen == []  # nothing was sent to the refused host
    assert not m.MeshSource.objects.filter(model_id=model_id, kind="observation").exists()
    live = clients.viewer.get(f"/api/v1/models/{model_id}/mesh/live/").json()
    assert live["last_status"] == "error" and live["last_error_code"] == "host-not-allowed"

    settings.KIALI_ALLOWED_HOSTS = ["127.0.0.1:1", "127.0.0.*"]
    assert clients.editor.post(f"/api/v1/models/{model_id}/mesh/live/pull/").status_code == 201
