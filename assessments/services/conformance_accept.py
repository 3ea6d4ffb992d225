"""Accept observed flows into the design: selected shadow dependencies (observed, not designed) become data flows
of the model, in one change set (a new revision), with provenance ``observed`` and where they came from in
``attributes.observed`` (docs/model-format.md). Nothing is accepted unless every selected pair can be."""

from __future__ import annotations

import re
from typing import Any

from assessments.conformance.reachability import Reachability
from assessments.conformance.threeway import UNKNOWN, Verdict, conformance, map_components
from threatmodel import models as m
from threatmodel import selectors_mesh
from threatmodel.accounts import RequestUser
from threatmodel.changes import ElementChange, parse_change
from threatmodel.invariants import Issue, ModelValidationError
from threatmodel.selectors import NotFound, snapshot_of_model
from threatmodel.services import changeset_apply

MAX_ACCEPTED = 500
_UNSAFE = re.compile(r"[^A-Za-z0-9_.:-]+")


def _flow_id(source: str, target: str, taken: set[str]) -> str:
    base = _UNSAFE.sub("-", f"obs:{source}>{target}".replace("/", ":"))[:120].strip("-.:") or "obs"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _flow_data(
    verdict: Verdict, source_component: str, target_component: str, observation: m.MeshSource
) -> dict[str, Any]:
    seen = verdict.observation
    protocols = sorted({f.protocol for f in seen.flows}) if seen else []
    percent = seen.mtls_percent if seen else None
    mtls = percent is not None and percent >= 100 and not (seen and seen.plaintext_seen)
    return {
        "source": source_component,
        "target": target_component,
        "name": f"{verdict.source.split('/', 1)[-1]} to {verdict.target.split('/', 1)[-1]} (observed)",
        "protocol": protocols[0] if len(protocols) == 1 else ("http" if "http" in protocols else "tcp"),
        "encryption": "mtls" if mtls else "none",
        "authentication": "mtls" if mtls else "none",
        "provenance": "observed",
        "attributes": {
            "observed": {
                "source_workload": verdict.source,
                "target_workload": verdict.target,
                "protocols": protocols,
                "mtls_percent": percent,
                "observation": observation.pk,
                "recorder": observation.recorder,
                "observed_at": (observation.observed_at or observation.created_at).isoformat(),
            }
        },
    }


def _check_selection(pairs: Any) -> None:
    if not isinstance(pairs, list) or not pairs:
        raise ModelValidationError([Issue("pairs", "select at least one observed pair [source, target]")])
    if len(pairs) > MAX_ACCEPTED:
        raise ModelValidationError([Issue("pairs", f"at most {MAX_ACCEPTED} pairs at once")])


def _selected(raw: Any, verdicts: dict[tuple[str, str], Verdict]) -> tuple[Verdict | None, str]:
    """The verdict of one selected pair, or why it cannot be accepted."""
    if not (isinstance(raw, list | tuple) and len(raw) == 2 and all(isinstance(x, str) for x in raw)):
        return None, "must be [source workload, target workload]"
    verdict = verdicts.get((raw[0], raw[1]))
    if verdict is None or not verdict.observed:
        return None, f"{raw[0]} -> {raw[1]} was not observed"
    if verdict.designed:
        return None, f"{raw[0]} -> {raw[1]} is already designed"
    return verdict, ""


def conformance_accept_observed(
    *,
    model: m.ThreatModel,
    pairs: Any,
    base_revision: int,
    user: RequestUser | None,
) -> m.Revision:
    """``pairs``: ``[[source workload, target workload], ...]`` as the conformance verdicts name them."""
    manifests_source = selectors_mesh.latest_mesh_source(model=model, kind=m.MeshSource.Kind.MANIFESTS)
    observation_source = selectors_mesh.latest_mesh_source(model=model, kind=m.MeshSource.Kind.OBSERVATION)
    if manifests_source is None or observation_source is None:
        raise NotFound("accepting observed flows needs attached manifests and an observation")
    _check_selection(pairs)
    snapshot = snapshot_of_model(model=model)
    reach = Reachability(selectors_mesh.manifests_of_source(manifests_source))
    report = conformance(snapshot, reach, selectors_mesh.observation_of_source(observation_source))
    verdicts = {(v.source, v.target): v for v in report.verdicts}
    component_of: dict[str, str] = {}
    for component_id, keys in sorted(map_components(snapshot, reach).items()):
        for key in keys:
            component_of.setdefault(key, component_id)
    taken = {f.id for f in snapshot.flows} | {c.id for c in snapshot.components}
    issues: list[Issue] = []
    changes: list[ElementChange] = []
    seen: set[tuple[str, str]] = set()
    for index, raw in enumerate(pairs):
        path = f"pairs[{index}]"
        verdict, problem = _selected(raw, verdicts)
        if problem:
            issues.append(Issue(path, problem))
            continue
        assert verdict is not None
        pair = (verdict.source, verdict.target)
        if pair in seen:
            continue
        seen.add(pair)
        ends = [component_of.get(end) for end in pair]
        for end, component in zip(pair, ends, strict=True):
            if component is None:
                what = "callers without mesh identity" if end == UNKNOWN else end
                issues.append(Issue(path, f"{what} has no component in the design; add one first"))
        if None in ends:
            continue
        data = _flow_data(verdict, str(ends[0]), str(ends[1]), observation_source)
        change, problems = parse_change(
            {"op": "create", "kind": "flow", "id": _flow_id(*pair, taken), "data": data}, path
        )
        issues.extend(problems)
        if change is not None:
            changes.append(change)
    if issues:
        raise ModelValidationError(issues)
    return changeset_apply(
        model=model,
        user=user,
        base_revision=base_revision,
        changes=changes,
        message=f"Accepted {len(changes)} observed flow(s) from observation #{observation_source.pk}",
    )
