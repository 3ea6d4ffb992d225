"""Flow-rule pre-filters (end kinds, trait bits) only save calls: a rule they exclude must answer "not applicable"
itself. (A component rule's ``kinds`` is its applicability, enforced by the evaluator.)"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from assessments.engine.evaluate import builtin_specs
from assessments.engine.graph import (
    CARRIES_CREDENTIALS,
    CARRIES_RESTRICTED,
    CARRIES_SENSITIVE,
    CROSSES_NETWORK,
    SOURCE_EXTERNAL,
    SOURCE_IN_UNTRUSTED_BOUNDARY,
    SOURCE_MESHED,
    TARGET_EXTERNAL,
    TARGET_MESHED,
    ModelContext,
)
from assessments.engine.registry import IMPLEMENTATIONS, rule
from catalog.packs.loader import known_control_ids
from testkit.synthetic import generate_snapshot
from threatmodel.domain import Snapshot
from threatmodel.interchange.native import read_model
from threatmodel.vocabulary import BoundaryKind, MeshMode, TrustLevel

DEMO = Path(__file__).resolve().parents[2] / "threatmodel" / "demo" / "online-shop.yaml"


def _models() -> list[tuple[str, Snapshot]]:
    demo = read_model(DEMO.read_bytes(), DEMO.name, known_controls=known_control_ids())
    out = [("demo", demo)]
    for seed in (1, 2, 3):
        out.append((f"synthetic-{seed}", generate_snapshot(400, 2400, seed=seed)))
    # the same synthetic model with every boundary untrusted, internet or third party, and meshes flipped:
    # exercises the trait bits the generator rarely sets
    base = generate_snapshot(300, 1800, seed=4)
    kinds = (BoundaryKind.INTERNET, BoundaryKind.THIRD_PARTY, BoundaryKind.NAMESPACE)
    boundaries = tuple(
        replace(b, trust_level=TrustLevel.UNTRUSTED, kind=kinds[i % 3]) for i, b in enumerate(base.boundaries)
    )
    modes = (MeshMode.NONE, MeshMode.SIDECAR, MeshMode.AMBIENT)
    components = tuple(replace(c, mesh=modes[i % 3]) for i, c in enumerate(base.components))
    out.append(("hostile-placement", replace(base, boundaries=boundaries, components=components)))
    return out


MODELS = _models()


@pytest.mark.parametrize(("name", "snapshot"), MODELS, ids=[name for name, _ in MODELS])
def test_excluded_rules_are_not_applicable(name: str, snapshot: Snapshot) -> None:
    ctx = ModelContext(snapshot)
    specs = builtin_specs()
    flow_specs = [s for s in specs if s.meta.scope == "flow"]
    excluded_calls = 0
    for flow_id in ctx.flows:
        facts = ctx.facts(flow_id)
        for spec in flow_specs:
            need_all, need_none, need_any = spec.traits
            admitted = (
                (spec.source_kinds is None or facts.source.kind in spec.source_kinds)
                and (spec.target_kinds is None or facts.target.kind in spec.target_kinds)
                and facts.traits & need_all == need_all
                and not facts.traits & need_none
                and (not need_any or facts.traits & need_any)
            )
            if not admitted:
                excluded_calls += 1
                assert spec.check(ctx, facts) is None, (spec.id, flow_id)
    assert excluded_calls > 0


def test_trait_bits_match_the_flow_facts() -> None:
    _name, snapshot = MODELS[-1]
    ctx = ModelContext(snapshot)
    seen = 0
    for flow_id in ctx.flows:
        f = ctx.facts(flow_id)
        expected = (
            (CROSSES_NETWORK if f.crosses_network else 0)
            | (CARRIES_SENSITIVE if f.sensitive else 0)
            | (CARRIES_CREDENTIALS if f.credentials else 0)
            | (CARRIES_RESTRICTED if f.restricted else 0)
            | (SOURCE_EXTERNAL if ctx.is_external(f.source) else 0)
            | (TARGET_EXTERNAL if ctx.is_external(f.target) else 0)
            | (SOURCE_MESHED if f.source.mesh in (MeshMode.SIDECAR, MeshMode.AMBIENT) else 0)
            | (TARGET_MESHED if f.target.mesh in (MeshMode.SIDECAR, MeshMode.AMBIENT) else 0)
            | (SOURCE_IN_UNTRUSTED_BOUNDARY if f.source.boundary is not None and f.source_trust == 0 else 0)
        )
        assert f.traits == expected, flow_id
        seen |= f.traits
    assert seen == 511  # every bit occurs in this model


def test_trait_filters_are_for_flow_rules_only() -> None:
    with pytest.raises(ValueError, match="flow rules only"):
        rule("test.component-with-traits", "component", requires=CROSSES_NETWORK)(lambda ctx, comp: None)
    assert "test.component-with-traits" not in IMPLEMENTATIONS
