"""Data assets, identities, grants and controls edited in the editor's panels, and one-click fixes, in real
headless Chromium (issue 13, item 2)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import PageErrors, login_context, open_editor, settle

pytestmark = pytest.mark.browser

SHOP = """
trustmap: 1
model: {name: Shop}
boundaries:
  - {id: internet, name: Internet, kind: internet, trust_level: untrusted}
  - {id: cloud, name: Cloud account, kind: cloud-account, trust_level: high}
components:
  - {id: shopper, name: Shopper, kind: human-user, boundary: internet, position: {x: 0, y: 0}}
  - {id: gateway, name: Gateway, kind: api-gateway, boundary: cloud, internet_facing: true, authentication: oauth2,
     position: {x: 0, y: 150}}
  - {id: orders, name: Orders, kind: service, boundary: cloud, authentication: mtls, position: {x: 0, y: 270}}
  - {id: db, name: Orders DB, kind: datastore, boundary: cloud, authentication: mtls, encryption_at_rest: true,
     logging: audit, position: {x: 0, y: 390}}
flows:
  - {id: shopper-gateway, source: shopper, target: gateway, protocol: https, authentication: oauth2}
  - {id: gateway-orders, source: gateway, target: orders, protocol: grpc, encryption: mtls, authentication: mtls}
  - {id: orders-db, source: orders, target: db, protocol: postgresql, port: 5432, encryption: tls,
     authentication: mtls}
"""


def _model(team: Any, user: Any, text: str) -> Any:
    from threatmodel import services
    from threatmodel.interchange.native import read_model

    return services.model_create(team=team, snapshot=read_model(text, "model.yaml"), user=user)


DEFAULTS = {
    "description": "",
    "tags": [],
    "attributes": {},
    "foreign_id": "",
    "integrity": "medium",
    "availability": "medium",
    "credentials": False,
    "mfa": False,
}


def _part(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items without the fields left at their defaults (as the model file writes them)."""
    return [{k: v for k, v in item.items() if not (k in DEFAULTS and DEFAULTS[k] == v)} for item in items]


def _field(page: Any, name: str) -> Any:
    return page.locator(f"#properties [name='{name}']")


def _type_name(page: Any, value: str) -> None:
    page.wait_for_function("document.activeElement && document.activeElement.id === 'prop-name'")
    page.keyboard.press("Control+a")
    page.keyboard.type(value)
    page.keyboard.press("Enter")
    settle(page)


def _select(page: Any, id_: str) -> None:
    page.evaluate(f"window.trustmap.select(['{id_}'])")
    page.wait_for_function(f"document.querySelector('#properties form[data-id=\"{id_}\"]') !== null")


def _only_new(page: Any, kind: str, before: set[str]) -> str:
    (new,) = set(page.evaluate(f"window.trustmap.ids('{kind}')")) - before
    return str(new)


def test_data_identity_and_wildcard_grant_from_the_panels_show_the_finding_and_an_attack_path(
    browser: Any, live_server: Any, browser_user: Any, screenshots: Any
) -> None:
    model = _model(browser_user.team, browser_user, SHOP)
    context = login_context(browser, live_server, browser_user)
    page = context.new_page()
    errors = PageErrors(page)
    open_editor(page, f"{live_server.url}/models/{model.pk}/")
    assert page.locator("#paths-list").inner_text().strip() == "No attack paths found."

    # a restricted data asset with PII, from the Data & access panel
    page.get_by_test_id("add-data_asset").click()
    page.wait_for_function("window.trustmap.count('data_asset') === 1")
    asset = _only_new(page, "data_asset", set())
    _type_name(page, "Card data")
    _field(page, "classification").select_option("restricted")
    settle(page)
    _field(page, "confidentiality").select_option("critical")
    settle(page)
    _field(page, "pii").check()
    settle(page)
    assert page.get_by_test_id("list-data_asset").inner_text().startswith("Card data")

    # stored by the database, carried by the flow into it (the pickers on components and flows)
    _select(page, "db")
    _field(page, "data_stored").select_option([asset])
    settle(page)
    _select(page, "orders-db")
    _field(page, "data_assets").select_option([asset])
    settle(page)

    # a workload identity for the service, and a grant of it on everything (*)
    page.get_by_test_id("add-identity").click()
    page.wait_for_function("window.trustmap.count('identity') === 1")
    identity = _only_new(page, "identity", set())
    _type_name(page, "orders-sa")
    assert _field(page, "kind").input_value() == "workload"
    _select(page, "orders")
    _field(page, "identity").select_option(identity)
    settle(page)
    page.get_by_test_id("add-grant").click()  # the selected service's identity is the grant's identity
    page.wait_for_function("window.trustmap.count('grant') === 1")
    grant = _only_new(page, "grant", set())
    assert page.evaluate(f"window.trustmap.element('{grant}').identity") == identity
    _field(page, "target").select_option("*")
    settle(page)
    _field(page, "actions").select_option(["read", "write"])
    settle(page)
    _field(page, "scope").fill("all schemas")
    _field(page, "scope").press("Enter")
    settle(page)

    # the wildcard-grant finding and an attack path from the internet to the card data
    wildcard = f"lp.wildcard-grant@{grant}@{identity}"
    page.wait_for_function(f"window.trustmap.findingIds().includes('{wildcard}')")
    assert page.locator(f"#findings-list [data-finding='{wildcard}']").count() == 1
    page.wait_for_function("document.querySelectorAll('#paths-list [data-path]').length > 0")
    paths = page.locator("#paths-list").inner_text()
    assert "Gateway → Orders → Orders DB" in paths and f"data at risk: {asset}" in paths
    page.screenshot(path=str(screenshots / "editor-data-and-access.png"))

    # a control from the panel: on the selected element, with a status
    _select(page, "gateway")
    page.get_by_test_id("add-control").click()
    page.wait_for_function("window.trustmap.count('control') === 1")
    control = _only_new(page, "control", set())
    assert page.evaluate(f"window.trustmap.element('{control}').target") == "gateway"
    _field(page, "control").select_option("waf")
    settle(page)
    _field(page, "status").select_option("planned")
    settle(page)

    # everything was saved as change sets: the stored model has it
    document = page.evaluate(f"fetch('/api/v1/models/{model.pk}/document/').then(r => r.json())")["document"]
    assert _part(document["data_assets"]) == [
        {"id": asset, "name": "Card data", "classification": "restricted", "confidentiality": "critical", "pii": True}
    ]
    assert next(c for c in document["components"] if c["id"] == "db")["data_stored"] == [asset]
    assert next(f for f in document["flows"] if f["id"] == "orders-db")["data_assets"] == [asset]
    assert _part(document["identities"]) == [{"id": identity, "name": "orders-sa", "kind": "workload"}]
    assert next(c for c in document["components"] if c["id"] == "orders")["identity"] == identity
    assert _part(document["grants"]) == [
        {"id": grant, "identity": identity, "target": "*", "actions": ["read", "write"], "scope": "all schemas"}
    ]
    assert _part(document["controls"]) == [{"id": control, "control": "waf", "target": "gateway", "status": "planned"}]

    # deleting the identity from its list item takes the grant with it and clears the component's reference
    page.locator(f"#text-identities li[data-id='{identity}']").click()
    errors.confirm_next()
    page.get_by_test_id("props-delete").click()
    page.wait_for_function("window.trustmap.count('identity') === 0 && window.trustmap.count('grant') === 0")
    settle(page)
    assert page.evaluate("window.trustmap.element('orders').identity") is None
    assert len(errors.confirmed) == 1 and "grant" in errors.confirmed[0]  # it said what else goes
    page.keyboard.press("Control+z")
    page.wait_for_function("window.trustmap.count('identity') === 1 && window.trustmap.count('grant') === 1")
    settle(page)
    assert page.evaluate("window.trustmap.element('orders').identity") == identity
    assert not errors.dialogs
    assert not [e for e in errors.errors if "favicon" not in e], errors.errors
    context.close()


FIXABLE = """
trustmap: 1
model: {name: Fixable}
boundaries:
  - {id: cloud, name: Cloud account, kind: cloud-account, trust_level: high}
components:
  - {id: gateway, name: Gateway, kind: api-gateway, boundary: cloud, internet_facing: true, authentication: oauth2,
     position: {x: 0, y: 0}}
  - {id: api, name: Checkout, kind: service, boundary: cloud, authentication: mtls, position: {x: 0, y: 130}}
  - {id: db, name: Payments DB, kind: datastore, boundary: cloud, authentication: mtls, encryption_at_rest: true,
     data_stored: [cards], position: {x: 0, y: 260}}
flows:
  - {id: gateway-api, source: gateway, target: api, protocol: grpc, encryption: mtls, authentication: mtls}
  - {id: api-db, source: api, target: db, protocol: postgresql, encryption: tls, data_assets: [cards]}
data_assets:
  - {id: cards, name: Card data, classification: restricted}
"""


def _finding(page: Any, prefix: str) -> str:
    page.wait_for_function("p => window.trustmap.findingIds().some(f => f.startsWith(p))", arg=prefix)
    return str(page.evaluate("p => window.trustmap.findingIds().find(f => f.startsWith(p))", prefix))


def _quick_fix(page: Any, finding: str) -> str:
    item = page.locator("#findings-list li", has=page.locator(f"[data-finding='{finding}']"))
    item.locator("details.how-to-fix summary").click()
    button = item.get_by_test_id("quick-fix")
    label = button.inner_text()
    button.click()
    settle(page)
    page.wait_for_function("f => !window.trustmap.findingIds().includes(f)", arg=finding)
    return str(label)


def test_one_click_fixes_are_undoable_change_sets(browser: Any, live_server: Any, browser_user: Any) -> None:
    from threatmodel.models import Revision

    model = _model(browser_user.team, browser_user, FIXABLE)
    context = login_context(browser, live_server, browser_user)
    page = context.new_page()
    errors = PageErrors(page)
    open_editor(page, f"{live_server.url}/models/{model.pk}/")

    # a field change on a flow: TLS without client authentication -> mTLS (encryption and authentication)
    tls = _finding(page, "zt.flow-unauthenticated@api-db")
    assert _quick_fix(page, tls) == "Authenticate with mTLS"
    assert page.evaluate("window.trustmap.element('api-db').encryption") == "mtls"
    assert page.evaluate("window.trustmap.element('api-db').authentication") == "mtls"
    last = Revision.objects.filter(model_id=model.pk).order_by("-number").first()
    assert last.message == "Set authentication, encryption of Checkout → Payments DB"

    # a field change on a component: audit logging on the store of restricted data
    audit = _finding(page, "vis.no-audit-logging@db")
    assert _quick_fix(page, audit) == "Enable audit logging"
    assert page.evaluate("window.trustmap.element('db').logging") == "audit"

    # a control added: rate limiting at the entry point
    rate = _finding(page, "zt.no-rate-limit-at-entry@gateway")
    revision = page.evaluate("window.trustmap.revision()")
    assert _quick_fix(page, rate) == "Add the rate-limit control"
    assert page.evaluate("window.trustmap.revision()") == revision + 1  # one click, one revision
    (control,) = page.evaluate("window.trustmap.ids('control')")
    assert page.evaluate(f"window.trustmap.element('{control}')") | {"id": control} == page.evaluate(
        f"Object.assign(window.trustmap.element('{control}'), {{control: 'rate-limit', target: 'gateway', "
        "status: 'implemented'})"
    )

    # each is undone like any edit: the control goes, the finding comes back; then the audit logging
    page.get_by_test_id("tool-undo").click()
    page.wait_for_function("window.trustmap.count('control') === 0")
    settle(page)
    page.wait_for_function("f => window.trustmap.findingIds().includes(f)", arg=rate)
    page.get_by_test_id("tool-undo").click()
    page.wait_for_function("window.trustmap.element('db').logging === 'basic'")
    settle(page)
    assert page.evaluate("window.trustmap.element('api-db').encryption") == "mtls"
    # only findings whose rule has a quick_fix in its catalog pack offer one; the others keep the text
    from threatmodel.editor import quick_fixes

    offered = page.evaluate(
        "Array.from(document.querySelectorAll('#findings-list [data-rule]')).map(b => "
        "[b.dataset.rule, !!b.parentElement.querySelector('[data-testid=quick-fix]')])"
    )
    assert any(not has for _, has in offered)
    assert all(rule in quick_fixes() for rule, has in offered if has)
    assert not errors.dialogs
    assert not [e for e in errors.errors if "favicon" not in e], errors.errors
    context.close()
