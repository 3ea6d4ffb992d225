"""Ids in URLs and query strings: one parser, and a malformed id is a 404 like a missing object."""

from __future__ import annotations

from typing import Any

import pytest

from threatmodel.api.common import MAX_ID, parse_id
from threatmodel.selectors import NotFound


@pytest.mark.parametrize(("raw", "expected"), [("1", 1), ("42", 42), (7, 7), (str(MAX_ID), MAX_ID), ("007", 7)])
def test_parse_id_accepts_positive_64_bit_integers(raw: Any, expected: int) -> None:
    assert parse_id(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "0", "-3", "abc", "1.5", "1e3", str(MAX_ID + 1), "9" * 40, "12abc"])
def test_parse_id_refuses_anything_else_as_not_found(raw: Any) -> None:
    with pytest.raises(NotFound):
        parse_id(raw)


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["0", str(MAX_ID + 1), "9" * 40])
def test_malformed_ids_in_urls_are_404_json(clients: Any, raw: str) -> None:
    for path in (f"/api/v1/models/{raw}/", f"/api/v1/teams/{raw}/", f"/api/v1/assessments/{raw}/"):
        response = clients.viewer.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"].startswith("application/json"), path
