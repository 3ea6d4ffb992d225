"""The plan measures a candidate fix by ``incremental.reevaluated_totals``: the totals ``reevaluate`` gives."""

from __future__ import annotations

from dataclasses import replace

from assessments.engine import Engine
from assessments.engine.incremental import reevaluate, reevaluated_totals
from testkit.synthetic import generate_snapshot
from threatmodel.vocabulary import Encryption, Logging


def test_reevaluated_totals_are_the_totals_of_the_reevaluation() -> None:
    snapshot = generate_snapshot(300, 1500, seed=3)
    state = Engine(workers=1).evaluate(snapshot).evaluation
    flow, comp = snapshot.flows[11], snapshot.components[5]
    edits = [
        snapshot,  # no change
        snapshot.replace_element(replace(flow, encryption=Encryption.NONE)),
        snapshot.replace_element(replace(flow, encryption=Encryption.MTLS)),
        snapshot.replace_element(replace(comp, logging=Logging.AUDIT)),
        snapshot.replace_element(replace(comp, logging=Logging.NONE)),
    ]
    for edited in edits:
        assert reevaluated_totals(state, edited) == reevaluate(state, edited).totals
