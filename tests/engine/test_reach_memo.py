"""The attack-path rule's memoised walks carried over a re-check (incremental.keep_structural_memo) give exactly
what a fresh walk of the edited model gives, and the re-check still equals a full analysis."""

from __future__ import annotations

from dataclasses import replace
from typing import cast

import pytest

from assessments.engine import AssessmentState, Engine
from assessments.engine.rules.exposure_paths import (
    JEWELS_AND_ENTRIES,
    WEAK_REACH,
    jewels_and_entries,
    reach,
    weak_hop,
)
from testkit.synthetic import generate_snapshot
from threatmodel.domain import Snapshot
from threatmodel.vocabulary import Authentication, Logging

ENGINE = Engine(plan=False, workers=1)
Evaluated = tuple[Snapshot, AssessmentState]


@pytest.fixture(scope="module")
def evaluated() -> Evaluated:
    snapshot = generate_snapshot(300, 1500, seed=3)
    return snapshot, ENGINE.evaluate(snapshot)


def _weak_flows(evaluated: Evaluated) -> tuple[list[str], list[str]]:
    """Weak flows that are edges of the weak walk's tree, and weak flows leaving a reached node that are not."""
    snapshot, state = evaluated
    weak = cast(dict[str, tuple[str, str] | None], state.evaluation.ctx.memo[WEAK_REACH])
    tree = sorted({step[1] for step in weak.values() if step is not None})
    off_tree = sorted(
        f.id for f in snapshot.flows if weak_hop(f) and f.source in weak and f.target in weak and f.id not in tree
    )
    return tree, off_tree


def _check_against_full(state: AssessmentState, snapshot: Snapshot) -> None:
    full = ENGINE.evaluate(snapshot)
    assert state.findings == full.findings
    assert state.evaluation.totals == full.evaluation.totals


def test_a_hop_off_the_tree_keeps_the_walk_and_its_result(evaluated: Evaluated) -> None:
    snapshot, state = evaluated
    _tree, off_tree = _weak_flows(evaluated)
    assert len(off_tree) >= 5  # the model has some, else this test would prove nothing
    old_weak = state.evaluation.ctx.memo[WEAK_REACH]
    for flow_id in off_tree[:5]:
        edited = snapshot.replace_element(replace(snapshot.flow_by_id[flow_id], authentication=Authentication.MTLS))
        again = ENGINE.reassess(state, edited)
        ctx = again.evaluation.ctx
        assert ctx.memo.get(WEAK_REACH) is old_weak  # carried over, not walked again ...
        _jewels, entries = jewels_and_entries(ctx)
        assert reach(ctx, entries, weak_only=True) == old_weak  # ... and equal to a fresh walk
        _check_against_full(again, edited)


def test_a_tree_hop_or_a_new_weak_hop_walks_again(evaluated: Evaluated) -> None:
    snapshot, state = evaluated
    tree, _off_tree = _weak_flows(evaluated)
    old_weak = state.evaluation.ctx.memo[WEAK_REACH]
    edited = snapshot.replace_element(replace(snapshot.flow_by_id[tree[0]], authentication=Authentication.MTLS))
    again = ENGINE.reassess(state, edited)
    assert again.evaluation.ctx.memo.get(WEAK_REACH) is not old_weak
    _check_against_full(again, edited)
    strong = next(f for f in snapshot.flows if not weak_hop(f))
    edited = snapshot.replace_element(replace(strong, authentication=Authentication.NONE))
    again = ENGINE.reassess(state, edited)
    assert again.evaluation.ctx.memo.get(WEAK_REACH) is not old_weak
    _check_against_full(again, edited)


def test_jewels_and_entries_carried_over_an_unrelated_edit(evaluated: Evaluated) -> None:
    snapshot, state = evaluated
    old = state.evaluation.ctx.memo[JEWELS_AND_ENTRIES]
    _tree, off_tree = _weak_flows(evaluated)
    flow = snapshot.flow_by_id[off_tree[0]]
    comp = snapshot.component_by_id[flow.source]
    edited = snapshot.replace_element(replace(flow, authentication=Authentication.MTLS))
    edited = edited.replace_element(
        replace(comp, logging=Logging.NONE if comp.logging is Logging.AUDIT else Logging.AUDIT)
    )
    again = ENGINE.reassess(state, edited)
    assert again.evaluation.ctx.memo.get(JEWELS_AND_ENTRIES) is old
    _check_against_full(again, edited)
    moved = snapshot.replace_element(replace(comp, internet_facing=not comp.internet_facing))
    again = ENGINE.reassess(state, moved)
    assert again.evaluation.ctx.memo.get(JEWELS_AND_ENTRIES) is not old
    _check_against_full(again, moved)
