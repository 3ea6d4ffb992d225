"""One positive and one negative case per built-in rule (each rule run alone, so nothing is superseded)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from assessments.engine import Engine
from catalog.packs.loader import load_rule_catalog
from tests.engine.builders import K, ext, fl, model, store, svc
from threatmodel.domain import Control, Grant, Identity, Snapshot
from threatmodel.vocabulary import (
    Authentication,
    Authorization,
    ControlStatus,
    Encryption,
    GrantAction,
    IdentityKind,
    Logging,
    MeshMode,
    Provenance,
)

A = Authentication
E = Encryption
G = GrantAction
HUMAN = IdentityKind.HUMAN_ROLE


@dataclass(frozen=True)
class Case:
    rule: str
    element: str
    positive: Callable[[], Snapshot]
    negative: Callable[[], Snapshot]


def two(**flow: object) -> Snapshot:
    return model(svc("a"), svc("b"), fl("f", "a", "b", **flow))


def to_store(store_kw: dict[str, object] | None = None, **flow: object) -> Snapshot:
    return model(svc("a"), store("s", **(store_kw or {})), fl("f", "a", "s", **flow))


def many_callers(n: int) -> Snapshot:
    items: list[object] = [store("s")]
    for i in range(n):
        items += [svc(f"c{i}"), fl(f"f{i}", f"c{i}", "s")]
    return model(*items)


def idp_or_vault(kind: K, alone: bool) -> Snapshot:
    comp = store("x", kind=kind, boundary="ns-b", data_stored=("cred",))
    return (
        model(comp, svc("a"), fl("f", "a", "x")) if alone else model(comp, svc("a", boundary="ns-b"), fl("f", "a", "x"))
    )


CASES = [
    Case("zt.flow-unauthenticated", "f", lambda: two(authentication=A.NONE), lambda: two()),
    Case(
        "zt.service-without-peer-auth",
        "f",
        lambda: two(encryption=E.TLS, authentication=A.JWT),
        lambda: two(encryption=E.MTLS, authentication=A.JWT),
    ),
    Case(
        "zt.network-location-trust",
        "b",
        lambda: model(svc("a"), svc("b", authorization=Authorization.NETWORK), fl("f", "a", "b")),
        lambda: model(svc("a"), svc("b", authorization=Authorization.ROLE), fl("f", "a", "b")),
    ),
    Case(
        "zt.boundary-crossing-unprotected", "f", lambda: to_store(encryption=E.NONE), lambda: to_store(encryption=E.TLS)
    ),
    Case(
        "zt.internet-facing-without-gateway",
        "w",
        lambda: model(svc("w", K.WEB_FRONTEND, boundary="dmz", internet_facing=True, authentication=A.PASSWORD)),
        lambda: model(svc("w", K.WEB_FRONTEND, boundary="dmz", internet_facing=True, authentication=A.OAUTH2)),
    ),
    Case(
        "zt.no-rate-limit-at-entry",
        "w",
        lambda: model(svc("w", K.WEB_FRONTEND, boundary="dmz", internet_facing=True)),
        lambda: model(svc("w", K.WEB_FRONTEND, boundary="dmz")),
    ),
    Case(
        "zt.identity-not-propagated",
        "f",
        lambda: model(
            svc("w", K.WEB_FRONTEND),
            svc("b", authorization=Authorization.ROLE, data_processed=("conf",)),
            fl("f", "w", "b", authentication=A.MTLS),
        ),
        lambda: model(
            svc("w", K.WEB_FRONTEND),
            svc("b", authorization=Authorization.ROLE, data_processed=("conf",)),
            fl("f", "w", "b", authentication=A.JWT),
        ),
    ),
    Case(
        "zt.workload-outside-mesh",
        "a",
        lambda: model(svc("a", mesh=MeshMode.NONE), svc("b"), fl("f", "a", "b")),
        lambda: model(svc("a"), svc("b"), fl("f", "a", "b")),
    ),
    Case(
        "zt.component-unauthenticated",
        "b",
        lambda: model(svc("a"), svc("b", authentication=A.NONE), fl("f", "a", "b")),
        lambda: model(svc("a"), svc("b"), fl("f", "a", "b")),
    ),
    Case("zt.static-credential-auth", "f", lambda: two(authentication=A.API_KEY), lambda: two()),
    Case(
        "zt.flow-authorized-by-location",
        "f",
        lambda: two(authorization=Authorization.NETWORK, data_assets=("conf",)),
        lambda: two(data_assets=("conf",)),
    ),
    Case(
        "lp.grant-unused",
        "g",
        lambda: model(svc("a"), store("s"), Grant("g", "sa-a", "s")),
        lambda: model(svc("a"), store("s"), fl("f", "a", "s"), Grant("g", "sa-a", "s")),
    ),
    Case(
        "lp.wildcard-grant",
        "g",
        lambda: model(svc("a"), store("s"), Grant("g", "sa-a", "*")),
        lambda: model(svc("a"), store("s"), Grant("g", "sa-a", "s")),
    ),
    Case(
        "lp.shared-identity",
        "sa-x",
        lambda: model(svc("a", identity="sa-x"), svc("b", identity="sa-x")),
        lambda: model(svc("a", identity="sa-x"), svc("b")),
    ),
    Case(
        "lp.write-where-flows-read",
        "g",
        lambda: model(
            svc("a"), store("s"), fl("f", "a", "s", name="Read orders"), Grant("g", "sa-a", "s", (G.READ, G.WRITE))
        ),
        lambda: model(
            svc("a"), store("s"), fl("f", "a", "s", name="Store orders"), Grant("g", "sa-a", "s", (G.READ, G.WRITE))
        ),
    ),
    Case("lp.datastore-too-many-identities", "s", lambda: many_callers(5), lambda: many_callers(2)),
    Case(
        "lp.secret-store-overreach",
        "g",
        lambda: model(svc("a"), store("v", K.SECRET_STORE), fl("f", "a", "v"), Grant("g", "sa-a", "v", (G.ADMIN,))),
        lambda: model(
            svc("a"),
            store("v", K.SECRET_STORE),
            fl("f", "a", "v"),
            Grant("g", "sa-a", "v", (G.READ,), scope="secret/a/*"),
        ),
    ),
    Case(
        "lp.human-admin-without-mfa",
        "admin",
        lambda: model(store("s"), Identity("admin", "Admin", HUMAN), Grant("g", "admin", "s", (G.ADMIN,))),
        lambda: model(store("s"), Identity("admin", "Admin", HUMAN, mfa=True), Grant("g", "admin", "s", (G.ADMIN,))),
    ),
    Case("lp.workload-without-identity", "a", lambda: model(svc("a", identity=None)), lambda: model(svc("a"))),
    Case(
        "lp.human-direct-datastore-access",
        "g",
        lambda: model(store("s"), Identity("ops", "Ops", HUMAN), Grant("g", "ops", "s", (G.WRITE,))),
        lambda: model(store("s"), Identity("ops", "Ops", HUMAN), Grant("g", "ops", "s", (G.READ,))),
    ),
    Case(
        "lp.orphan-identity",
        "sa-z",
        lambda: model(store("s"), Grant("g", "sa-z", "s")),
        lambda: model(store("s"), svc("z", identity="sa-z"), Grant("g", "sa-z", "s")),
    ),
    Case(
        "enc.plaintext-sensitive",
        "f",
        lambda: two(encryption=E.NONE, data_assets=("conf",)),
        lambda: two(encryption=E.TLS, data_assets=("conf",)),
    ),
    Case(
        "enc.plaintext-crossing",
        "f",
        lambda: to_store(encryption=E.NONE, data_assets=("int",)),
        lambda: to_store(encryption=E.TLS, data_assets=("int",)),
    ),
    Case("enc.plaintext-flow", "f", lambda: two(encryption=E.NONE), lambda: two(encryption=E.TLS)),
    Case(
        "enc.tls-without-client-auth",
        "f",
        lambda: to_store(encryption=E.TLS, authentication=A.PASSWORD),
        lambda: to_store(encryption=E.TLS, authentication=A.MTLS),
    ),
    Case(
        "enc.at-rest-unencrypted", "s", lambda: model(store("s", encryption_at_rest=False)), lambda: model(store("s"))
    ),
    Case(
        "enc.credentials-outside-secret-store",
        "s",
        lambda: model(store("s", data_stored=("cred",))),
        lambda: model(store("s", K.SECRET_STORE, data_stored=("cred",))),
    ),
    Case(
        "enc.secret-in-configuration",
        "a",
        lambda: model(svc("a", attributes={"db_password": "hunter2"})),
        lambda: model(svc("a", attributes={"db_password": "vault:secret/a/db"})),
    ),
    Case("enc.legacy-protocol", "f", lambda: two(protocol="ftp"), lambda: two(protocol="sftp")),
    Case(
        "enc.basic-auth-over-plaintext",
        "f",
        lambda: two(encryption=E.NONE, authentication=A.BASIC),
        lambda: two(encryption=E.TLS, authentication=A.BASIC),
    ),
    Case("enc.mesh-permissive", "f", lambda: two(encryption=E.TLS), lambda: two(encryption=E.MTLS)),
    Case(
        "seg.datastore-with-internet-facing",
        "s",
        lambda: model(store("s", boundary="dmz"), svc("w", K.WEB_FRONTEND, boundary="dmz", internet_facing=True)),
        lambda: model(store("s"), svc("w", K.WEB_FRONTEND, boundary="dmz", internet_facing=True)),
    ),
    Case(
        "seg.internet-facing-datastore", "s", lambda: model(store("s", internet_facing=True)), lambda: model(store("s"))
    ),
    Case(
        "seg.flat-model",
        "",
        lambda: model(svc("a", boundary=None), svc("b", boundary=None), boundaries=()),
        lambda: model(svc("a"), svc("b", boundary="ns-b")),
    ),
    Case(
        "seg.untrusted-path-to-crown-jewel",
        "s",
        lambda: model(
            ext("u", K.HUMAN_USER, boundary="internet"),
            svc("w", K.WEB_FRONTEND, internet_facing=True),
            store("s", data_stored=("restr",)),
            fl("f1", "u", "w", authentication=A.PASSWORD),
            fl("f2", "w", "s", authentication=A.API_KEY),
        ),
        lambda: model(
            ext("u", K.HUMAN_USER, boundary="internet"),
            svc("w", K.WEB_FRONTEND, internet_facing=True),
            store("s", data_stored=("restr",)),
            fl("f1", "u", "w", authentication=A.PASSWORD),
            fl("f2", "w", "s"),
        ),
    ),
    Case(
        "seg.tier-skipping",
        "f",
        lambda: model(svc("w", K.WEB_FRONTEND), store("s"), fl("f", "w", "s")),
        lambda: model(svc("a"), store("s"), fl("f", "a", "s")),
    ),
    Case(
        "seg.untrusted-to-trusted",
        "f",
        lambda: model(ext("u", K.HUMAN_USER, boundary="internet"), svc("b", boundary="ns-b"), fl("f", "u", "b")),
        lambda: model(
            ext("u", K.HUMAN_USER, boundary="internet"), svc("w", K.WEB_FRONTEND, boundary="dmz"), fl("f", "u", "w")
        ),
    ),
    Case(
        "seg.idp-not-isolated",
        "x",
        lambda: idp_or_vault(K.IDENTITY_PROVIDER, alone=False),
        lambda: idp_or_vault(K.IDENTITY_PROVIDER, alone=True),
    ),
    Case(
        "seg.vault-not-isolated",
        "x",
        lambda: idp_or_vault(K.SECRET_STORE, alone=False),
        lambda: idp_or_vault(K.SECRET_STORE, alone=True),
    ),
    Case("seg.egress-unrestricted", "f", lambda: model(svc("a"), ext("p"), fl("f", "a", "p")), lambda: two()),
    Case(
        "seg.missing-waf",
        "w",
        lambda: model(svc("w", K.WEB_FRONTEND, boundary="dmz", internet_facing=True)),
        lambda: model(svc("w", K.WEB_FRONTEND, boundary="dmz")),
    ),
    Case(
        "dp.restricted-to-lower-trust",
        "f",
        lambda: model(svc("a", boundary="ns-b"), ext("p"), fl("f", "a", "p", data_assets=("restr",))),
        lambda: model(svc("a"), store("s"), fl("f", "a", "s", data_assets=("restr",))),
    ),
    Case(
        "dp.confidential-to-third-party",
        "f",
        lambda: model(svc("a"), ext("p"), fl("f", "a", "p", data_assets=("conf",))),
        lambda: model(svc("a"), ext("p"), fl("f", "a", "p", data_assets=("pub",))),
    ),
    Case(
        "dp.pii-to-analytics",
        "f",
        lambda: model(svc("a"), store("l", K.LOGGING, data_stored=()), fl("f", "a", "l", data_assets=("conf",))),
        lambda: model(svc("a"), store("l", K.LOGGING, data_stored=()), fl("f", "a", "l", data_assets=("int",))),
    ),
    Case(
        "dp.unnecessary-data-transfer",
        "f",
        lambda: two(data_assets=("conf",)),
        lambda: model(svc("a"), svc("b", data_processed=("conf",)), fl("f", "a", "b", data_assets=("conf",))),
    ),
    Case("dp.no-backup", "s", lambda: model(store("s", data_stored=("crit",))), lambda: model(store("s"))),
    Case(
        "vis.no-audit-logging",
        "a",
        lambda: model(svc("a", logging=Logging.BASIC, data_processed=("conf",))),
        lambda: model(svc("a", data_processed=("conf",))),
    ),
    Case(
        "vis.no-logging",
        "a",
        lambda: model(svc("a", logging=Logging.NONE)),
        lambda: model(svc("a", logging=Logging.BASIC)),
    ),
    Case("vis.observed-undeclared-flow", "f", lambda: two(provenance=Provenance.OBSERVED), lambda: two()),
    Case("hyg.unconnected-element", "a", lambda: model(svc("a"), svc("b")), lambda: two()),
    Case(
        "hyg.unclassified-data",
        "uncl",
        lambda: model(svc("a")),
        lambda: model(svc("a"), assets=tuple(a for a in model().data_assets if a.id != "uncl")),
    ),
    Case("hyg.flow-unknown-assets", "f", lambda: two(data_assets=()), lambda: two()),
    Case("hyg.component-outside-boundary", "a", lambda: model(svc("a", boundary=None)), lambda: model(svc("a"))),
    Case("hyg.unused-data-asset", "pub", lambda: two(), lambda: two(data_assets=("pub",))),
    Case("hyg.storage-without-data", "s", lambda: model(store("s", data_stored=())), lambda: model(store("s"))),
]


def _findings(rule: str, snapshot: Snapshot, element: str) -> list[str]:
    state = Engine(rules=[rule], plan=False).evaluate(snapshot)
    return [f.id for f in state.findings if f.rule == rule and (f.elements[:1] == (element,) or not element)]


def test_every_rule_has_a_case() -> None:
    assert {c.rule for c in CASES} == set(load_rule_catalog())
    assert len(CASES) == len({c.rule for c in CASES})


@pytest.mark.parametrize("case", CASES, ids=[c.rule for c in CASES])
def test_rule_fires_on_positive(case: Case) -> None:
    assert _findings(case.rule, case.positive(), case.element), f"{case.rule} did not fire"


@pytest.mark.parametrize("case", CASES, ids=[c.rule for c in CASES])
def test_rule_silent_on_negative(case: Case) -> None:
    assert not _findings(case.rule, case.negative(), case.element), f"{case.rule} fired on the negative case"


@pytest.mark.parametrize(
    "rule,control,snapshot",
    [
        (
            "zt.no-rate-limit-at-entry",
            "rate-limit",
            lambda c: model(svc("w", K.WEB_FRONTEND, boundary="dmz", internet_facing=True), c),
        ),
        ("seg.missing-waf", "waf", lambda c: model(svc("w", K.WEB_FRONTEND, boundary="dmz", internet_facing=True), c)),
    ],
)
def test_applied_control_mitigates(rule: str, control: str, snapshot: Callable[[Control], Snapshot]) -> None:
    state = Engine(rules=[rule], plan=False).evaluate(snapshot(Control("c1", control, "w")))
    findings = [f for f in state.findings if f.rule == rule]
    assert findings and all(f.mitigated_by == ("c1",) for f in findings)
    assert state.overall == 100.0  # mitigated findings cost nothing
    planned = Engine(rules=[rule], plan=False).evaluate(
        snapshot(Control("c1", control, "w", status=ControlStatus.PLANNED))
    )
    assert all(not f.mitigated for f in planned.findings)
