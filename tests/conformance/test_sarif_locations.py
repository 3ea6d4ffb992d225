"""SARIF of conformance and of a model read from manifests: physical locations in the manifest files (artifact URI
and the line the object's document starts at), checked against the official SARIF schema and against the lines
found by reading the fixture files as plain text."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema

from assessments.conformance.reachability import Reachability
from assessments.conformance.threeway import conformance
from assessments.reporting.sarif_conformance import conformance_sarif_log, conformance_sarif_run
from tests.conformance.helpers import DATA, KIALI, MESH, load
from tests.conformance.test_threeway import SOCK_SHOP_DESIGN, _design
from threatmodel.interchange.kiali import read_kiali_graph
from threatmodel.interchange.kubernetes import (
    ImportOptions,
    ManifestFile,
    element_locations,
    parse_documents,
    read_manifests,
    to_snapshot,
)

SCHEMA = json.loads((DATA / "sarif-2.1.0.schema.json").read_text())
BOOKINFO = MESH / "bookinfo/platform/kube/bookinfo.yaml"


def _valid(document: dict[str, Any]) -> None:
    errors = sorted(jsonschema.Draft4Validator(SCHEMA).iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def _start_line(path: Path, kind: str, name: str) -> int:
    """The first content line of the document declaring ``kind`` ``name``, read as text (no YAML parser)."""
    lines = path.read_text().splitlines()
    starts = [0] + [i + 1 for i, line in enumerate(lines) if line.rstrip() == "---"]
    for start, end in zip(starts, [*starts[1:], len(lines) + 1], strict=True):
        body = lines[start : end - 1] if end <= len(lines) else lines[start:]
        text = "\n".join(body)
        if re.search(rf"^kind: {kind}$", text, re.M) and re.search(rf"^  name: {re.escape(name)}$", text, re.M):
            return start + next(i for i, line in enumerate(body) if line.strip() and not line.startswith("#")) + 1
    raise AssertionError(f"{kind} {name} not in {path}")


def _sock_shop_run() -> dict[str, Any]:
    manifests = load("sock-shop")
    report = conformance(_design(manifests, SOCK_SHOP_DESIGN, "sock-shop"), Reachability(manifests))
    return conformance_sarif_run(
        report,
        lines=manifests.source_lines(),
        files=manifests.files,
        workload_sources={w.key: str(w.source) for w in manifests.workloads},
        uri_of=lambda name: f"tests/data/mesh/{name}",
    )


def _location(result: dict[str, Any]) -> tuple[str, int]:
    physical = result["locations"][0]["physicalLocation"]
    return physical["artifactLocation"]["uri"], physical["region"]["startLine"]


def test_sock_shop_policy_mistakes_and_blocked_flows_point_into_the_manifests() -> None:
    run = _sock_shop_run()
    _valid(conformance_sarif_log(run))
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for result in run["results"]:
        by_rule.setdefault(result["ruleId"], []).append(result)
        uri, line = _location(result)
        assert uri.startswith("tests/data/mesh/sock-shop/") and (Path(__file__).parents[2] / uri).is_file()
        assert line >= 1
    selects_nothing = [r for r in by_rule["netpol-selects-nothing"] if "cart-access" in r["message"]["text"]]
    assert [_location(r) for r in selects_nothing] == [
        (
            "tests/data/mesh/sock-shop/manifests-policy/netpol-cart-access.yaml",
            _start_line(MESH / "sock-shop/manifests-policy/netpol-cart-access.yaml", "NetworkPolicy", "cart-access"),
        )
    ]
    (legacy,) = by_rule["netpol-legacy-annotation"]
    demo = MESH / "sock-shop/complete-demo.yaml"
    assert _location(legacy) == (
        "tests/data/mesh/sock-shop/complete-demo.yaml",
        _start_line(demo, "Namespace", "sock-shop"),
    )
    blocked = {tuple(r["properties"]["pair"]): r for r in by_rule["conformance/designed-but-blocked"]}
    assert set(blocked) == {
        ("sock-shop/front-end", "sock-shop/carts"), ("sock-shop/orders", "sock-shop/carts"),
        ("sock-shop/front-end", "sock-shop/session-db"), ("sock-shop/carts", "sock-shop/carts-db"),
    }  # fmt: skip
    # the blocking NetworkPolicy is named in the result and located at its own document
    carts_db = blocked[("sock-shop/carts", "sock-shop/carts-db")]
    name = carts_db["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
    assert name == "NetworkPolicy sock-shop/carts-db-access"
    uri, line = _location(carts_db)
    assert line == _start_line(Path(__file__).parents[2] / uri, "NetworkPolicy", "carts-db-access")
    # deterministic, fingerprints unique per result
    assert _sock_shop_run() == run
    prints = [r["partialFingerprints"]["trustmapConformance/v1"] for r in run["results"]]
    assert len(set(prints)) == len(prints)


def test_pairs_without_a_deciding_policy_point_at_the_target_workload() -> None:
    options = ImportOptions(default_namespace="bookinfo", meshed_namespaces=frozenset({"bookinfo"}))
    manifests = read_manifests([ManifestFile("bookinfo.yaml", BOOKINFO.read_bytes())], options)
    observation = read_kiali_graph((KIALI / "graph-workload.json").read_bytes())
    report = conformance(to_snapshot(manifests), Reachability(manifests), observation)
    run = conformance_sarif_run(
        report,
        lines=manifests.source_lines(),
        files=manifests.files,
        workload_sources={w.key: str(w.source) for w in manifests.workloads},
    )
    _valid(conformance_sarif_log(run))
    shadow = {
        tuple(r["properties"]["pair"]): _location(r)
        for r in run["results"]
        if r["ruleId"] == "conformance/shadow-dependency"
    }
    pair = ("bookinfo/productpage-v1", "bookinfo/reviews-v3")
    assert shadow[pair] == ("bookinfo.yaml", _start_line(BOOKINFO, "Deployment", "reviews-v3"))
    assert len({line for _, line in shadow.values()}) > 3  # different targets, different documents


def test_assess_sarif_of_a_manifest_model_points_at_each_workload_document() -> None:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("assess", str(MESH / "sock-shop"), "--format", "sarif", stdout=out, stderr=io.StringIO())
    document = json.loads(out.getvalue())
    _valid(document)
    results = document["runs"][0]["results"]
    located: dict[str, tuple[str, int]] = {}
    for result in results:
        uri, line = _location(result)
        assert not Path(uri).is_dir(), uri  # every location is a file, not the directory given
        elements = result["properties"]["elements"]
        if len(elements) == 1:
            located.setdefault(elements[0], (uri, line))
    root = (MESH / "sock-shop").as_posix()  # the directory as given on the command line
    demo = MESH / "sock-shop/complete-demo.yaml"
    component = "wl:sock-shop:front-end"
    assert component in located
    assert located[component] == (f"{root}/complete-demo.yaml", _start_line(demo, "Deployment", "front-end"))
    artifacts = {a["location"]["uri"] for a in document["runs"][0]["artifacts"]}
    assert f"{root}/complete-demo.yaml" in artifacts


def test_items_of_a_kind_list_keep_their_own_lines() -> None:
    text = (
        b"# exported with kubectl get -o yaml\n"
        b"apiVersion: v1\nkind: List\nitems:\n"
        b"- apiVersion: v1\n  kind: ServiceAccount\n  metadata: {name: a, namespace: shop}\n"
        b"- apiVersion: v1\n  kind: ServiceAccount\n  metadata: {name: b, namespace: shop}\n"
        b"---\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n"
    )
    documents = parse_documents(ManifestFile("list.yaml", text))
    assert [(d.number, d.line, d.item_lines) for d in documents] == [(1, 2, (5, 8)), (3, 13, ())]
    manifests = read_manifests([ManifestFile("list.yaml", text)])
    assert [(a.name, a.source and a.source.line) for a in manifests.service_accounts] == [("a", 5), ("b", 8)]
    assert str(manifests.service_accounts[1].source) == "list.yaml#1"
    locations = element_locations(manifests, to_snapshot(manifests))
    assert locations["ns:shop"].line == 13 and locations["ns:shop"].file == "list.yaml"


def test_a_flow_blocked_by_linkerd_points_at_the_server_policy() -> None:
    from dataclasses import replace

    options = ImportOptions(meshed_namespaces=frozenset({"emojivoto"}), mesh_provider="linkerd")
    manifests = load("emojivoto-linkerd/manifests", "emojivoto-linkerd/policy", namespace="emojivoto", options=options)
    design = _design(manifests, [("vote-bot", "web"), ("web", "emoji"), ("web", "voting")], "emojivoto")
    design = design.with_elements(
        "flows", [replace(f, port=8080) if f.target != "wl:emojivoto:web" else f for f in design.flows]
    )
    report = conformance(design, Reachability(manifests))
    run = conformance_sarif_run(
        report,
        lines=manifests.source_lines(),
        files=manifests.files,
        workload_sources={w.key: str(w.source) for w in manifests.workloads},
    )
    (blocked,) = [r for r in run["results"] if r["ruleId"] == "conformance/designed-but-blocked"]
    assert blocked["properties"]["pair"] == ["emojivoto/web", "emojivoto/emoji"]
    assert blocked["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "Server emojivoto/emoji-grpc"
    uri, line = _location(blocked)
    assert uri == "emojivoto-linkerd/policy/emoji-policy.yaml"
    assert line == _start_line(MESH / uri, "Server", "emoji-grpc")
