"""Least-privilege rules (``lp.*``): identities hold only the access their flows need."""

from __future__ import annotations

from typing import cast

from assessments.engine.graph import ModelContext
from assessments.engine.registry import PASS, CheckResult, Hit, ev, rule
from assessments.engine.rules.common import APP_KINDS, READ_VERBS, STORES, K
from threatmodel.domain import Component, DataFlow, Grant, Identity
from threatmodel.vocabulary import GrantAction, IdentityKind

BROAD_ACTIONS = frozenset({GrantAction.WRITE, GrantAction.ADMIN, GrantAction.ANY})
#: Default of the ``max_identities`` parameter of lp.datastore-too-many-identities.
MAX_IDENTITIES_PER_STORE = 4


def _is_human(ctx: ModelContext, identity_id: str) -> bool:
    ident = ctx.identities.get(identity_id)
    return ident is not None and ident.kind is IdentityKind.HUMAN_ROLE


def _flows_to(ctx: ModelContext, identity_id: str, target: str) -> list[DataFlow]:
    """Flows from the components running as ``identity_id`` to ``target`` (either way for bidirectional)."""
    key = ("flows_by_peer", identity_id)
    by_peer = ctx.memo.get(key)
    if by_peer is None:  # one pass over the identity's flows, indexed by the other end (same order per peer)
        index: dict[str, list[DataFlow]] = {}
        flows = ctx.flows
        for comp_id in ctx.by_identity.get(identity_id, ()):
            for fid in ctx.out_flows.get(comp_id, ()):
                flow = flows[fid]
                index.setdefault(flow.target, []).append(flow)
            for fid in ctx.in_flows.get(comp_id, ()):
                flow = flows[fid]
                if flow.bidirectional:
                    index.setdefault(flow.source, []).append(flow)
        by_peer = ctx.memo[key] = index
    return cast(dict[str, list[DataFlow]], by_peer).get(target, [])


def _uses_asset(ctx: ModelContext, identity_id: str, asset_id: str) -> bool:
    for comp_id in ctx.by_identity.get(identity_id, ()):
        comp = ctx.components[comp_id]
        if asset_id in comp.data_stored or asset_id in comp.data_processed:
            return True
        for fid in ctx.out_flows.get(comp_id, ()):
            if asset_id in ctx.flows[fid].data_assets:
                return True
    return False


def is_read_only(flow: DataFlow) -> bool:
    """A flow that only reads: ``attributes.readonly`` / ``access: read``, or a name starting with a read verb."""
    if flow.attributes.get("readonly") is True or flow.attributes.get("access") == "read":
        return True
    words = flow.name.strip().lower().split()
    return bool(words) and words[0] in READ_VERBS


@rule("lp.grant-unused", "grant")
def grant_unused(ctx: ModelContext, grant: Grant) -> CheckResult:
    if grant.target == "*" or _is_human(ctx, grant.identity):
        return None
    if grant.target in ctx.components:
        used = bool(_flows_to(ctx, grant.identity, grant.target))
    else:
        used = _uses_asset(ctx, grant.identity, grant.target)
    if used:
        return PASS
    return Hit(
        (grant.identity, grant.target),
        ev(
            identity=grant.identity,
            target=grant.target,
            actions=tuple(a.value for a in grant.actions),
            components=tuple(ctx.by_identity.get(grant.identity, ())),
            flows_to_target=0,
        ),
        data_rank=_target_rank(ctx, grant),
    )


def _target_rank(ctx: ModelContext, grant: Grant) -> int:
    comp = ctx.components.get(grant.target)
    if comp is not None:
        return ctx.component_rank(comp)
    return ctx.rank_of((grant.target,))


@rule("lp.wildcard-grant", "grant")
def wildcard_grant(ctx: ModelContext, grant: Grant) -> CheckResult:
    wildcard_target = grant.target == "*"
    wildcard_action = GrantAction.ANY in grant.actions
    if not wildcard_target and not wildcard_action:
        return PASS
    return Hit(
        (grant.identity,) + (() if wildcard_target else (grant.target,)),
        ev(
            identity=grant.identity,
            target=grant.target,
            actions=tuple(a.value for a in grant.actions),
            scope=grant.scope,
        ),
        data_rank=2 if wildcard_target else _target_rank(ctx, grant),
    )


@rule("lp.shared-identity", "identity")
def shared_identity(ctx: ModelContext, ident: Identity) -> CheckResult:
    if ident.kind is IdentityKind.HUMAN_ROLE:
        return None
    users = ctx.by_identity.get(ident.id, [])
    if not users:
        return None
    if len(users) == 1:
        return PASS
    return Hit(
        (),
        ev(components=tuple(users), count=len(users)),
        data_rank=max(ctx.component_rank(ctx.components[c]) for c in users),
        related=tuple(users),
    )


@rule("lp.write-where-flows-read", "grant")
def write_where_flows_read(ctx: ModelContext, grant: Grant) -> CheckResult:
    if grant.target not in ctx.components or _is_human(ctx, grant.identity):
        return None
    broad = sorted(a.value for a in grant.actions if a in BROAD_ACTIONS)
    if not broad:
        return None
    flows = _flows_to(ctx, grant.identity, grant.target)
    if not flows:
        return None
    if not all(is_read_only(f) for f in flows):
        return PASS
    return Hit(
        (grant.identity, grant.target),
        ev(
            actions=tuple(a.value for a in grant.actions),
            broad_actions=tuple(broad),
            read_only_flows=tuple(f.id for f in flows),
        ),
        data_rank=_target_rank(ctx, grant),
    )


def _wildcard_identities(ctx: ModelContext) -> frozenset[str]:
    """Identities of the ``*`` grants (they reach every component), once per context."""
    key = ("wildcard_identities",)
    cached = ctx.memo.get(key)
    if cached is None:
        cached = ctx.memo[key] = frozenset(g.identity for g in ctx.grants_by_target.get("*", ()))
    return cast(frozenset[str], cached)


@rule("lp.datastore-too-many-identities", "component", kinds=(K.DATASTORE, K.CACHE, K.QUEUE, K.SECRET_STORE))
def datastore_too_many_identities(ctx: ModelContext, comp: Component) -> CheckResult:
    identities = {g.identity for g in ctx.grants_by_target.get(comp.id, ())}
    identities.update(_wildcard_identities(ctx))
    components, flows = ctx.components, ctx.flows
    identities.update(
        [
            caller.identity
            for fid in ctx.in_flows.get(comp.id, ())
            if (caller := components[flows[fid].source]).identity is not None
        ]
    )
    if not identities:
        return None
    if len(identities) <= MAX_IDENTITIES_PER_STORE:
        return PASS
    return Hit(
        (),
        ev(identities=tuple(sorted(identities)), count=len(identities), limit=MAX_IDENTITIES_PER_STORE),
        data_rank=ctx.component_rank(comp),
    )


@rule("lp.secret-store-overreach", "grant")
def secret_store_overreach(ctx: ModelContext, grant: Grant) -> CheckResult:
    target = ctx.components.get(grant.target)
    if target is None or target.kind is not K.SECRET_STORE:
        return None
    broad = sorted(a.value for a in grant.actions if a in BROAD_ACTIONS)
    if not broad and grant.scope:
        return PASS
    return Hit(
        (grant.identity, grant.target),
        ev(actions=tuple(a.value for a in grant.actions), scope=grant.scope or "(whole store)"),
        data_rank=ctx.component_rank(target),
    )


@rule("lp.human-admin-without-mfa", "identity")
def human_admin_without_mfa(ctx: ModelContext, ident: Identity) -> CheckResult:
    if ident.kind is not IdentityKind.HUMAN_ROLE:
        return None
    privileged = sorted(
        g.id for g in ctx.grants_by_identity.get(ident.id, ()) if any(a in BROAD_ACTIONS for a in g.actions)
    )
    if not privileged:
        return None
    if ident.mfa:
        return PASS
    return Hit((), ev(mfa=False, privileged_grants=tuple(privileged)), data_rank=2, exposed=True)


@rule("lp.workload-without-identity", "component", kinds=tuple(APP_KINDS))
def workload_without_identity(ctx: ModelContext, comp: Component) -> CheckResult:
    if comp.identity is not None:
        return PASS
    return Hit((), ev(identity=None, kind=comp.kind.value), data_rank=ctx.component_rank(comp))


@rule("lp.human-direct-datastore-access", "grant")
def human_direct_datastore_access(ctx: ModelContext, grant: Grant) -> CheckResult:
    target = ctx.components.get(grant.target)
    if target is None or target.kind not in STORES or not _is_human(ctx, grant.identity):
        return None
    broad = sorted(a.value for a in grant.actions if a in BROAD_ACTIONS)
    if not broad:
        return PASS
    return Hit(
        (grant.identity, grant.target),
        ev(actions=tuple(a.value for a in grant.actions), target=target.id),
        data_rank=ctx.component_rank(target),
    )


@rule("lp.orphan-identity", "identity")
def orphan_identity(ctx: ModelContext, ident: Identity) -> CheckResult:
    if ident.kind is IdentityKind.HUMAN_ROLE or not ctx.grants_by_identity.get(ident.id):
        return None
    if ctx.by_identity.get(ident.id):
        return PASS
    grants = tuple(sorted(g.id for g in ctx.grants_by_identity[ident.id]))
    return Hit((), ev(grants=grants, components=()))
