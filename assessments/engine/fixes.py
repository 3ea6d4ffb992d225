"""The remediation plan's model transformations: one registered *fix* per catalog ``fix.action``.

A fix takes a snapshot and the ids of the elements of one plan group and returns the transformed snapshot (what
the plan measures, and what ``apply_step`` applies). ``all-of:`` actions combine several fixes; ``add-control:``
actions add an implemented control per element.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from assessments.engine.graph import ModelContext
from assessments.engine.results import PlanStep
from assessments.engine.rules.common import MESHED, NO_AUTHENTICATION, OUTSIDE
from assessments.engine.rules.encryption import secret_attributes
from assessments.engine.rules.exposure_paths import weak_flows_into
from assessments.engine.snapshot_delta import index_of_id
from threatmodel.domain import Component, Control, DataFlow, Grant, Identity, Snapshot
from threatmodel.vocabulary import (
    CLASSIFICATION_ORDER,
    Authentication,
    Authorization,
    Encryption,
    GrantAction,
    IdentityKind,
    Logging,
    MeshMode,
    Provenance,
    judged_encryption,
)

Fix = Callable[[Snapshot, tuple[str, ...]], Snapshot]
FIXES: dict[str, Fix] = {}


def fix(name: str) -> Callable[[Fix], Fix]:
    def decorate(func: Fix) -> Fix:
        FIXES[name] = func
        return func

    return decorate


def replace_many(snapshot: Snapshot, collection: str, updates: Mapping[str, Any]) -> Snapshot:
    """Replace several elements of one collection at once (unchanged elements keep their identity)."""
    if not updates:
        return snapshot
    current: tuple[Any, ...] = getattr(snapshot, collection)
    items: tuple[Any, ...] | None = None
    if len(updates) * 8 < len(current):  # few updates: binary search (collections are sorted by id)
        patched = list(current)
        for element_id, element in updates.items():
            position = index_of_id(current, element_id)
            if position >= len(current) or current[position].id != element_id:
                break  # not found (or not sorted): scan instead
            patched[position] = element
        else:
            items = tuple(patched)
    if items is None:
        items = tuple(updates.get(e.id, e) for e in current)
    changes: dict[str, Any] = {collection: items}
    return replace(snapshot, **changes)


def add_elements(snapshot: Snapshot, collection: str, elements: Iterable[Any]) -> Snapshot:
    new = list(elements)
    if not new:
        return snapshot
    existing = {e.id for e in getattr(snapshot, collection)}
    return snapshot.with_elements(
        collection, [*getattr(snapshot, collection), *(e for e in new if e.id not in existing)]
    )


def _internal(comp: Component) -> bool:
    return comp.kind not in OUTSIDE


def _update_flows(snapshot: Snapshot, ids: Iterable[str], change: Callable[[DataFlow, Snapshot], DataFlow]) -> Snapshot:
    flows = snapshot.flow_by_id
    return replace_many(snapshot, "flows", {i: change(flows[i], snapshot) for i in ids if i in flows})


def _update_components(snapshot: Snapshot, ids: Iterable[str], **values: Any) -> Snapshot:
    comps = snapshot.component_by_id
    return replace_many(snapshot, "components", {i: replace(comps[i], **values) for i in ids if i in comps})


def _peer_method(flow: DataFlow, snapshot: Snapshot) -> Authentication:
    src = snapshot.component_by_id[flow.source]
    dst = snapshot.component_by_id[flow.target]
    return Authentication.MTLS if _internal(src) and _internal(dst) else Authentication.OAUTH2


def _encryption_for(flow: DataFlow, snapshot: Snapshot) -> Encryption:
    src = snapshot.component_by_id[flow.source]
    dst = snapshot.component_by_id[flow.target]
    if flow.encryption is Encryption.MTLS or (src.mesh in MESHED and dst.mesh in MESHED):
        return Encryption.MTLS
    return Encryption.TLS


@fix("require-flow-authentication")
def require_flow_authentication(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    return _update_flows(
        snapshot,
        ids,
        lambda f, s: replace(f, authentication=_peer_method(f, s)) if f.authentication in NO_AUTHENTICATION else f,
    )


@fix("enforce-mtls")
def enforce_mtls(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    return _update_flows(
        snapshot, ids, lambda f, s: replace(f, encryption=Encryption.MTLS, authentication=Authentication.MTLS)
    )


@fix("protect-flow")
def protect_flow(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    def change(f: DataFlow, s: Snapshot) -> DataFlow:
        auth = _peer_method(f, s) if f.authentication in NO_AUTHENTICATION else f.authentication
        judged = judged_encryption(f.encryption, f.protocol)
        enc = _encryption_for(f, s) if judged is Encryption.NONE else f.encryption
        return replace(f, authentication=auth, encryption=enc, protocol=_secure_protocol(f.protocol))

    return _update_flows(snapshot, ids, change)


SECURE_PROTOCOLS = {
    "http": "https",
    "ftp": "sftp",
    "telnet": "ssh",
    "rsh": "ssh",
    "rlogin": "ssh",
    "tftp": "sftp",
    "snmpv1": "snmpv3",
    "snmpv2": "snmpv3",
    "smbv1": "smbv3",
    "pop3": "pop3s",
    "imap": "imaps",
    "ws": "wss",
    "ldap": "ldaps",
    "smtp": "smtps",
}


def _secure_protocol(protocol: str) -> str:
    return SECURE_PROTOCOLS.get(protocol.lower(), protocol)


#: The evaluated context of the snapshot the plan is being measured on (``known_context``), so that a fix
#: needing the graph does not rebuild a context of a large model for every candidate.
_KNOWN_CONTEXT: list[ModelContext] = []


@contextmanager
def known_context(ctx: ModelContext) -> Iterator[None]:
    """Within the block, fixes applied to ``ctx.snapshot`` use ``ctx`` instead of building a context."""
    _KNOWN_CONTEXT[:] = [ctx]
    try:
        yield
    finally:
        _KNOWN_CONTEXT.clear()


def _context_of(snapshot: Snapshot) -> ModelContext:
    for ctx in _KNOWN_CONTEXT:
        if ctx.snapshot is snapshot:
            return ctx
    return ModelContext(snapshot)


@fix("protect-path")
def protect_path(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    """Workload (mTLS) or user (OAuth2) identity on every weak flow of the weak routes into the ``ids`` stores."""
    weak = weak_flows_into(_context_of(snapshot), ids)
    return _update_flows(
        snapshot,
        weak,
        lambda f, s: replace(
            f,
            authentication=_peer_method(f, s),
            encryption=Encryption.MTLS if _peer_method(f, s) is Authentication.MTLS else _encryption_for(f, s),
        ),
    )


@fix("authorize-flow")
def authorize_flow(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    return _update_flows(snapshot, ids, lambda f, s: replace(f, authorization=Authorization.ATTRIBUTE))


@fix("encrypt-flow")
def encrypt_flow(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    return _update_flows(
        snapshot, ids, lambda f, s: replace(f, encryption=_encryption_for(f, s), protocol=_secure_protocol(f.protocol))
    )


@fix("replace-legacy-protocol")
def replace_legacy_protocol(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    return _update_flows(
        snapshot,
        ids,
        lambda f, s: replace(
            f,
            protocol=_secure_protocol(f.protocol),
            encryption=f.encryption
            if judged_encryption(f.encryption, f.protocol) is not Encryption.NONE
            else Encryption.TLS,
        ),
    )


@fix("propagate-user-identity")
def propagate_user_identity(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    return _update_flows(snapshot, ids, lambda f, s: replace(f, authentication=Authentication.JWT))


@fix("use-workload-identity")
def use_workload_identity(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    return _update_flows(
        snapshot, ids, lambda f, s: replace(f, authentication=_peer_method(f, s), encryption=_encryption_for(f, s))
    )


@fix("drop-unneeded-data")
def drop_unneeded_data(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    flows = snapshot.flow_by_id
    targets = {flows[i].target for i in ids if i in flows}
    forwarded: dict[str, set[str]] = {t: set() for t in targets}
    for other in snapshot.flows:
        if other.source in forwarded:
            forwarded[other.source].update(other.data_assets)

    def change(f: DataFlow, s: Snapshot) -> DataFlow:
        target = s.component_by_id[f.target]
        used = set(target.data_stored) | set(target.data_processed) | forwarded[f.target]
        keep = tuple(
            a
            for a in f.data_assets
            if a in used
            or a not in s.data_asset_by_id
            or CLASSIFICATION_ORDER[s.data_asset_by_id[a].classification] < 2
        )
        return replace(f, data_assets=keep)

    return _update_flows(snapshot, ids, change)


@fix("declare-flow")
def declare_flow(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    return _update_flows(snapshot, ids, lambda f, s: replace(f, provenance=Provenance.DECLARED))


@fix("enforce-authorization")
def enforce_authorization(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    return _update_components(snapshot, ids, authorization=Authorization.ATTRIBUTE)


@fix("require-strong-authentication")
def require_strong_authentication(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    return _update_components(snapshot, ids, authentication=Authentication.OAUTH2)


@fix("require-component-authentication")
def require_component_authentication(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    return _update_components(snapshot, ids, authentication=Authentication.MTLS)


@fix("join-mesh")
def join_mesh(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    comps = snapshot.component_by_id
    return replace_many(
        snapshot,
        "components",
        {
            i: replace(
                comps[i],
                mesh=MeshMode.SIDECAR,
                authentication=comps[i].authentication
                if comps[i].authentication not in NO_AUTHENTICATION
                else Authentication.MTLS,
            )
            for i in ids
            if i in comps
        },
    )


@fix("encrypt-at-rest")
def encrypt_at_rest(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    return _update_components(snapshot, ids, encryption_at_rest=True)


@fix("enable-audit-logging")
def enable_audit_logging(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    return _update_components(snapshot, ids, logging=Logging.AUDIT)


@fix("enable-logging")
def enable_logging(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    return _update_components(snapshot, ids, logging=Logging.BASIC)


@fix("make-private")
def make_private(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    return _update_components(snapshot, ids, internet_facing=False)


@fix("reference-secret-store")
def reference_secret_store(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    comps = snapshot.component_by_id
    updates = {}
    for i in ids:
        if i in comps:
            comp = comps[i]
            attrs = dict(comp.attributes)
            for key in secret_attributes(comp):
                attrs[key] = f"vault:secret/{comp.id}/{key}"
            updates[i] = replace(comp, attributes=attrs)
    return replace_many(snapshot, "components", updates)


@fix("move-credentials-to-secret-store")
def move_credentials_to_secret_store(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    assets = snapshot.data_asset_by_id
    comps = snapshot.component_by_id
    moved: list[str] = []
    updates: dict[str, Component] = {}
    for i in ids:
        if i in comps:
            comp = comps[i]
            creds = [a for a in comp.data_stored if a in assets and assets[a].credentials]
            moved.extend(creds)
            updates[i] = replace(comp, data_stored=tuple(a for a in comp.data_stored if a not in creds))
    vaults = [c for c in snapshot.components if c.kind.value == "secret-store" and c.id not in updates]
    if vaults and moved:
        vault = vaults[0]
        updates[vault.id] = replace(vault, data_stored=tuple(dict.fromkeys((*vault.data_stored, *sorted(moved)))))
    return replace_many(snapshot, "components", updates)


@fix("remove-grant")
def remove_grant(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    drop = set(ids)
    return replace(snapshot, grants=tuple(g for g in snapshot.grants if g.id not in drop))


def _identity_targets(snapshot: Snapshot, identity: str) -> list[str]:
    comps = {c.id for c in snapshot.components if c.identity == identity}
    return sorted({f.target for f in snapshot.flows if f.source in comps})


@fix("narrow-grant")
def narrow_grant(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    grants = {g.id: g for g in snapshot.grants}
    updates: dict[str, Grant] = {}
    added: list[Grant] = []
    unused: set[str] = set()
    for gid in ids:
        grant = grants.get(gid)
        if grant is None:
            continue
        target = snapshot.component_by_id.get(grant.target)
        if grant.target == "*":
            targets = _identity_targets(snapshot, grant.identity)
            if not targets:  # the identity uses nothing: the wildcard grant goes
                unused.add(gid)
                continue
            updates[gid] = replace(grant, target=targets[0], actions=(GrantAction.READ,))
            added.extend(replace(grant, id=f"{gid}-{t}", target=t, actions=(GrantAction.READ,)) for t in targets[1:])
            continue
        actions = (GrantAction.READ,)
        scope = grant.scope
        if target is not None and target.kind.value == "secret-store":
            scope = scope or f"secret/{grant.identity}/*"
        updates[gid] = replace(grant, actions=actions, scope=scope)
    snapshot = replace_many(snapshot, "grants", updates)
    if unused:
        snapshot = replace(snapshot, grants=tuple(g for g in snapshot.grants if g.id not in unused))
    return add_elements(snapshot, "grants", added)


@fix("enable-mfa")
def enable_mfa(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    idents = snapshot.identity_by_id
    return replace_many(snapshot, "identities", {i: replace(idents[i], mfa=True) for i in ids if i in idents})


@fix("assign-identity")
def assign_identity(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    comps = snapshot.component_by_id
    existing = set(snapshot.element_by_id)
    new_identities: list[Identity] = []
    updates: dict[str, Component] = {}
    for i in ids:
        if i not in comps:
            continue
        ident_id = f"sa-{i}"
        if ident_id in existing:
            continue
        new_identities.append(Identity(ident_id, f"{comps[i].name} service account", IdentityKind.WORKLOAD))
        updates[i] = replace(comps[i], identity=ident_id)
    snapshot = add_elements(snapshot, "identities", new_identities)
    return replace_many(snapshot, "components", updates)


@fix("split-identity")
def split_identity(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
    existing = set(snapshot.element_by_id)
    new_identities: list[Identity] = []
    new_grants: list[Grant] = []
    updates: dict[str, Component] = {}
    for ident_id in ids:
        ident = snapshot.identity_by_id.get(ident_id)
        if ident is None:
            continue
        users = sorted(c.id for c in snapshot.components if c.identity == ident_id)
        grants = [g for g in snapshot.grants if g.identity == ident_id and g.target != "*"]
        for comp_id in users[1:]:
            new_id = f"{ident_id}-{comp_id}"
            if new_id in existing:
                continue
            new_identities.append(replace(ident, id=new_id, name=f"{ident.name} ({comp_id})"))
            updates[comp_id] = replace(snapshot.component_by_id[comp_id], identity=new_id)
            used = {f.target for f in snapshot.flows if f.source == comp_id}
            new_grants.extend(replace(g, id=f"{g.id}-{comp_id}", identity=new_id) for g in grants if g.target in used)
    snapshot = add_elements(snapshot, "identities", new_identities)
    snapshot = replace_many(snapshot, "components", updates)
    return add_elements(snapshot, "grants", new_grants)


def _add_control(control_id: str) -> Fix:
    def apply(snapshot: Snapshot, ids: tuple[str, ...]) -> Snapshot:
        return add_elements(
            snapshot,
            "controls",
            [Control(f"plan-{control_id}-{i}", control_id, i) for i in ids if i in snapshot.element_by_id],
        )

    return apply


#: Action of a combined step: ``all-of:<action>@<id>,<id>;<action>@<id>...`` (ids never contain ``@ ; ,``).
ALL_OF = "all-of:"


def all_of_action(parts: list[tuple[str, tuple[str, ...]]]) -> str:
    return ALL_OF + ";".join(f"{action}@{','.join(ids)}" for action, ids in parts)


def _apply_all_of(action: str) -> Fix | None:
    parts: list[tuple[Fix, tuple[str, ...]]] = []
    for item in action[len(ALL_OF) :].split(";"):
        name, _, ids = item.rpartition("@")
        transform = resolve_fix(name)
        if transform is None or name.startswith(ALL_OF):
            return None
        parts.append((transform, tuple(ids.split(",")) if ids else ()))

    def apply(snapshot: Snapshot, _ids: tuple[str, ...]) -> Snapshot:
        for transform, own in parts:
            snapshot = transform(snapshot, own)
        return snapshot

    return apply


def resolve_fix(action: str) -> Fix | None:
    if action.startswith(ALL_OF):
        return _apply_all_of(action)
    if action.startswith("add-control:"):
        return _add_control(action.split(":", 1)[1])
    return FIXES.get(action)


def apply_step(snapshot: Snapshot, step: PlanStep) -> Snapshot:
    """Apply a plan step's model transformation (what the step measured)."""
    transform = resolve_fix(step.action)
    if transform is None:
        raise KeyError(f"unknown fix action {step.action!r}")
    return transform(snapshot, step.elements)


__all__ = ["ALL_OF", "FIXES", "Fix", "all_of_action", "apply_step", "known_context", "resolve_fix"]
