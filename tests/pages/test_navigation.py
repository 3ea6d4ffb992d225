"""The main navigation links the API documentation for every signed-in user and the admin for staff only."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def nav_links(html: str) -> dict[str, str]:
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S)
    assert nav is not None, "no main navigation"
    return {text.strip(): href for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav.group(1))}


def test_api_docs_for_users_admin_for_staff(client: Any, team_setup: Any) -> None:
    client.force_login(team_setup.viewer)
    links = nav_links(client.get("/").content.decode())
    assert links["API docs"] == "/api/docs/" and "Admin" not in links
    assert client.get(links["API docs"]).status_code == 200

    staff = UserFactory(username="operator", is_staff=True, is_superuser=True)
    client.force_login(staff)
    links = nav_links(client.get("/").content.decode())
    assert links["API docs"] == "/api/docs/" and links["Admin"] == "/admin/"
    assert client.get(links["Admin"]).status_code == 200


def test_no_navigation_for_anonymous_visitors(client: Any) -> None:
    page = client.get("/login/").content.decode()
    assert "/api/docs/" not in page and "/admin/" not in page
