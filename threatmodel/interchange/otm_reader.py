"""Open Threat Model (OTM 0.2.0) reader. Pure Python. The mapping, and the writer whose ``trustmap:`` attributes
a Trustmap export read back is taken from, are in :mod:`threatmodel.interchange.otm`.

A foreign file has none of the security facts the engine reads: it imports with the native defaults, and the
result lists each assumption made.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from threatmodel.interchange import native
from threatmodel.interchange.base import (
    ForeignThreat,
    IdAllocator,
    ImportResult,
    clean_tags,
    guess_kind,
    line_index,
    list_of,
    locations_for,
    mapping_of,
    name_of,
    number_of,
    refuse,
    text_of,
    triage_from_attributes,
)
from threatmodel.interchange.foreign_threats import with_foreign_threats
from threatmodel.interchange.otm import NS
from threatmodel.interchange.schema import FORMAT_NAME, FORMAT_VERSION
from threatmodel.invariants import Issue
from threatmodel.vocabulary import BoundaryKind, Classification, ComponentKind, Rating, TrustLevel


def _split(attributes: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(our ``trustmap:`` facts without the prefix, the other attributes)."""
    ours: dict[str, Any] = {}
    rest: dict[str, Any] = {}
    for key, value in attributes.items():
        if not isinstance(key, str):
            continue
        if key.startswith(NS):
            ours[key[len(NS) :]] = value
        else:
            rest[key] = value
    return ours, rest


T = TypeVar("T")


def _band(value: float, bands: tuple[tuple[float, T], ...], last: T) -> T:
    for limit, result in bands:
        if value <= limit:
            return result
    return last


def trust_of_rating(rating: float) -> TrustLevel:
    return _band(rating, ((25, TrustLevel.UNTRUSTED), (50, TrustLevel.LOW), (75, TrustLevel.MEDIUM)), TrustLevel.HIGH)


def rating_of_number(number: float) -> Rating:
    return _band(number, ((25, Rating.LOW), (50, Rating.MEDIUM), (75, Rating.HIGH)), Rating.CRITICAL)


def _position(representations: Any, path: str) -> dict[str, float] | None:
    for index, item in enumerate(list_of(representations, path)):
        item = mapping_of(item, f"{path}[{index}]")
        position = item.get("position")
        if isinstance(position, Mapping):
            x = number_of(position.get("x"), f"{path}[{index}].position.x")
            y = number_of(position.get("y"), f"{path}[{index}].position.y")
            if x is not None and y is not None:
                return {"x": x, "y": y}
    return None


_THREAT_STATES = {
    "mitigated": "mitigated",
    "implemented": "mitigated",
    "accepted": "accepted",
    "retained": "accepted",
    "transferred": "accepted",
    "not-applicable": "not-applicable",
    "notapplicable": "not-applicable",
    "na": "not-applicable",
    "n/a": "not-applicable",
}


def _severity_of_impact(impact: float | None) -> str:
    if impact is None:
        return ""
    return _band(impact, ((0, "info"), (39, "low"), (69, "medium"), (89, "high")), "critical")


class _Reader:
    """One OTM document -> a native document, the assumptions and the threats."""

    def __init__(self, document: Mapping[str, Any], filename: str) -> None:
        self.doc = document
        self.filename = filename
        self.ids = IdAllocator()
        self.assumptions: list[Issue] = []
        self.threats: list[ForeignThreat] = []
        self.foreign_of: dict[str, str] = {}
        project = mapping_of(document.get("project"), "project")
        self.project = project
        self.ours, self.project_rest = _split(mapping_of(project.get("attributes"), "project.attributes"))
        self.foreign = self.ours.get("format") != 1
        self.threat_defs: dict[str, Mapping[str, Any]] = {}
        self.mitigation_defs: dict[str, Mapping[str, Any]] = {}
        self.synthetic: set[str] = set()
        self.parent_of_component: dict[str, Mapping[str, Any]] = {}

    def assume(self, path: str, message: str) -> None:
        self.assumptions.append(Issue(path, message))

    def _allocate(self, namespace: str, items: list[Any], path: str) -> list[tuple[int, Mapping[str, Any], str]]:
        out = []
        for index, raw in enumerate(items):
            item = mapping_of(raw, f"{path}[{index}]")
            foreign_id = text_of(item.get("id"), f"{path}[{index}].id", limit=512, required=True)
            if self.ids.get(namespace, foreign_id) is not None:
                raise refuse(f"{path}[{index}].id", f"duplicate id {foreign_id!r}")
            native_id = self.ids.allocate(namespace, foreign_id, text_of(item.get("name"), f"{path}[{index}].name"))
            self.foreign_of[native_id] = foreign_id
            out.append((index, item, native_id))
        return out

    def read(self) -> dict[str, Any]:
        version = text_of(self.doc.get("otmVersion"), "otmVersion", required=True)
        if not version.startswith("0."):
            raise refuse("otmVersion", f"unsupported OTM version {version!r}; this version reads 0.1 and 0.2")
        if not self.project:
            raise refuse("project", "is required")
        self._definitions()
        zones = self._allocate("zone", list_of(self.doc.get("trustZones"), "trustZones"), "trustZones")
        assets = self._allocate("asset", list_of(self.doc.get("assets"), "assets"), "assets")
        components = self._allocate("component", list_of(self.doc.get("components"), "components"), "components")
        flows = self._allocate("flow", list_of(self.doc.get("dataflows"), "dataflows"), "dataflows")
        self.synthetic = {
            nid
            for i, item, nid in zones
            if _split(mapping_of(item.get("attributes"), f"trustZones[{i}]"))[0].get("synthetic")
        }
        self.parent_of_component = {
            nid: mapping_of(item.get("parent"), f"components[{i}].parent") for i, item, nid in components
        }
        document: dict[str, Any] = {
            FORMAT_NAME: FORMAT_VERSION,
            "model": self._model(),
            "boundaries": [self._boundary(i, item, nid) for i, item, nid in zones if nid not in self.synthetic],
            "data_assets": [self._asset(i, item, nid) for i, item, nid in assets],
            "components": [self._component(i, item, nid) for i, item, nid in components],
            "flows": [self._flow(i, item, nid) for i, item, nid in flows],
        }
        for collection in ("identities", "grants", "controls", "threats"):
            document[collection] = list_of(self.ours.get(collection), f"project.attributes.{NS}{collection}")
        if self.foreign and (components or flows):
            self.assume(
                "",
                "the file records no security facts (OTM has no field for them): the authentication of every "
                "component and flow and the encryption and authorization of every flow are left unspecified "
                "(judged as the weakest plausible value and counted as missing in the coverage), logging basic, "
                "every flow with protocol https. Set them in Trustmap, or as trustmap: attributes.",
            )
        return document

    def _definitions(self) -> None:
        for name, target in (("threats", self.threat_defs), ("mitigations", self.mitigation_defs)):
            for index, raw in enumerate(list_of(self.doc.get(name), name)):
                item = mapping_of(raw, f"{name}[{index}]")
                target[text_of(item.get("id"), f"{name}[{index}].id", required=True)] = item

    def _model(self) -> dict[str, Any]:
        name = name_of(self.project.get("name"), "project.name", "Imported OTM model")
        description = text_of(self.project.get("description"), "project.description")
        attributes = dict(self.project_rest)
        for key in ("owner", "ownerContact", "id"):
            if self.project.get(key) and self.foreign:
                attributes[f"otm:{key}"] = text_of(self.project.get(key), f"project.{key}")
        model: dict[str, Any] = {
            "name": name,
            "description": description,
            "tags": clean_tags(list_of(self.project.get("tags"), "project.tags")),
            "attributes": attributes,
        }
        if "business_criticality" in self.ours:
            model["business_criticality"] = self.ours["business_criticality"]
        elif self.foreign:
            self.assume("project", "business criticality not recorded: assumed important")
        return model

    def _element(
        self, nid: str, item: Mapping[str, Any], path: str, kind: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        ours, rest = _split(mapping_of(item.get("attributes"), f"{path}.attributes"))
        out: dict[str, Any] = {"id": nid}
        if kind != "flow":
            out["name"] = name_of(item.get("name"), f"{path}.name", nid)
        out["description"] = text_of(item.get("description"), f"{path}.description")
        if self.foreign:
            out["foreign_id"] = self.foreign_of[nid][:512]
            if isinstance(item.get("properties"), Mapping) and len(json.dumps(item["properties"])) < 8000:
                rest["otm:properties"] = item["properties"]
        out.update(ours)
        out["attributes"] = rest
        return out, ours

    def _boundary(self, index: int, item: Mapping[str, Any], nid: str) -> dict[str, Any]:
        path = f"trustZones[{index}]"
        out, ours = self._element(nid, item, path, "boundary")
        parent = mapping_of(item.get("parent"), f"{path}.parent")
        if parent.get("trustZone") is not None:
            out["parent"] = self._ref("zone", parent["trustZone"], f"{path}.parent.trustZone")
        elif parent.get("component") is not None:
            component = self._ref("component", parent["component"], f"{path}.parent.component")
            out["parent"] = self._zone_of_component(component, f"{path}.parent.component")
            out["attributes"]["otm:parentComponent"] = component
        if out.get("parent") in self.synthetic:
            out["parent"] = None
        if "trust_level" not in ours:
            risk = mapping_of(item.get("risk"), f"{path}.risk")
            rating = number_of(risk.get("trustRating"), f"{path}.risk.trustRating")
            if rating is not None:  # no rating: the trust level stays unspecified
                level = trust_of_rating(rating)
                out["trust_level"] = level.value
                self.assume(f"{path}.risk.trustRating", f"trust rating {rating} read as trust level {level.value}")
        if "kind" not in ours:
            kind = BoundaryKind.INTERNET if "internet" in out["name"].lower() else BoundaryKind.NETWORK_ZONE
            out["kind"] = kind.value
            if item.get("type"):
                out["attributes"]["otm:type"] = text_of(item.get("type"), f"{path}.type")
        position = _position(item.get("representations"), f"{path}.representations")
        if position and "position" not in out:
            out["position"] = position
        return out

    def _ref(self, namespace: str, foreign: Any, path: str) -> str:
        native_id = self.ids.get(namespace, foreign) if isinstance(foreign, str) else None
        if native_id is None:
            label = {"zone": "trust zone", "component": "component", "asset": "asset"}[namespace]
            raise refuse(path, f"unknown {label} {foreign!r}")
        return native_id

    def _zone_of_component(self, component: str, path: str) -> str | None:
        seen: set[str] = set()
        current = component
        while current not in seen:
            seen.add(current)
            parent = self.parent_of_component[current]
            if parent.get("trustZone") is not None:
                zone = self._ref("zone", parent["trustZone"], path)
                return None if zone in self.synthetic else zone
            if parent.get("component") is None:
                return None
            current = self._ref("component", parent["component"], path)
        raise refuse(path, "components nest in a cycle")

    def _component(self, index: int, item: Mapping[str, Any], nid: str) -> dict[str, Any]:
        path = f"components[{index}]"
        out, ours = self._element(nid, item, path, "component")
        out["tags"] = clean_tags(list_of(item.get("tags"), f"{path}.tags"))
        parent = self.parent_of_component[nid]
        if "boundary" not in ours:
            if parent.get("trustZone") is not None:
                zone = self._ref("zone", parent["trustZone"], f"{path}.parent.trustZone")
                out["boundary"] = None if zone in self.synthetic else zone
            elif parent.get("component") is not None:
                parent_id = self._ref("component", parent["component"], f"{path}.parent.component")
                out["boundary"] = self._zone_of_component(parent_id, f"{path}.parent.component")
        if parent.get("component") is not None:
            out["attributes"]["otm:parentComponent"] = self._ref(
                "component", parent["component"], f"{path}.parent.component"
            )
        if "kind" not in ours:
            otm_type = text_of(item.get("type"), f"{path}.type")
            kind = guess_kind(otm_type, out["name"], " ".join(out["tags"]))
            out["kind"] = (kind or ComponentKind.SERVICE).value
            out["attributes"]["otm:type"] = otm_type
            self.assume(
                f"{path}.type",
                f"type {otm_type!r} read as kind {out['kind']}" + ("" if kind else " (nothing in it said otherwise)"),
            )
        assets = mapping_of(item.get("assets"), f"{path}.assets")
        for key, field in (("processed", "data_processed"), ("stored", "data_stored")):
            refs = list_of(assets.get(key), f"{path}.assets.{key}")
            out[field] = list(
                dict.fromkeys(self._ref("asset", r, f"{path}.assets.{key}[{i}]") for i, r in enumerate(refs) if r)
            )
        position = _position(item.get("representations"), f"{path}.representations")
        if position and "position" not in out:
            out["position"] = position
        self._threat_instances(item.get("threats"), f"{path}.threats", nid)
        return out

    def _flow(self, index: int, item: Mapping[str, Any], nid: str) -> dict[str, Any]:
        path = f"dataflows[{index}]"
        out, ours = self._element(nid, item, path, "flow")
        if "name" not in ours:
            out["name"] = name_of(item.get("name"), f"{path}.name", "")
        out["source"] = self._ref("component", item.get("source"), f"{path}.source")
        out["target"] = self._ref("component", item.get("destination"), f"{path}.destination")
        out["bidirectional"] = item.get("bidirectional") is True
        out["tags"] = clean_tags(list_of(item.get("tags"), f"{path}.tags"))
        refs = list_of(item.get("assets"), f"{path}.assets")
        out["data_assets"] = list(
            dict.fromkeys(self._ref("asset", r, f"{path}.assets[{i}]") for i, r in enumerate(refs) if r)
        )
        self._threat_instances(item.get("threats"), f"{path}.threats", nid)
        return out

    def _asset(self, index: int, item: Mapping[str, Any], nid: str) -> dict[str, Any]:
        path = f"assets[{index}]"
        out, ours = self._element(nid, item, path, "data_asset")
        risk = mapping_of(item.get("risk"), f"{path}.risk")
        for key in ("confidentiality", "integrity", "availability"):
            if key in ours:
                continue
            number = number_of(risk.get(key), f"{path}.risk.{key}")
            out[key] = (rating_of_number(number) if number is not None else Rating.MEDIUM).value
        if "classification" not in ours and risk.get("confidentiality") is not None:  # else: unclassified
            classification = {
                Rating.CRITICAL.value: Classification.RESTRICTED,
                Rating.HIGH.value: Classification.CONFIDENTIAL,
                Rating.MEDIUM.value: Classification.INTERNAL,
                Rating.LOW.value: Classification.PUBLIC,
            }[out["confidentiality"]]
            out["classification"] = classification.value
            self.assume(
                f"{path}.risk.confidentiality",
                f"classification {classification.value} derived from confidentiality {out['confidentiality']}",
            )
        return out

    def _threat_instances(self, raw: Any, path: str, element: str) -> None:
        for index, entry in enumerate(list_of(raw, path)):
            entry = mapping_of(entry, f"{path}[{index}]")
            threat_id = text_of(entry.get("threat"), f"{path}[{index}].threat", required=True)
            definition = self.threat_defs.get(threat_id, {})
            state = text_of(entry.get("state"), f"{path}[{index}].state")
            mitigations = []
            for m_index, m in enumerate(list_of(entry.get("mitigations"), f"{path}[{index}].mitigations")):
                m = mapping_of(m, f"{path}[{index}].mitigations[{m_index}]")
                m_def = self.mitigation_defs.get(str(m.get("mitigation")), {})
                label = text_of(m_def.get("name"), "mitigations.name") or str(m.get("mitigation"))
                mitigations.append(f"{label} ({m.get('state') or 'unknown'})")
            risk = mapping_of(definition.get("risk"), f"threats[{threat_id!r}].risk")
            categories = list_of(definition.get("categories"), f"threats[{threat_id!r}].categories")
            self.threats.append(
                ForeignThreat(
                    id=f"{threat_id}@{element}",
                    title=name_of(definition.get("name"), f"threats[{threat_id!r}].name", threat_id),
                    element=element,
                    status=_THREAT_STATES.get(state.lower(), "open"),
                    severity=_severity_of_impact(number_of(risk.get("impact"), f"threats[{threat_id!r}].risk")),
                    category=str(categories[0]) if categories else "",
                    description=text_of(definition.get("description"), f"threats[{threat_id!r}].description"),
                    mitigation="; ".join(mitigations)[:10_000],
                    source_status=state,
                )
            )


def read_result(document: Any, text: str, filename: str, known_controls: frozenset[str] | None) -> ImportResult:
    if not isinstance(document, Mapping):
        raise refuse("", "an OTM file must be an object at the top level")
    reader = _Reader(document, filename)
    try:
        native_document = reader.read()
    except RecursionError:
        raise refuse("", "document is nested too deeply") from None
    snapshot = native.snapshot_from_document(native_document, known_controls=known_controls)
    ours = {t.id for t in snapshot.threats}  # a Trustmap export read back: its instances are these threats
    snapshot = with_foreign_threats(snapshot, [t for t in reader.threats if t.id.rsplit("@", 1)[0] not in ours])
    lines = line_index(text)
    located = locations_for(filename, lines, reader.foreign_of, snapshot.element_by_id)
    return ImportResult(
        format="otm",
        snapshot=snapshot,
        assumptions=tuple(reader.assumptions),
        locations=located,
        threats=tuple(reader.threats),
        triage=triage_from_attributes(snapshot.info.attributes, "project.attributes"),
    )
