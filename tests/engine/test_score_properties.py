"""Hypothesis properties of the posture score (issue 15): monotone under fixes, adding failing elements never
raises it, size / order / id invariance, deductions add up per entry, incremental == full."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from assessments.engine import Engine
from assessments.engine.engine import AssessmentState
from assessments.engine.evaluate import OPEN
from testkit.synthetic import generate_snapshot
from threatmodel.domain import Component, Snapshot
from threatmodel.vocabulary import (
    SEVERITY_RANK,
    Authentication,
    Authorization,
    ComponentKind,
    Encryption,
    Logging,
)

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ENGINE = Engine(plan=False, workers=1)
seeds = st.integers(min_value=1, max_value=5)


@lru_cache(maxsize=8)
def small(seed: int) -> Snapshot:
    return generate_snapshot(30, 100, seed=seed)


@lru_cache(maxsize=8)
def evaluated(seed: int) -> AssessmentState:
    return ENGINE.evaluate(small(seed))


def _open(state: AssessmentState) -> dict[str, int]:
    """Open finding id -> severity rank (0 = critical)."""
    return {f.id: SEVERITY_RANK[f.severity] for f in state.findings if not f.mitigated}


def _security_edit(snapshot: Snapshot, index: int, choice: int) -> Snapshot:
    """A change of security attributes only (what a fix changes; applicability never depends on these)."""
    if choice % 2:
        flow = snapshot.flows[index % len(snapshot.flows)]
        return snapshot.replace_element(
            replace(
                flow,
                authentication=list(Authentication)[choice % len(Authentication)],
                encryption=list(Encryption)[(choice // 11) % 3],
                authorization=list(Authorization)[(choice // 33) % 4],
            )
        )
    comp = snapshot.components[index % len(snapshot.components)]
    return snapshot.replace_element(
        replace(
            comp,
            authentication=list(Authentication)[choice % len(Authentication)],
            authorization=list(Authorization)[(choice // 11) % 4],
            logging=list(Logging)[(choice // 44) % 3],
            encryption_at_rest=bool((choice // 132) % 2),
        )
    )


@SETTINGS
@given(seed=seeds, index=st.integers(0, 10_000), choice=st.integers(0, 10_000))
def test_closing_findings_never_lowers_and_opening_never_raises(seed: int, index: int, choice: int) -> None:
    before = evaluated(seed)
    after = ENGINE.evaluate(_security_edit(small(seed), index, choice))
    old, new = _open(before), _open(after)
    only_closes = set(new) <= set(old) and all(new[i] >= old[i] for i in new)
    only_opens = set(old) <= set(new) and all(new[i] <= old[i] for i in old)
    assume(only_closes or only_opens)
    if only_closes:
        assert after.overall >= before.overall
    if only_opens:
        assert after.overall <= before.overall


def _failing_component(snapshot: Snapshot, number: int, kind_choice: int) -> Component:
    kinds = [ComponentKind.SERVICE, ComponentKind.DATASTORE, ComponentKind.WEB_FRONTEND, ComponentKind.CACHE]
    return Component(  # no data (so no rule folds another), a secret in its configuration, no boundary, exposed
        f"zz-added-{number}",
        "Added",
        kind=kinds[kind_choice % len(kinds)],
        internet_facing=True,
        authentication=Authentication.NONE,
        logging=Logging.NONE,
        attributes={"db_password": f"hunter{number}"},
    )


@SETTINGS
@given(seed=seeds, number=st.integers(0, 1_000), kind_choice=st.integers(0, 3))
def test_adding_an_element_whose_checks_only_fail_never_raises(seed: int, number: int, kind_choice: int) -> None:
    base = small(seed)
    comp = _failing_component(base, number, kind_choice)
    before = evaluated(seed)
    with_it = ENGINE.evaluate(base.with_elements("components", [*base.components, comp]))
    result = with_it.evaluation.elements[comp.id]
    # the added element: every applicable check is open, and nothing else changed
    assume(len(result.checks) == len(result.applicable) and all(c.state == OPEN for c in result.checks))
    others = {i: r for i, r in with_it.evaluation.elements.items() if i != comp.id}
    assume(others == before.evaluation.elements)
    assert with_it.overall <= before.overall
    # and deleting it again (an element whose checks only fail) never lowers the score
    assert ENGINE.evaluate(with_it.snapshot.without_elements([comp.id])).overall >= with_it.overall


def _renamed(snapshot: Snapshot, rename: Any) -> Snapshot:
    """The same model with every element id passed through ``rename`` (references follow)."""

    def ids(values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(rename(v) for v in values)

    def opt(value: str | None) -> str | None:
        return None if value is None else rename(value)

    return Snapshot.build(
        snapshot.info,
        revision=snapshot.revision,
        data_assets=[replace(a, id=rename(a.id)) for a in snapshot.data_assets],
        boundaries=[replace(b, id=rename(b.id), parent=opt(b.parent)) for b in snapshot.boundaries],
        identities=[replace(i, id=rename(i.id)) for i in snapshot.identities],
        components=[
            replace(
                c,
                id=rename(c.id),
                boundary=opt(c.boundary),
                identity=opt(c.identity),
                data_stored=ids(c.data_stored),
                data_processed=ids(c.data_processed),
            )
            for c in snapshot.components
        ],
        flows=[
            replace(
                f, id=rename(f.id), source=rename(f.source), target=rename(f.target), data_assets=ids(f.data_assets)
            )
            for f in snapshot.flows
        ],
        grants=[
            replace(
                g, id=rename(g.id), identity=rename(g.identity), target="*" if g.target == "*" else rename(g.target)
            )
            for g in snapshot.grants
        ],
        controls=[replace(c, id=rename(c.id), target=rename(c.target)) for c in snapshot.controls],
    )


def _without_wildcards(snapshot: Snapshot) -> Snapshot:
    """A wildcard grant reaches every component of the model, so copies of it are not disjoint: drop them."""
    return replace(snapshot, grants=tuple(g for g in snapshot.grants if g.target != "*"))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=seeds)
def test_two_disjoint_copies_score_as_one(seed: int) -> None:
    one = _without_wildcards(small(seed))
    first = _renamed(one, lambda i: f"a-{i}")
    second = _renamed(one, lambda i: f"b-{i}")
    both = Snapshot.build(
        one.info,
        revision=one.revision,
        **{name: [*getattr(first, name), *getattr(second, name)] for name in _COLLECTIONS},
    )
    single = ENGINE.evaluate(one).scores(explain=False)
    double = ENGINE.evaluate(both).scores(explain=False)
    assert double.overall == single.overall
    assert double.grade == single.grade and double.stage == single.stage
    assert [(e.key, e.score) for e in double.pillars] == [(e.key, e.score) for e in single.pillars]
    assert [(e.key, e.score) for e in double.principles] == [(e.key, e.score) for e in single.principles]
    assert double.coverage is not None and single.coverage is not None
    assert double.coverage.ratio == single.coverage.ratio


_COLLECTIONS = ("data_assets", "boundaries", "identities", "components", "flows", "grants", "controls")


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=seeds, salt=st.integers(0, 10_000))
def test_element_order_and_ids_do_not_change_the_score(seed: int, salt: int) -> None:
    snapshot = small(seed)
    # a bijective renaming that reorders the ids (the digits of a salted hash first)
    renamed = _renamed(snapshot, lambda i: f"{(hash((i, salt)) & 0xFFFF):05d}-{i}")
    reversed_order = Snapshot.build(
        renamed.info, revision=renamed.revision, **{n: list(reversed(getattr(renamed, n))) for n in _COLLECTIONS}
    )
    a = ENGINE.evaluate(snapshot).scores(explain=False)
    b = ENGINE.evaluate(reversed_order).scores(explain=False)
    assert (a.overall, a.grade, a.stage) == (b.overall, b.grade, b.stage)
    assert [(e.key, e.score) for e in a.pillars] == [(e.key, e.score) for e in b.pillars]


@SETTINGS
@given(seed=seeds, index=st.integers(0, 10_000), choice=st.integers(0, 10_000))
def test_deductions_add_up_per_entry(seed: int, index: int, choice: int) -> None:
    scores = ENGINE.evaluate(_security_edit(small(seed), index, choice)).scores()
    entries = [("overall", scores.overall, scores.deductions)]
    entries += [(e.key, e.score, e.deductions) for e in (*scores.principles, *scores.pillars)]
    for key, score, deductions in entries:
        total = sum(d.points for d in deductions)
        assert abs(total - (100.0 - score)) <= 0.05 + 1e-6, (key, score, total)
        assert all(d.points >= 0 and d.cap >= 0 and d.floor >= 0 for d in deductions)
        assert all(d.cap + d.floor <= d.points + 1e-9 for d in deductions)


@SETTINGS
@given(
    seed=seeds,
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)), min_size=1, max_size=3),
)
def test_incremental_recheck_gives_the_full_score(seed: int, edits: list[tuple[int, int]]) -> None:
    snapshot = small(seed)
    state = evaluated(seed)
    for index, choice in edits:
        snapshot = _security_edit(snapshot, index, choice)
        state = ENGINE.reassess(state, snapshot)
    full = ENGINE.evaluate(snapshot)
    assert state.overall == full.overall
    assert state.scores() == full.scores()
