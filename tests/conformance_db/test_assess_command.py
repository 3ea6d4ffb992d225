"""`manage.py assess` on manifests (file or directory) and with a Kiali graph / linkerd edges (--conformance)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conformance.helpers import KIALI, MESH


def _run(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("assess", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_a_manifest_directory_is_assessed_like_a_drawn_model() -> None:
    document = json.loads(
        _run(
            str(MESH / "online-boutique/kubernetes-manifests"),
            "--default-namespace",
            "onlineboutique",
            "--format",
            "json",
        )
    )
    assert document["findings"]
    elements = {e for f in document["findings"] for e in f["elements"]}
    assert any(e.startswith("wl:onlineboutique:") for e in elements)


def test_conformance_with_a_kiali_graph_detected_by_content() -> None:
    out = _run(
        str(MESH / "bookinfo/platform/kube/bookinfo.yaml"),
        "--default-namespace",
        "bookinfo",
        "--meshed-namespaces",
        "bookinfo",
        "--observation",
        str(KIALI / "graph-workload.json"),
        "--conformance",
        "--format",
        "json",
    )
    report = json.loads(out)
    assert report["counts"]["over-permissive"] == 24  # the manifests carry no design: allowed, not designed
    shadow = {(v["source"], v["target"]) for v in report["verdicts"] if "shadow-dependency" in v["categories"]}
    assert ("bookinfo/productpage-v1", "bookinfo/details-v1") in shadow and (
        "(unknown)",
        "bookinfo/productpage-v1",
    ) in shadow


def test_conformance_text_for_sock_shop_and_linkerd_edges_named_explicitly() -> None:
    text = _run(str(MESH / "sock-shop"), "--conformance")
    assert "netpol-selects-nothing manifests-policy/netpol-cart-access.yaml#1" in text
    out = _run(
        str(MESH / "emojivoto-linkerd/manifests"),
        "--meshed-namespaces",
        "emojivoto",
        "--mesh-provider",
        "linkerd",
        "--conformance",
        "--format",
        "json",
        "--observation",
        str(MESH / "emojivoto-linkerd/viz-output/edges-wide.golden.txt"),
        "--observation-format",
        "linkerd-viz",
    )
    # the three emojivoto edges plus linkerd-identity -> linkerd-prometheus (not in the manifests)
    assert json.loads(out)["counts"]["shadow-dependency"] == 4


def test_bad_inputs_are_clear_errors() -> None:
    with pytest.raises(CommandError, match="/nonexistent/manifests: no such file"):
        _run("/nonexistent/manifests")
    with pytest.raises(CommandError, match="invalid observation"):
        _run(str(MESH / "sock-shop"), "--conformance", "--observation", str(KIALI / "SOURCE.md"))
    with pytest.raises(CommandError, match="--conformance needs manifests"):
        _run(str(MESH.parent / "models" / "online-shop.yaml"), "--conformance")


def test_a_native_design_against_manifests_and_the_policy_for_ci(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import yaml

    from threatmodel.interchange.kubernetes import ImportOptions, files_from_directory, read_manifests, to_snapshot
    from threatmodel.interchange.native import write_model

    manifests = read_manifests(
        files_from_directory(MESH / "bookinfo/platform/kube"), ImportOptions(default_namespace="bookinfo")
    )
    snapshot = to_snapshot(manifests, "Bookinfo design")
    from threatmodel.domain import DataFlow

    design = snapshot.with_elements(
        "flows", [DataFlow("f1", "wl:bookinfo:productpage-v1", "wl:bookinfo:details-v1", port=9080)]
    )
    design_file = tmp_path / "design.yaml"
    design_file.write_text(write_model(design))
    policy = tmp_path / "policy.yaml"
    out = _run(
        str(design_file),
        "--manifests",
        str(MESH / "bookinfo/platform/kube"),
        "--default-namespace",
        "bookinfo",
        "--policy-out",
        str(policy),
        "--conformance",
        "--format",
        "json",
    )
    report = json.loads(out)
    assert [(v["source"], v["target"]) for v in report["verdicts"] if v["designed"]] == [
        ("bookinfo/productpage-v1", "bookinfo/details-v1")
    ]
    documents = list(yaml.safe_load_all(policy.read_text()))
    allow = [d for d in documents if d["metadata"]["name"] == "allow-details-v1"]
    assert [d["kind"] for d in allow] == ["NetworkPolicy"]  # nothing is meshed: no AuthorizationPolicy
    assert allow[0]["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"]["app"] == "productpage"


def test_a_manifest_file_is_read_and_detected_once(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`assess FILE` in auto mode reads FILE once and decides once whether it is manifests (it read and parsed
    it twice before the import)."""
    from pathlib import Path

    from assessments.management.commands import _mesh

    source = MESH / "bookinfo/platform/kube/bookinfo.yaml"
    reads: list[str] = []
    detections: list[str] = []
    real_read_bytes, real_read_text, real_looks = Path.read_bytes, Path.read_text, _mesh.looks_like_manifests

    def counting_bytes(self: Path) -> bytes:
        if self.resolve() == source.resolve():
            reads.append("bytes")
        return real_read_bytes(self)

    def counting_text(self: Path, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
        if self.resolve() == source.resolve():
            reads.append("text")
        return real_read_text(self, *args, **kwargs)

    def counting_looks(path: Path, raw: str) -> bool:
        detections.append(path.name)
        return real_looks(path, raw)

    monkeypatch.setattr(Path, "read_bytes", counting_bytes)
    monkeypatch.setattr(Path, "read_text", counting_text)
    monkeypatch.setattr(_mesh, "looks_like_manifests", counting_looks)
    document = json.loads(_run(str(source), "--default-namespace", "bookinfo", "--format", "json"))
    assert document["findings"]
    assert len(reads) == 1 and detections == ["bookinfo.yaml"]
