"""Login throttling (issue 19, observation 5): 30 wrong passwords, then the right one, no longer logs in - on the
login page and on the admin's."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.factories import UserFactory


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_wrong_passwords_lock_the_account_out(path: str, settings: Any) -> None:
    user = UserFactory(username="alice", is_staff=True)
    user.set_password("right-password-123")
    user.save()
    client = Client()
    codes = [client.post(path, {"username": "alice", "password": f"wrong-{i}"}).status_code for i in range(30)]
    limit = settings.AXES_FAILURE_LIMIT
    assert codes[: limit - 1] == [200] * (limit - 1)  # the form again, with its error
    assert set(codes[limit:]) == {429}
    locked = client.post(path, {"username": "alice", "password": "right-password-123"})
    assert locked.status_code == 429
    assert b"Too many failed logins" in locked.content
    assert "_auth_user_id" not in client.session
    other = Client(REMOTE_ADDR="10.9.9.9")  # another address is not locked out by this one's failures
    assert other.post(path, {"username": "alice", "password": "right-password-123"}).status_code == 302


@pytest.mark.django_db
def test_a_success_before_the_limit_resets_the_count() -> None:
    user = UserFactory(username="bob")
    user.set_password("right-password-123")
    user.save()
    client = Client()
    for _ in range(3):
        client.post("/login/", {"username": "bob", "password": "nope"})
    assert client.post("/login/", {"username": "bob", "password": "right-password-123"}).status_code == 302
