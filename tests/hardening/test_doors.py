"""Doors left ajar (issue 19, observation 7): revision preconditions on model DELETE/PATCH, caching of
authenticated answers, API docs behind login, HSTS with SECURE_COOKIES=1, no placeholder secret in production."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.conftest import client_for
from threatmodel import models as m

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.django_db
def test_model_delete_needs_the_current_revision(team_setup: Any) -> None:
    client, model = client_for(team_setup.owner), team_setup.model
    url = f"/api/v1/models/{model.pk}/"
    assert client.delete(url).status_code == 428
    stale = client.delete(url, HTTP_IF_MATCH=f'"{model.revision - 1}"')
    assert stale.status_code == 409 and stale.json()["current_revision"] == model.revision
    assert client.delete(url, HTTP_IF_MATCH=f'"{model.revision}"').status_code == 204
    assert not m.ThreatModel.objects.filter(pk=model.pk).exists()


@pytest.mark.django_db
def test_stale_if_match_is_not_overridden_by_a_current_body(team_setup: Any) -> None:
    client, model = client_for(team_setup.editor), team_setup.model
    url = f"/api/v1/models/{model.pk}/"
    body = {"description": "x", "base_revision": model.revision}
    response = client.patch(url, body, format="json", HTTP_IF_MATCH=f'"{model.revision - 1}"')
    assert response.status_code == 412, response.content
    assert "disagree" in response.json()["detail"]
    model.refresh_from_db()
    assert model.description != "x"
    agreeing = client.patch(url, body, format="json", HTTP_IF_MATCH=f'"{model.revision}"')
    assert agreeing.status_code == 200
    owner = client_for(team_setup.owner)
    both = owner.delete(f"{url}?base_revision={model.revision}", HTTP_IF_MATCH=f'"{model.revision + 1}"')
    assert both.status_code == 412  # the revision moved on with the PATCH; the query string names the old one


@pytest.mark.django_db
def test_authenticated_answers_are_not_stored(team_setup: Any) -> None:
    api = client_for(team_setup.viewer).get("/api/v1/models/")
    assert "no-store" in api["Cache-Control"]
    page = Client()
    page.force_login(team_setup.viewer)
    home = page.get("/")
    assert home.status_code == 200 and "no-store" in home["Cache-Control"]


@pytest.mark.django_db
def test_api_docs_need_a_login(team_setup: Any) -> None:
    anonymous = Client()
    schema = anonymous.get("/api/schema/")
    assert schema.status_code in (401, 403)
    assert schema.json()["detail"]
    for path in ("/api/docs/", "/api/redoc/"):
        response = anonymous.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    signed_in = Client()
    signed_in.force_login(team_setup.viewer)
    assert signed_in.get("/api/schema/").status_code == 200
    assert signed_in.get("/api/docs/").status_code == 200


def settings_of(env: dict[str, str], *names: str) -> subprocess.CompletedProcess[str]:
    code = "import django; django.setup(); from django.conf import settings; " + "; ".join(
        f"print(repr(settings.{name}))" for name in names
    )
    full = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_", "API_DOCS"))}
    full.update({"DJANGO_SETTINGS_MODULE": "config.settings", **env})
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=full, capture_output=True, text=True, timeout=60)


GOOD_KEY = "k" * 50


def test_secure_cookies_turn_on_hsts_and_secure_cookies() -> None:
    names = ("SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT")
    on = settings_of({"DJANGO_SECRET_KEY": GOOD_KEY, "SECURE_COOKIES": "1"}, *names)
    assert on.returncode == 0, on.stderr
    assert on.stdout.split() == ["31536000", "True", "True", "True"]
    off = settings_of({"DJANGO_SECRET_KEY": GOOD_KEY}, *names)
    assert off.stdout.split() == ["0", "False", "False", "False"]


@pytest.mark.parametrize("key", ["...", "change-me", "django-insecure-abc", "short"])
def test_production_refuses_a_placeholder_secret(key: str) -> None:
    done = settings_of({"DJANGO_SECRET_KEY": key}, "DEBUG")
    assert done.returncode != 0
    assert "DJANGO_SECRET_KEY is a placeholder" in done.stderr
    debugging = settings_of({"DJANGO_SECRET_KEY": key, "DJANGO_DEBUG": "1"}, "DEBUG")
    assert debugging.returncode == 0, debugging.stderr


@pytest.mark.django_db
def test_a_setting_opens_the_api_docs(settings: Any) -> None:
    settings.API_DOCS_PUBLIC = True
    anonymous = Client()
    assert anonymous.get("/api/schema/").status_code == 200
    assert b"swagger" in anonymous.get("/api/docs/").content.lower()


def test_check_deploy_is_clean_with_production_settings() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_", "API_DOCS"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY=GOOD_KEY + "-Zq9",
        SECURE_COOKIES="1",
        DJANGO_ALLOWED_HOSTS="trustmap.example.com",
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout
