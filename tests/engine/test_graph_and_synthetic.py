"""Graph construction, boundary crossing, attack paths on a small model, and the synthetic generator."""

from __future__ import annotations

from collections import Counter

from assessments.engine.graph import ModelContext, build_graph
from assessments.engine.hops import hop_cost
from assessments.engine.paths import attack_paths, blast_radius
from testkit.synthetic import generate_snapshot
from tests.engine.builders import K, ext, fl, model, store, svc
from threatmodel.vocabulary import Authentication, BoundaryKind, Classification, ComponentKind, Encryption


def test_boundary_crossing_and_trust_drop() -> None:
    snapshot = model(
        svc("a"),
        svc("b"),
        svc("c", boundary="ns-b"),
        store("s"),
        ext("p"),
        fl("ab", "a", "b"),
        fl("ac", "a", "c"),
        fl("as", "a", "s"),
        fl("cp", "c", "p"),
    )
    ctx = ModelContext(snapshot)
    assert not ctx.facts("ab").crosses
    assert ctx.facts("ac").crosses and ctx.facts("ac").crosses_network
    assert ctx.facts("as").crosses_network
    assert ctx.facts("cp").trust_drop == 2  # high -> low
    graph = build_graph(ctx)
    assert set(graph.nodes) == {"a", "b", "c", "s", "p"}
    assert graph.edges["a", "c"]["flows"] == ["ac"] and graph.edges["a", "c"]["crosses"]


def test_hop_cost_is_lower_when_unprotected() -> None:
    strong = fl("x", "a", "b")
    weak = fl("y", "a", "b", authentication=Authentication.NONE, encryption=Encryption.NONE)
    assert hop_cost(weak) < hop_cost(strong)


def test_attack_path_prefers_the_weak_route() -> None:
    snapshot = model(
        ext("u", K.HUMAN_USER, boundary="internet"),
        svc("w", K.WEB_FRONTEND, boundary="dmz", internet_facing=True),
        svc("a"),
        svc("b"),
        store("s"),
        fl("uw", "u", "w"),
        fl("wa", "w", "a"),
        fl("wb", "w", "b", authentication=Authentication.NONE, encryption=Encryption.NONE),
        fl("as", "a", "s"),
        fl("bs", "b", "s"),
    )
    paths = [p for p in attack_paths(ModelContext(snapshot), {}) if p.entry == "w"]
    assert paths and paths[0].hops == ("w", "b", "s") and paths[0].flows == ("wb", "bs")
    radius = {r.component: r for r in blast_radius(ModelContext(snapshot))}
    assert radius["w"].components == ("s",) and radius["w"].data_assets == ("conf",)
    assert radius["s"].reachable == 0 and radius["u"].reachable == 4


def test_synthetic_snapshot_is_deterministic_and_varied() -> None:
    one = generate_snapshot(300, 1200, seed=11)
    assert one == generate_snapshot(300, 1200, seed=11)
    assert one != generate_snapshot(300, 1200, seed=12)
    assert len(one.components) == 300 and len(one.flows) == 1200
    assert {c.kind for c in one.components} == set(ComponentKind)
    assert {d.classification for d in one.data_assets} == set(Classification)
    kinds = Counter(b.kind for b in one.boundaries)
    assert kinds[BoundaryKind.NAMESPACE] >= 3 and kinds[BoundaryKind.INTERNET] == 1
    assert one.identities and one.grants and one.controls
    ids = [
        e.id
        for name in ("data_assets", "boundaries", "identities", "components", "flows", "grants", "controls")
        for e in getattr(one, name)
    ]
    assert len(ids) == len(set(ids))


def test_kind_prefilters_agree_with_the_rules() -> None:
    """The registry's kind pre-filters only skip calls that would have returned "not applicable"."""
    from assessments.engine.rules import load_builtin_rules

    snapshot = generate_snapshot(300, 1500, seed=5)
    ctx = ModelContext(snapshot)
    for impl in load_builtin_rules().values():
        if impl.scope == "flow" and (impl.source_kinds or impl.target_kinds):
            for flow in snapshot.flows:
                facts = ctx.facts(flow.id)
                outside = (impl.source_kinds is not None and facts.source.kind not in impl.source_kinds) or (
                    impl.target_kinds is not None and facts.target.kind not in impl.target_kinds
                )
                if outside:
                    assert impl.check(ctx, facts) is None, impl.id


def test_adjacency_and_components_agree_with_networkx() -> None:
    import networkx as nx

    from assessments.engine.paths import strongly_connected_components

    snapshot = generate_snapshot(400, 1600, seed=9)
    ctx = ModelContext(snapshot)
    graph = build_graph(ctx)
    assert {(a, b) for a, succ in ctx.adjacency.items() for b in succ} == set(graph.edges)
    for a, b in graph.edges:
        assert ctx.adjacency[a][b][0] == graph.edges[a, b]["cost"]
        assert sorted(ctx.adjacency[a][b][1]) == sorted(graph.edges[a, b]["flows"])
    ours = {frozenset(c) for c in strongly_connected_components(ctx.adjacency)}
    assert ours == {frozenset(c) for c in nx.strongly_connected_components(graph)}
