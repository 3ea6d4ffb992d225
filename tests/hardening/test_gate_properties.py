"""Property tests (issue 19, "one input gate"): arbitrary JSON and bytes on the change-set and import
endpoints answer 4xx or success, never 5xx, and a refused request saves nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import client_for
from threatmodel import models as m

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=12)
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=25,
)
kinds = st.sampled_from(["component", "flow", "boundary", "model", "identity", "grant", "nope"])
ids = st.sampled_from(["gateway", "frontend", "new-one", "", "internet"]) | st.text(max_size=8)
fields = st.sampled_from(["name", "attributes", "kind", "boundary", "port", "tags", "source", "description"])
element_data = st.dictionaries(fields, json_values, max_size=4)
changes = st.lists(
    st.fixed_dictionaries(
        {"op": st.sampled_from(["create", "update", "delete", "x"]), "kind": kinds, "id": ids, "data": element_data}
    )
    | json_values,
    max_size=3,
)


def dump(value: Any) -> bytes:
    """JSON text of a value, NaN/Infinity and lone surrogates included (as a hostile client would send)."""
    return json.dumps(value, ensure_ascii=True, allow_nan=True).encode()


def state(model: m.ThreatModel) -> tuple[int, int]:
    model.refresh_from_db()
    return model.revision, m.Revision.objects.filter(model=model).count()


@pytest.mark.django_db
def test_changesets_never_5xx_and_refusals_save_nothing(team_setup: Any) -> None:
    client = client_for(team_setup.editor)
    model = team_setup.model

    @SETTINGS
    @given(body_changes=changes, extra=st.dictionaries(st.text(max_size=5), json_values, max_size=2))
    def check(body_changes: list[Any], extra: dict[str, Any]) -> None:
        revision, count = state(model)
        body = {**extra, "base_revision": revision, "changes": body_changes}
        response = client.post(f"/api/v1/models/{model.pk}/changesets/", dump(body), content_type="application/json")
        assert response.status_code < 500, response.content[:500]
        assert response["Content-Type"].startswith("application/json")
        if response.status_code == 201:
            assert state(model) == (revision + 1, count + 1)
        else:
            assert state(model) == (revision, count)

    check()


@pytest.mark.django_db
def test_imports_never_5xx_and_refusals_save_nothing(team_setup: Any) -> None:
    client = client_for(team_setup.editor)
    url = f"/api/v1/teams/{team_setup.team.pk}/models/import/"

    @SETTINGS
    @given(
        payload=st.binary(max_size=200)
        | json_values.map(dump)
        | st.fixed_dictionaries({"trustmap": st.just(1), "model": json_values, "components": json_values}).map(dump),
        content_type=st.sampled_from(["application/json", "application/yaml", "text/plain"]),
    )
    def check(payload: bytes, content_type: str) -> None:
        before = m.ThreatModel.objects.count()
        response = client.post(url, payload, content_type=content_type)
        assert response.status_code < 500, response.content[:500]
        if response.status_code != 201:
            assert m.ThreatModel.objects.count() == before
        else:
            m.ThreatModel.objects.filter(pk=response.json()["id"]).delete()

    check()
