"""Hypothesis properties: monotone score, monotone attack paths, determinism, incremental == full."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.engine import Engine, assess, result_to_json
from assessments.engine.paths import attack_paths
from testkit.synthetic import generate_snapshot
from threatmodel.domain import Control, DataFlow, Grant, Snapshot
from threatmodel.vocabulary import (
    Authentication,
    Authorization,
    Encryption,
    GrantAction,
    Logging,
    MeshMode,
    Provenance,
)

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ENGINE = Engine(plan=False)
seeds = st.integers(min_value=1, max_value=6)


@lru_cache(maxsize=16)
def small(seed: int) -> Snapshot:
    return generate_snapshot(40, 140, seed=seed)


@lru_cache(maxsize=16)
def base_score(seed: int) -> float:
    return ENGINE.evaluate(small(seed)).overall


@SETTINGS
@given(
    seed=seeds,
    index=st.integers(min_value=0, max_value=10_000),
    method=st.sampled_from([m for m in Authentication if m is not Authentication.NONE]),
)
def test_adding_authentication_never_lowers_the_score(seed: int, index: int, method: Authentication) -> None:
    snapshot = small(seed)
    candidates = [f for f in snapshot.flows if f.authentication is Authentication.NONE]
    flow = candidates[index % len(candidates)]
    after = ENGINE.evaluate(snapshot.replace_element(replace(flow, authentication=method))).overall
    assert after >= base_score(seed)


@SETTINGS
@given(seed=seeds, index=st.integers(min_value=0, max_value=10_000), mtls=st.booleans())
def test_adding_encryption_never_lowers_the_score(seed: int, index: int, mtls: bool) -> None:
    snapshot = small(seed)
    candidates = [f for f in snapshot.flows if f.encryption is not Encryption.MTLS]
    flow = candidates[index % len(candidates)]
    stronger = Encryption.MTLS if mtls or flow.encryption is Encryption.TLS else Encryption.TLS
    after = ENGINE.evaluate(snapshot.replace_element(replace(flow, encryption=stronger))).overall
    assert after >= base_score(seed)


@SETTINGS
@given(seed=seeds, index=st.integers(min_value=0, max_value=10_000))
def test_removing_a_flow_never_adds_an_attack_path(seed: int, index: int) -> None:
    snapshot = small(seed)
    flow = snapshot.flows[index % len(snapshot.flows)]
    before = ENGINE.evaluate(snapshot)
    after = ENGINE.evaluate(snapshot.without_elements([flow.id]))
    paths_before = attack_paths(before.evaluation.ctx, {})
    paths_after = attack_paths(after.evaluation.ctx, {})
    assert len(paths_after) <= len(paths_before)
    per_target_before = Counter(p.target for p in paths_before)
    per_target_after = Counter(p.target for p in paths_after)
    assert all(n <= per_target_before[t] for t, n in per_target_after.items())
    cost_before = {p.target: min(q.cost for q in paths_before if q.target == p.target) for p in paths_before}
    for path in paths_after:
        assert path.cost >= cost_before[path.target]


def test_same_input_same_bytes() -> None:
    snapshot = generate_snapshot(50, 180, seed=3)
    shuffled = Snapshot.build(
        snapshot.info,
        revision=snapshot.revision,
        **{
            name: list(reversed(getattr(snapshot, name)))
            for name in ("data_assets", "boundaries", "identities", "components", "flows", "grants", "controls")
        },
    )
    assert result_to_json(assess(snapshot)) == result_to_json(assess(shuffled))


# -- incremental == full ----------------------------------------------------------------------------


def _edit(snapshot: Snapshot, kind: int, index: int, choice: int) -> Snapshot:
    """Edit number ``kind`` (0..13) of an element picked by ``index``, with a value picked by ``choice``."""
    if kind in (0, 1, 2, 7, 8):
        return _edit_flow(snapshot, kind, index, choice)
    if kind in (9, 10, 11, 12):
        return _edit_access(snapshot, kind, index, choice)
    return _edit_component(snapshot, kind, index, choice)


def _edit_flow(snapshot: Snapshot, kind: int, index: int, choice: int) -> Snapshot:
    comps = snapshot.components
    flows = snapshot.flows
    comp = comps[index % len(comps)]
    flow = flows[index % len(flows)]
    if kind == 0:
        method = list(Authentication)[choice % len(Authentication)]
        return snapshot.replace_element(replace(flow, authentication=method))
    if kind == 1:
        return snapshot.replace_element(
            replace(flow, encryption=list(Encryption)[choice % 3], protocol=("ftp", "https", "grpc")[choice % 3])
        )
    if kind == 2:
        assets = snapshot.data_assets
        return snapshot.replace_element(
            replace(flow, data_assets=(assets[choice % len(assets)].id,), provenance=list(Provenance)[choice % 2])
        )
    if kind == 7:
        return snapshot.without_elements([flow.id])
    other = comps[(index + choice + 1) % len(comps)]
    if other.id == comp.id or f"new-{index}-{choice}" in snapshot.flow_by_id:
        return snapshot
    new = DataFlow(
        f"new-{index}-{choice}",
        comp.id,
        other.id,
        authentication=Authentication.NONE,
        encryption=Encryption.NONE,
        data_assets=(snapshot.data_assets[choice % 7].id,),
    )
    return snapshot.with_elements("flows", [*flows, new])


def _edit_component(snapshot: Snapshot, kind: int, index: int, choice: int) -> Snapshot:
    comps = snapshot.components
    comp = comps[index % len(comps)]
    if kind == 3:
        return snapshot.replace_element(
            replace(comp, logging=list(Logging)[choice % 3], authorization=list(Authorization)[choice % 4])
        )
    if kind == 4:
        return snapshot.replace_element(
            replace(comp, mesh=list(MeshMode)[choice % 3], internet_facing=bool(choice % 2))
        )
    if kind == 5:
        boundaries = snapshot.boundaries
        return snapshot.replace_element(replace(comp, boundary=boundaries[choice % len(boundaries)].id))
    if kind == 6:
        identities = snapshot.identities
        return snapshot.replace_element(replace(comp, identity=identities[choice % len(identities)].id))
    return snapshot.replace_element(
        replace(comp, data_stored=(snapshot.data_assets[choice % 9].id,), kind=comps[choice % len(comps)].kind)
    )


def _edit_access(snapshot: Snapshot, kind: int, index: int, choice: int) -> Snapshot:
    comp = snapshot.components[index % len(snapshot.components)]
    flow = snapshot.flows[index % len(snapshot.flows)]
    if kind == 9:
        grants = snapshot.grants
        return snapshot.without_elements([grants[choice % len(grants)].id])
    if kind == 10:
        ident = snapshot.identities[choice % len(snapshot.identities)]
        target = "*" if choice % 5 == 0 else comp.id
        if any(g.id == f"g-new-{index}-{choice}" for g in snapshot.grants):
            return snapshot
        grant = Grant(f"g-new-{index}-{choice}", ident.id, target, (GrantAction.ADMIN,))
        return snapshot.with_elements("grants", [*snapshot.grants, grant])
    if kind == 11:
        control = ("rate-limit", "waf", "backup", "egress-filtering", "audit-log")[choice % 5]
        target = comp.id if choice % 2 else flow.id
        if any(c.id == f"c-new-{index}-{choice}" for c in snapshot.controls):
            return snapshot
        return snapshot.with_elements(
            "controls", [*snapshot.controls, Control(f"c-new-{index}-{choice}", control, target)]
        )
    ident = snapshot.identities[choice % len(snapshot.identities)]
    return snapshot.replace_element(replace(ident, mfa=not ident.mfa))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=seeds,
    edits=st.lists(st.tuples(st.integers(0, 13), st.integers(0, 10_000), st.integers(0, 100)), min_size=1, max_size=4),
)
def test_incremental_equals_full(seed: int, edits: list[tuple[int, int, int]]) -> None:
    snapshot = small(seed)
    state = ENGINE.evaluate(snapshot)
    for kind, index, choice in edits:
        snapshot = _edit(snapshot, kind, index, choice)
        state = ENGINE.reassess(state, snapshot)
    full = ENGINE.evaluate(snapshot)
    assert state.findings == full.findings
    assert state.evaluation.totals == full.evaluation.totals
    assert state.scores() == full.scores()
