"""Model webhooks: set through the API (editors), refused for non-public addresses unless allowed, and called
with a signed payload (score, new findings) by a real HTTP request when an assessment succeeds."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from assessments import webhook_http
from assessments.models import AssessmentRun, ModelWebhook
from assessments.services import webhooks
from assessments.services.runs import assessment_run_execute

pytestmark = pytest.mark.django_db


class Receiver:
    """A real HTTP server on loopback recording each POST; answers the queued status codes, then 200."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                code = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/trustmap"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def _assess(model: Any, user: Any, django_capture_on_commit_callbacks: Any) -> AssessmentRun:
    run = AssessmentRun.objects.create(model=model, revision=model.revision, requested_by=user)
    with django_capture_on_commit_callbacks(execute=True):
        assessment_run_execute(run_id=run.pk)
    return AssessmentRun.objects.get(pk=run.pk)


def test_webhook_is_called_signed_with_score_and_new_findings(
    clients: Any, team_setup: Any, receiver: Receiver, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = True
    model = team_setup.model
    url = f"/api/v1/models/{model.pk}/webhook/"
    assert clients.editor.get(url).status_code == 404
    assert clients.viewer.put(url, {"url": receiver.url}, format="json").status_code == 403
    response = clients.editor.put(url, {"url": receiver.url}, format="json")
    assert response.status_code == 200, response.json()
    secret = response.json()["secret"]
    assert len(secret) == 64 and response.json()["url"] == receiver.url
    assert "secret" not in clients.owner.get(url).json()

    first = _assess(model, team_setup.editor, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 1
    delivery = receiver.requests[0]
    headers = {k.lower(): v for k, v in delivery["headers"].items()}
    timestamp = headers["x-trustmap-timestamp"]
    assert abs(int(timestamp) - time.time()) < 60 and headers["x-trustmap-event"] == "assessment.succeeded"
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + delivery["body"], hashlib.sha256).hexdigest()
    assert headers["x-trustmap-signature"] == f"sha256={expected}"
    payload = json.loads(delivery["body"])
    assert payload["model"] == model.pk and payload["run"] == first.pk and payload["overall"] == first.overall_score
    assert payload["previous_run"] is None and payload["new_findings"]
    assert len(payload["new_findings"]) == first.findings.count()
    score = clients.viewer.get(f"/api/v1/models/{model.pk}/score/").json()
    assert {k: payload[k] for k in ("principles", "pillars", "stage", "counts")} == {
        k: score[k] for k in ("principles", "pillars", "stage", "counts")
    }
    assert clients.editor.get(url).json()["last_status"] == "delivered"

    # the same revision again: nothing new; a tampered body would not verify
    second = _assess(model, team_setup.editor, django_capture_on_commit_callbacks)
    payload = json.loads(receiver.requests[1]["body"])
    assert payload["run"] == second.pk and payload["previous_run"] == first.pk and payload["new_findings"] == []
    assert webhook_http.signature(secret, int(timestamp), delivery["body"] + b" ") != f"sha256={expected}"

    assert clients.editor.delete(url).status_code == 204
    _assess(model, team_setup.editor, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 2


def test_server_errors_are_retried_and_client_errors_are_final(
    team_setup: Any, receiver: Receiver, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = True
    model = team_setup.model
    webhooks.webhook_set(model=model, url=receiver.url, user=team_setup.owner)
    receiver.statuses = [503]
    _assess(model, team_setup.editor, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 2  # 503, then delivered on the retry
    assert ModelWebhook.objects.get(model=model).last_status == "delivered"
    receiver.statuses = [410]
    _assess(model, team_setup.editor, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 3  # not retried
    hook = ModelWebhook.objects.get(model=model)
    assert hook.last_status == "failed" and "410" in hook.last_error


def test_private_and_loopback_addresses_are_refused_unless_allowed(
    clients: Any, team_setup: Any, receiver: Receiver, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = False
    url = f"/api/v1/models/{team_setup.model.pk}/webhook/"
    for target in (
        receiver.url,
        "http://10.1.2.3/x",
        "http://169.254.169.254/latest",
        "http://[::1]:8080/",
        "http://localhost/hook",
        "ftp://example.com/x",
    ):
        response = clients.editor.put(url, {"url": target}, format="json")
        assert response.status_code == 400, (target, response.json())
    assert not ModelWebhook.objects.exists()
    with pytest.raises(webhooks.WebhookError, match="non-public"):
        webhook_http.check_url("http://192.168.0.10:9000/")
    # a webhook set while allowed is still refused at delivery once it is not
    settings.WEBHOOK_ALLOW_PRIVATE = True
    webhooks.webhook_set(model=team_setup.model, url=receiver.url, user=team_setup.owner)
    settings.WEBHOOK_ALLOW_PRIVATE = False
    _assess(team_setup.model, team_setup.editor, django_capture_on_commit_callbacks)
    assert receiver.requests == []
    hook = ModelWebhook.objects.get(model=team_setup.model)
    assert hook.last_status == "failed" and "non-public" in hook.last_error


def test_delivery_connects_to_the_address_checked_not_a_second_resolution(
    team_setup: Any, receiver: Receiver, settings: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """DNS rebinding: the name is resolved once per delivery, for the check, and the connection goes to that
    address (a later answer pointing elsewhere is never used); the Host header still names the URL's host."""
    settings.WEBHOOK_ALLOW_PRIVATE = True
    port = receiver.server.server_address[1]
    real_getaddrinfo = socket.getaddrinfo
    answers = iter(["127.0.0.1", "203.0.113.9", "203.0.113.9", "203.0.113.9"])  # then "rebound" (TEST-NET-3)
    asked: list[str] = []

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "hooks.example.test":
            address = next(answers)
            asked.append(address)
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    hook, _secret = webhooks.webhook_set(
        model=team_setup.model, url=f"http://hooks.example.test:{port}/in?x=1", user=team_setup.owner
    )
    assert asked == ["127.0.0.1"]
    answers = iter(["127.0.0.1", "203.0.113.9"])
    asked.clear()
    _assess(team_setup.model, team_setup.editor, django_capture_on_commit_callbacks)
    assert asked == ["127.0.0.1"]  # one resolution, the checked one, used to connect
    assert len(receiver.requests) == 1 and receiver.requests[0]["path"] == "/in?x=1"
    headers = {k.lower(): v for k, v in receiver.requests[0]["headers"].items()}
    assert headers["host"] == f"hooks.example.test:{port}"
    assert ModelWebhook.objects.get(pk=hook.pk).last_status == "delivered"
