"""Every triage decision, single or bulk, leaves one audit entry saying who decided what, from where; a refused
decision leaves none."""

from __future__ import annotations

from typing import Any

import pytest

from assessments.services.triage import finding_triage_set, finding_triage_set_many
from threatmodel import models as m
from threatmodel.choices import AuditAction
from threatmodel.invariants import ModelValidationError
from threatmodel.services_audit import Origin

pytestmark = pytest.mark.django_db


def entries(team: Any) -> list[Any]:
    return list(m.AuditEvent.objects.filter(team=team, action=AuditAction.TRIAGE_DECIDED).order_by("pk"))


def test_single_and_bulk_decisions_are_audited(team_setup: Any) -> None:
    model, user = team_setup.model, team_setup.editor
    origin = Origin(ip_address="192.0.2.7", user_agent="pytest")
    finding_triage_set(
        model=model, fingerprint="r.one@x", status="accepted", user=user, justification="known", origin=origin
    )
    finding_triage_set_many(
        model=model,
        fingerprints=["r.two@y", "r.three@z", "r.two@y"],
        status="false_positive",
        user=user,
        justification="not reachable",
    )
    logged = entries(model.team)
    assert [(e.detail["fingerprint"], e.detail["status"]) for e in logged] == [
        ("r.one@x", "accepted"),
        ("r.two@y", "false_positive"),
        ("r.three@z", "false_positive"),
    ]
    assert all(e.actor_id == user.pk and e.actor_name == user.get_username() for e in logged)
    assert (logged[0].ip_address, logged[0].user_agent) == ("192.0.2.7", "pytest")
    assert logged[1].ip_address is None and logged[1].detail["previous_status"] == "open"


def test_a_refused_decision_is_not_audited(team_setup: Any) -> None:
    with pytest.raises(ModelValidationError):
        finding_triage_set_many(model=team_setup.model, fingerprints=["a@b"], status="accepted", user=team_setup.editor)
    assert entries(team_setup.model.team) == []
