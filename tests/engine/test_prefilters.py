"""Flow-rule pre-filters (end kinds, trait bits) only save calls: a rule they exclude must answer "not applicable"
itself, and a rule its protection pre-filters pass without a call must answer "passed" itself. (A component
rule's ``kinds`` is its applicability, enforced by the evaluator.)"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from assessments.engine.evaluate import Evaluator, builtin_specs
from assessments.engine.graph import (
    ModelContext,
)
from assessments.engine.registry import IMPLEMENTATIONS, rule
from assessments.engine.traits import (
    CARRIES_CREDENTIALS,
    CARRIES_RESTRICTED,
    CARRIES_SENSITIVE,
    CROSSES_NETWORK,
    LEGACY_PROTOCOL,
    LOCATION_AUTHZ,
    MTLS_ENCRYPTED,
    NO_AUTH,
    NO_DATA,
    OBSERVED,
    PEER_AUTH,
    PLAINTEXT,
    SOURCE_EXTERNAL,
    SOURCE_IN_UNTRUSTED_BOUNDARY,
    SOURCE_MESHED,
    STATIC_AUTH,
    STRUCTURAL_TRAITS,
    TARGET_EXTERNAL,
    TARGET_MESHED,
    TARGET_PER_REQUEST_AUTHZ,
    TLS_ENCRYPTED,
)
from catalog.packs.loader import known_control_ids
from testkit.synthetic import generate_snapshot
from threatmodel.domain import Snapshot
from threatmodel.interchange.native import read_model
from threatmodel.vocabulary import (
    LEGACY_PROTOCOLS,
    PEER_AUTHENTICATION,
    STATIC_SECRET_AUTHENTICATION,
    Authentication,
    Authorization,
    BoundaryKind,
    Encryption,
    MeshMode,
    Provenance,
    TrustLevel,
)

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
    flows = tuple(replace(f, provenance=Provenance.OBSERVED) if i % 7 == 0 else f for i, f in enumerate(base.flows))
    out.append(("hostile-placement", replace(base, boundaries=boundaries, components=components, flows=flows)))
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
            | (
                TARGET_PER_REQUEST_AUTHZ
                if f.target.authorization in (Authorization.ROLE, Authorization.ATTRIBUTE)
                else 0
            )
        )
        assert f.traits & STRUCTURAL_TRAITS == expected, flow_id
        seen |= f.traits
    assert seen & STRUCTURAL_TRAITS == STRUCTURAL_TRAITS  # every bit occurs in this model


@pytest.mark.parametrize(("name", "snapshot"), MODELS, ids=[name for name, _ in MODELS])
def test_protection_bits_match_the_flow_facts(name: str, snapshot: Snapshot) -> None:
    ctx = ModelContext(snapshot)
    for flow_id in ctx.flows:
        f = ctx.facts(flow_id)
        flow = f.flow
        expected = (
            (PLAINTEXT if f.encryption is Encryption.NONE else 0)
            | (TLS_ENCRYPTED if f.encryption is Encryption.TLS else 0)
            | (MTLS_ENCRYPTED if f.encryption is Encryption.MTLS else 0)
            | (NO_AUTH if flow.authentication in (Authentication.NONE, Authentication.UNSPECIFIED) else 0)
            | (STATIC_AUTH if flow.authentication in STATIC_SECRET_AUTHENTICATION else 0)
            | (PEER_AUTH if flow.authentication in PEER_AUTHENTICATION else 0)
            | (LEGACY_PROTOCOL if flow.protocol.lower() in LEGACY_PROTOCOLS else 0)
            | (OBSERVED if flow.provenance is Provenance.OBSERVED else 0)
            | (NO_DATA if not flow.data_assets else 0)
            | (LOCATION_AUTHZ if f.authorization in (Authorization.NONE, Authorization.NETWORK) else 0)
        )
        assert f.traits & ~STRUCTURAL_TRAITS == expected, flow_id


@pytest.mark.parametrize(("name", "snapshot"), MODELS, ids=[name for name, _ in MODELS])
def test_rules_passed_without_a_call_would_pass(name: str, snapshot: Snapshot) -> None:
    """Every (rule, flow) pair the evaluator passes without a call: the rule answers PASS (not None, not a hit)."""
    ctx = ModelContext(snapshot)
    evaluator = Evaluator(builtin_specs())
    skipped = 0
    for flow_id in ctx.flows:
        facts = ctx.facts(flow_id)
        for check, rule_id, spec in evaluator.flow_rules(facts.source.kind, facts.target.kind, facts.traits):
            if check is None:
                skipped += 1
                assert spec.check(ctx, facts) is False, (rule_id, flow_id)
    assert skipped > 0


def test_every_protection_filter_is_exercised() -> None:
    """Each rule with protection pre-filters is both called and passed without a call somewhere in the models."""
    evaluator = Evaluator(builtin_specs())
    filtered = {s.id for s in evaluator.by_scope["flow"] if s.fire_traits != (0, 0, 0)}
    called: set[str] = set()
    skipped: set[str] = set()
    for _name, snapshot in MODELS:
        ctx = ModelContext(snapshot)
        for flow_id in ctx.flows:
            facts = ctx.facts(flow_id)
            for check, rule_id, _spec in evaluator.flow_rules(facts.source.kind, facts.target.kind, facts.traits):
                (skipped if check is None else called).add(rule_id)
    assert len(filtered) >= 10
    assert filtered <= called
    assert filtered <= skipped


def test_trait_filters_are_for_flow_rules_only() -> None:
    with pytest.raises(ValueError, match="flow rules only"):
        rule("test.component-with-traits", "component", requires=CROSSES_NETWORK)(lambda ctx, comp: None)
    assert "test.component-with-traits" not in IMPLEMENTATIONS
