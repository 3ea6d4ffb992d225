"""Every failure is an answer (issue 19, observations 1-3 and 7): JSON errors on API paths, a dependency that is
down is a 503 that names it, throttling survives an unreachable Redis, an enqueue failure is not a 500."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from celery import current_app
from django.db import OperationalError
from django.test import Client, override_settings

from tests.conftest import client_for
from threatmodel.services_tokens import api_token_create


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_cache_at(port: int) -> dict[str, Any]:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "KEY_PREFIX": "trustmap",
        }
    }


def token_client(user: Any, scope: str = "write") -> Client:
    _, raw = api_token_create(user=user, name=f"t-{scope}", scope=scope)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.mark.django_db
def test_reads_work_and_throttle_holds_with_redis_unreachable(team_setup: Any) -> None:
    client = token_client(team_setup.viewer, "read")
    rates = {"user": "600/minute", "anon": "60/minute", "token": "5/minute"}
    with (
        override_settings(CACHES=redis_cache_at(closed_port())),
        override_settings(REST_FRAMEWORK={**_rest(), "DEFAULT_THROTTLE_RATES": rates}),
    ):
        codes = [client.get("/api/v1/models/").status_code for _ in range(7)]
    assert codes[:5] == [200] * 5
    assert codes[5:] == [429, 429]  # local counters take over: the rate still holds


def _rest() -> dict[str, Any]:
    from django.conf import settings

    return dict(settings.REST_FRAMEWORK)


@pytest.mark.django_db(transaction=True)
def test_enqueue_failure_is_not_a_500(team_setup: Any, monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    """The broker is a closed port: the run is created, the answer is 202 and the run says it is queued."""
    settings.CELERY_TASK_ALWAYS_EAGER = False  # jobs go to the broker (assessments.services.jobs.uses_celery)
    for key, value in {
        "task_always_eager": False,
        "broker_url": f"redis://127.0.0.1:{closed_port()}/0",
        "broker_connection_retry": False,
        "broker_connection_max_retries": 0,
        "task_publish_retry": False,
    }.items():
        monkeypatch.setitem(current_app.conf, key, value)
    monkeypatch.setattr(current_app, "_pool", None)
    monkeypatch.setattr(current_app.amqp, "_producer_pool", None)
    response = client_for(team_setup.editor).post(f"/api/v1/models/{team_setup.model.pk}/assessments/")
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/teams/", "/api/v1/models/{model}/changesets/"])
def test_deeply_nested_json_is_400(team_setup: Any, path: str) -> None:
    body = "[" * 100_000 + "]" * 100_000
    response = client_for(team_setup.editor).post(
        path.format(model=team_setup.model.pk), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("body", ['{"name": NaN}', '{"name": 1e999}', '{"name": "\\ud800"}', '{"name": "a\\u0000b"}'])
def test_json_parser_refuses_non_json_values(team_setup: Any, body: str) -> None:
    response = client_for(team_setup.owner).post("/api/v1/teams/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_unsafe_methods_on_unknown_api_paths_answer_json_404(team_setup: Any, method: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(team_setup.owner)
    response = getattr(client, method)("/api/v1/nothing-here/", "{}", content_type="application/json")
    assert response.status_code == 404
    assert response.json() == {"detail": "not found"}


@pytest.mark.django_db
def test_csrf_failure_on_api_path_is_json(team_setup: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(team_setup.owner)
    response = client.post("/api/v1/teams/", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


@pytest.mark.django_db
def test_oversized_body_is_413_json(team_setup: Any) -> None:
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        response = client_for(team_setup.owner).post(
            "/api/v1/teams/", json.dumps({"name": "x" * 2000}), content_type="application/json"
        )
    assert response.status_code == 413
    assert response.json()["detail"]


@pytest.mark.django_db
def test_unsupported_media_type_is_415_json(team_setup: Any) -> None:
    response = client_for(team_setup.owner).post("/api/v1/teams/", "name=x", content_type="text/csv")
    assert response.status_code == 415
    assert response.json()["detail"]


@pytest.mark.django_db
def test_database_error_is_503_naming_the_database(team_setup: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """An operational database error (locked, read-only, gone) is a 503 with Retry-After, on API and pages."""
    from threatmodel import selectors

    def locked(**kwargs: Any) -> Any:
        raise OperationalError("database is locked")

    monkeypatch.setattr(selectors, "models_for_user", locked)
    response = client_for(team_setup.viewer).get("/api/v1/models/")
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "database" in response.json()["detail"]


@pytest.mark.django_db
def test_unexpected_error_on_api_path_is_json(team_setup: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from threatmodel import selectors

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr(selectors, "models_for_user", broken)
    client = Client(raise_request_exception=False)
    client.force_login(team_setup.viewer)
    response = client.get("/api/v1/models/")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error"}


@pytest.fixture(autouse=True)
def _fresh_throttle_counters() -> Any:
    from threatmodel.api.authentication import COUNTERS

    yield
    COUNTERS.down_until = 0.0
    COUNTERS.local.clear()
