"""The plan's inputs as a split analysis prepares them (engine/plan.py ``OpenGroups``, incremental.py
``reevaluated_totals``) give what the one-pass versions give."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from assessments.engine import Engine
from assessments.engine.incremental import reevaluate, reevaluated_totals
from assessments.engine.plan import OpenGroups, build_plan
from testkit.synthetic import generate_snapshot
from threatmodel.vocabulary import Encryption, Logging


@pytest.mark.parametrize("seed", [1, 4])
def test_groups_collected_in_batches_in_any_order_give_the_same_plan(seed: int) -> None:
    state = Engine(workers=1).evaluate(generate_snapshot(300, 1500, seed=seed)).evaluation
    items = list(state.elements.items())
    batches = [dict(items[start : start + 37]) for start in range(0, len(items), 37)]
    random.Random(seed).shuffle(batches)  # the worker's chunks arrive in no particular order
    groups = OpenGroups(state.ctx, state.evaluator.specs)
    for batch in batches:
        groups.add(batch)
    plan = build_plan(state)
    assert plan, "no plan: nothing compared"
    assert build_plan(state, groups=groups) == plan
    with pytest.raises(RuntimeError):
        groups.finish(state, None)  # finished once, by build_plan


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
