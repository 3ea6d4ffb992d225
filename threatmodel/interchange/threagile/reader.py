"""Reader of Threagile model YAML (the 2020-era v0.9 spellings and the current 1.0 ones).

Reading is all-or-nothing: every problem becomes an ``Issue`` naming its place
(``technical_assets['Apache Webserver'].communication_links['ERP Traffic'].protocol: unknown value 'htp'``) and
one ``ModelValidationError`` lists them all. YAML is loaded with the safe loader under a size, depth and node
limit. ``includes`` are resolved relative to the including file, may not leave the main file's folder, and are
merged the way Threagile merges them (scalars must agree, maps are joined, lists are concatenated), except that a
key defined twice with different content is an error here instead of a silent overwrite.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from threatmodel.interchange.threagile import enums
from threatmodel.interchange.threagile.model import (
    CommunicationLink,
    CustomRisk,
    CustomRiskCategory,
    DataAsset,
    RiskTracking,
    SharedRuntime,
    TechnicalAsset,
    ThreagileModel,
    TrustBoundary,
)
from threatmodel.invariants import Issue, ModelValidationError

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 40
MAX_NODES = 2_000_000
MAX_INCLUDES = 200
_ID = re.compile(r"^[a-zA-Z0-9\-]+$")
_NOT_ID_CHARS = re.compile(r"[^A-Za-z0-9]+")
_MAP_KEYS = (
    "questions",
    "abuse_cases",
    "security_requirements",
    "data_assets",
    "technical_assets",
    "trust_boundaries",
    "shared_runtimes",
    "individual_risk_categories",
    "custom_risk_categories",
    "risk_tracking",
)
_LIST_KEYS = ("tags_available", "contributors")

IncludeLoader = Callable[[str], bytes]


def make_id(value: str) -> str:
    """Threagile's slug: runs of other characters become one hyphen, lower case, trimmed."""
    return _NOT_ID_CHARS.sub("-", value.lower()).strip("- ")


def link_id(source_id: str, title: str) -> str:
    return f"{source_id}>{make_id(title)}"


# -- YAML -----------------------------------------------------------------------------------------------------------
def load_yaml(raw: bytes | str, where: str = "") -> Any:
    """Safe-load one YAML document under the size, depth and node limits."""
    prefix = f"{where}: " if where else ""
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    if len(data) > MAX_FILE_BYTES:
        raise ModelValidationError([Issue(where, f"file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,}")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ModelValidationError([Issue(where, f"file is not UTF-8 text (byte {exc.start})")]) from None
    try:
        document = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        place = f"{prefix}line {mark.line + 1}, column {mark.column + 1}" if mark else where
        raise ModelValidationError([Issue(place, f"invalid YAML: {exc.problem}")]) from None
    except yaml.YAMLError as exc:
        raise ModelValidationError([Issue(where, f"invalid YAML: {exc}")]) from None
    except RecursionError:
        raise ModelValidationError([Issue(where, "document is nested too deeply")]) from None
    _check_shape(document, where)
    return document


def _check_shape(document: Any, where: str) -> None:
    """Depth and node count, counting shared (aliased) nodes each time they are reached."""
    stack: list[tuple[Any, int]] = [(document, 0)]
    nodes = 0
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise ModelValidationError([Issue(where, f"document has more than {MAX_NODES:,} nodes")])
        if depth > MAX_DEPTH:
            raise ModelValidationError([Issue(where, f"document is nested deeper than {MAX_DEPTH} levels")])
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


# -- includes -------------------------------------------------------------------------------------------------------
def resolve_includes(document: Any, where: str, load_include: IncludeLoader | None) -> dict[str, Any]:
    """The document with its ``includes`` (recursively) merged in."""
    if not isinstance(document, dict):
        raise ModelValidationError([Issue(where, "a Threagile model is a mapping at the top level")])
    merged = {k: v for k, v in document.items() if k != "includes"}
    issues: list[Issue] = []
    seen = {where}
    pending = [(str(name), where) for name in _as_list(document.get("includes"))]
    count = 0
    while pending:
        name, parent = pending.pop(0)
        place = f"{parent}: includes {name!r}"
        count += 1
        if count > MAX_INCLUDES:
            raise ModelValidationError([Issue(place, f"more than {MAX_INCLUDES} included files")])
        if load_include is None:
            raise ModelValidationError([Issue(place, "includes cannot be resolved for a model read from memory")])
        if name in seen:  # included twice (or a loop): Threagile merges the same content again; nothing to add
            continue
        seen.add(name)
        try:
            raw = load_include(name)
        except (OSError, ValueError) as exc:
            issues.append(Issue(place, f"cannot read: {exc}"))
            continue
        included = load_yaml(raw, name)
        if included is None:
            continue
        if not isinstance(included, dict):
            issues.append(Issue(name, "an included file is a mapping at the top level"))
            continue
        pending.extend((str(n), name) for n in _as_list(included.get("includes")))
        _merge_into(merged, included, name, issues)
    if issues:
        raise ModelValidationError(issues)
    return merged


def _merge_into(merged: dict[str, Any], included: Mapping[str, Any], name: str, issues: list[Issue]) -> None:
    for key, value in included.items():
        if key == "includes" or value is None:
            continue
        current = merged.get(key)
        if current is None:
            merged[key] = value
        elif key in _MAP_KEYS and isinstance(current, dict) and isinstance(value, dict):
            for sub, item in value.items():
                if sub in current and current[sub] != item:
                    issues.append(Issue(f"{name}: {key}[{sub!r}]", "defined differently in another file"))
                current.setdefault(sub, item)
        elif key in _LIST_KEYS and isinstance(current, list) and isinstance(value, list):
            current.extend(v for v in value if v not in current)
        elif isinstance(current, dict) and isinstance(value, dict):
            for sub, item in value.items():
                if sub in current and current[sub] != item:
                    issues.append(Issue(f"{name}: {key}.{sub}", "differs from the value in another file"))
                current.setdefault(sub, item)
        elif current != value:
            issues.append(Issue(f"{name}: {key}", f"differs from the value in another file ({current!r})"))


def file_include_loader(main_file: Path) -> IncludeLoader:
    """Read includes relative to the main file's folder; paths leaving that folder are refused."""
    root = main_file.resolve().parent

    def load(name: str) -> bytes:
        path = (root / name).resolve()
        if not path.is_relative_to(root):
            raise ValueError("the path leaves the model's folder")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ValueError(f"larger than {MAX_FILE_BYTES:,} bytes")
        return path.read_bytes()

    return load


# -- values ---------------------------------------------------------------------------------------------------------
def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class _Reader:
    """Converts the merged document, collecting issues."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def issue(self, where: str, message: str) -> None:
        self.issues.append(Issue(where, message))

    def enum(self, value: Any, values: tuple[str, ...], where: str) -> str:
        if value is None or value == "":
            return values[0]
        if isinstance(value, bool):
            self.issue(where, f"expected one of {', '.join(values)}; got {value!r}")
            return values[0]
        if isinstance(value, int):
            if 0 <= value < len(values):
                return values[value]
            self.issue(where, f"integer {value} is out of range 0..{len(values) - 1}")
            return values[0]
        text = enums.OLD_SPELLINGS.get(str(value).strip(), str(value).strip())
        if text not in values:
            self.issue(where, f"unknown value {value!r}; expected one of {', '.join(values)}")
            return values[0]
        return text

    def ordinal(self, value: Any, values: tuple[str, ...], where: str) -> int:
        return values.index(self.enum(value, values, where))

    def text(self, value: Any, where: str, default: str = "") -> str:
        if value is None:
            return default
        if isinstance(value, dict | list):
            self.issue(where, "expected text")
            return default
        return str(value) if str(value).strip() else default

    def flag(self, value: Any, where: str) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            self.issue(where, f"expected true or false; got {value!r}")
            return False
        return value

    def integer(self, value: Any, where: str, default: int = 0) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.issue(where, f"expected an integer; got {value!r}")
            return default
        return int(value)

    def strings(self, value: Any, where: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.issue(where, "expected a list")
            return ()
        return tuple(str(v) for v in value if v is not None)

    def tags(self, value: Any, where: str) -> tuple[str, ...]:
        return tuple(t.strip().lower() for t in self.strings(value, where))

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.issue(where, "expected a mapping")
            return {}
        return {str(k): v for k, v in value.items()}

    def ident(self, value: Any, where: str) -> str:
        text = "" if value is None else str(value).strip()
        if not _ID.match(text):
            self.issue(f"{where}.id", f"invalid id {text!r} (only letters, digits and hyphens)")
        return text


def _data_asset(r: _Reader, title: str, raw: Any) -> DataAsset:
    where = f"data_assets[{title!r}]"
    item = r.mapping(raw, where)
    return DataAsset(
        id=r.ident(item.get("id"), where),
        title=title,
        description=r.text(item.get("description"), f"{where}.description", title).strip() or title,
        usage=r.enum(item.get("usage"), enums.USAGE, f"{where}.usage"),
        tags=r.tags(item.get("tags"), f"{where}.tags"),
        origin=r.text(item.get("origin"), f"{where}.origin"),
        owner=r.text(item.get("owner"), f"{where}.owner"),
        quantity=r.ordinal(item.get("quantity"), enums.QUANTITY, f"{where}.quantity"),
        confidentiality=r.ordinal(item.get("confidentiality"), enums.CONFIDENTIALITY, f"{where}.confidentiality"),
        integrity=r.ordinal(item.get("integrity"), enums.CRITICALITY, f"{where}.integrity"),
        availability=r.ordinal(item.get("availability"), enums.CRITICALITY, f"{where}.availability"),
        justification_cia_rating=r.text(item.get("justification_cia_rating"), where),
    )


def _link(r: _Reader, source_id: str, title: str, raw: Any, where: str) -> CommunicationLink:
    item = r.mapping(raw, where)
    weight = r.integer(item.get("diagram_tweak_weight"), f"{where}.diagram_tweak_weight")
    return CommunicationLink(
        id=link_id(source_id, title),
        source_id=source_id,
        target_id=r.text(item.get("target"), f"{where}.target").strip(),
        title=title,
        description=r.text(item.get("description"), f"{where}.description", title).strip() or title,
        protocol=r.enum(item.get("protocol"), enums.PROTOCOL, f"{where}.protocol"),
        authentication=r.enum(item.get("authentication"), enums.AUTHENTICATION, f"{where}.authentication"),
        authorization=r.enum(item.get("authorization"), enums.AUTHORIZATION, f"{where}.authorization"),
        tags=r.tags(item.get("tags"), f"{where}.tags"),
        vpn=r.flag(item.get("vpn"), f"{where}.vpn"),
        ip_filtered=r.flag(item.get("ip_filtered"), f"{where}.ip_filtered"),
        readonly=r.flag(item.get("readonly"), f"{where}.readonly"),
        usage=r.enum(item.get("usage"), enums.USAGE, f"{where}.usage"),
        data_assets_sent=r.strings(item.get("data_assets_sent"), f"{where}.data_assets_sent"),
        data_assets_received=r.strings(item.get("data_assets_received"), f"{where}.data_assets_received"),
        diagram_tweak_weight=weight if weight > 0 else 1,
        diagram_tweak_constraint=not r.flag(item.get("diagram_tweak_constraint"), f"{where}.diagram_tweak_constraint"),
    )


def _technology(r: _Reader, value: Any, where: str) -> str:
    if isinstance(value, str):
        value = enums.TECHNOLOGY_ALIASES.get(value.strip().lower(), value)
    return r.enum(value, enums.TECHNOLOGY, where)


def _technologies(r: _Reader, item: Mapping[str, Any], where: str) -> tuple[str, ...]:
    if item.get("technologies") is not None:
        names = r.strings(item.get("technologies"), f"{where}.technologies")
        found = tuple(_technology(r, n, f"{where}.technologies[{i}]") for i, n in enumerate(names))
        return tuple(dict.fromkeys(found)) or (enums.TECHNOLOGY[0],)
    return (_technology(r, item.get("technology"), f"{where}.technology"),)


def _technical_asset(r: _Reader, title: str, raw: Any) -> TechnicalAsset:
    where = f"technical_assets[{title!r}]"
    item = r.mapping(raw, where)
    asset_id = r.ident(item.get("id"), where)
    links_raw = r.mapping(item.get("communication_links"), f"{where}.communication_links")
    links = tuple(
        _link(r, asset_id, link_title, link_raw, f"{where}.communication_links[{link_title!r}]")
        for link_title, link_raw in links_raw.items()
    )
    formats = r.strings(item.get("data_formats_accepted"), f"{where}.data_formats_accepted")
    return TechnicalAsset(
        id=asset_id,
        title=title,
        description=r.text(item.get("description"), f"{where}.description", title).strip() or title,
        usage=r.enum(item.get("usage"), enums.USAGE, f"{where}.usage"),
        type=r.enum(item.get("type"), enums.ASSET_TYPE, f"{where}.type"),
        size=r.enum(item.get("size"), enums.ASSET_SIZE, f"{where}.size"),
        technologies=_technologies(r, item, where),
        machine=r.enum(item.get("machine"), enums.MACHINE, f"{where}.machine"),
        internet=r.flag(item.get("internet"), f"{where}.internet"),
        multi_tenant=r.flag(item.get("multi_tenant"), f"{where}.multi_tenant"),
        redundant=r.flag(item.get("redundant"), f"{where}.redundant"),
        custom_developed_parts=r.flag(item.get("custom_developed_parts"), f"{where}.custom_developed_parts"),
        out_of_scope=r.flag(item.get("out_of_scope"), f"{where}.out_of_scope"),
        used_as_client_by_human=r.flag(item.get("used_as_client_by_human"), f"{where}.used_as_client_by_human"),
        encryption=r.enum(item.get("encryption"), enums.ENCRYPTION, f"{where}.encryption"),
        justification_out_of_scope=r.text(item.get("justification_out_of_scope"), where),
        owner=r.text(item.get("owner"), f"{where}.owner"),
        confidentiality=r.ordinal(item.get("confidentiality"), enums.CONFIDENTIALITY, f"{where}.confidentiality"),
        integrity=r.ordinal(item.get("integrity"), enums.CRITICALITY, f"{where}.integrity"),
        availability=r.ordinal(item.get("availability"), enums.CRITICALITY, f"{where}.availability"),
        justification_cia_rating=r.text(item.get("justification_cia_rating"), where),
        tags=r.tags(item.get("tags"), f"{where}.tags"),
        data_assets_processed=r.strings(item.get("data_assets_processed"), f"{where}.data_assets_processed"),
        data_assets_stored=r.strings(item.get("data_assets_stored"), f"{where}.data_assets_stored"),
        data_formats_accepted=tuple(
            r.enum(f, enums.DATA_FORMAT, f"{where}.data_formats_accepted[{i}]") for i, f in enumerate(formats)
        ),
        communication_links=links,
        diagram_tweak_order=r.integer(item.get("diagram_tweak_order"), f"{where}.diagram_tweak_order"),
    )


def _trust_boundary(r: _Reader, title: str, raw: Any) -> TrustBoundary:
    where = f"trust_boundaries[{title!r}]"
    item = r.mapping(raw, where)
    return TrustBoundary(
        id=r.ident(item.get("id"), where),
        title=title,
        description=r.text(item.get("description"), f"{where}.description", title).strip() or title,
        type=r.enum(item.get("type"), enums.BOUNDARY_TYPE, f"{where}.type"),
        tags=r.tags(item.get("tags"), f"{where}.tags"),
        technical_assets_inside=r.strings(item.get("technical_assets_inside"), f"{where}.technical_assets_inside"),
        trust_boundaries_nested=r.strings(item.get("trust_boundaries_nested"), f"{where}.trust_boundaries_nested"),
    )


def _shared_runtime(r: _Reader, title: str, raw: Any) -> SharedRuntime:
    where = f"shared_runtimes[{title!r}]"
    item = r.mapping(raw, where)
    return SharedRuntime(
        id=r.ident(item.get("id"), where),
        title=title,
        description=r.text(item.get("description"), f"{where}.description", title).strip() or title,
        tags=r.tags(item.get("tags"), f"{where}.tags"),
        technical_assets_running=r.strings(item.get("technical_assets_running"), f"{where}.technical_assets_running"),
    )


def _custom_risk(r: _Reader, title: str, raw: Any, where: str) -> CustomRisk:
    item = r.mapping(raw, where)

    def ref(key: str) -> str:
        return r.text(item.get(key), f"{where}.{key}").strip()

    return CustomRisk(
        title=title,
        severity=r.enum(item.get("severity") or "medium", enums.SEVERITY, f"{where}.severity"),
        exploitation_likelihood=r.enum(
            item.get("exploitation_likelihood") or "likely", enums.LIKELIHOOD, f"{where}.exploitation_likelihood"
        ),
        exploitation_impact=r.enum(
            item.get("exploitation_impact") or "medium", enums.IMPACT, f"{where}.exploitation_impact"
        ),
        data_breach_probability=r.enum(
            item.get("data_breach_probability") or "possible",
            enums.DATA_BREACH_PROBABILITY,
            f"{where}.data_breach_probability",
        ),
        data_breach_technical_assets=r.strings(
            item.get("data_breach_technical_assets"), f"{where}.data_breach_technical_assets"
        ),
        most_relevant_data_asset=ref("most_relevant_data_asset"),
        most_relevant_technical_asset=ref("most_relevant_technical_asset"),
        most_relevant_communication_link=ref("most_relevant_communication_link"),
        most_relevant_trust_boundary=ref("most_relevant_trust_boundary"),
        most_relevant_shared_runtime=ref("most_relevant_shared_runtime"),
    )


def _custom_category(r: _Reader, title: str, raw: Any, key: str) -> CustomRiskCategory:
    where = f"{key}[{title!r}]"
    item = r.mapping(raw, where)
    risks = r.mapping(item.get("risks_identified"), f"{where}.risks_identified")
    return CustomRiskCategory(
        id=r.ident(item.get("id"), where),
        title=title,
        description=r.text(item.get("description"), f"{where}.description", title).strip() or title,
        impact=r.text(item.get("impact"), f"{where}.impact"),
        asvs=r.text(item.get("asvs"), f"{where}.asvs"),
        cheat_sheet=r.text(item.get("cheat_sheet"), f"{where}.cheat_sheet"),
        action=r.text(item.get("action"), f"{where}.action"),
        mitigation=r.text(item.get("mitigation"), f"{where}.mitigation"),
        check=r.text(item.get("check"), f"{where}.check"),
        function=r.enum(item.get("function"), enums.RISK_FUNCTION, f"{where}.function"),
        stride=r.enum(item.get("stride"), enums.STRIDE, f"{where}.stride"),
        detection_logic=r.text(item.get("detection_logic"), f"{where}.detection_logic"),
        risk_assessment=r.text(item.get("risk_assessment"), f"{where}.risk_assessment"),
        false_positives=r.text(item.get("false_positives"), f"{where}.false_positives"),
        model_failure_possible_reason=r.flag(
            item.get("model_failure_possible_reason"), f"{where}.model_failure_possible_reason"
        ),
        cwe=r.integer(item.get("cwe"), f"{where}.cwe"),
        risks_identified=tuple(_custom_risk(r, t, v, f"{where}.risks_identified[{t!r}]") for t, v in risks.items()),
    )


def _custom_categories(r: _Reader, raw: Any, key: str) -> tuple[CustomRiskCategory, ...]:
    """v0.9 writes a map from title to category; 1.0 a list of categories that carry their ``title``."""
    if isinstance(raw, list):
        items = [r.mapping(v, f"{key}[{i}]") for i, v in enumerate(raw)]
        return tuple(_custom_category(r, str(v.get("title") or v.get("id") or ""), v, key) for v in items)
    return tuple(_custom_category(r, t, v, key) for t, v in r.mapping(raw, key).items())


def _risk_tracking(r: _Reader, risk_id: str, raw: Any) -> RiskTracking:
    where = f"risk_tracking[{risk_id!r}]"
    item = r.mapping(raw, where)
    if not item.get("status"):
        r.issue(f"{where}.status", "missing")
    return RiskTracking(
        synthetic_risk_id=risk_id.strip(),
        status=r.enum(item.get("status"), enums.RISK_STATUS, f"{where}.status"),
        justification=r.text(item.get("justification"), where),
        ticket=r.text(item.get("ticket"), where),
        date=r.text(item.get("date"), f"{where}.date"),
        checked_by=r.text(item.get("checked_by"), where),
    )


def build_model(document: Mapping[str, Any]) -> ThreagileModel:
    """A merged document -> ``ThreagileModel``; raises ``ModelValidationError`` listing every issue."""
    from threatmodel.interchange.threagile.checks import reference_issues

    r = _Reader()
    known = set(document)
    custom_key = "custom_risk_categories" if "custom_risk_categories" in known else "individual_risk_categories"
    tweaks = {k: v for k, v in document.items() if k.startswith("diagram_tweak_")}
    model = ThreagileModel(
        title=r.text(document.get("title"), "title"),
        threagile_version=r.text(document.get("threagile_version"), "threagile_version"),
        author={k: str(v) for k, v in r.mapping(document.get("author"), "author").items() if v is not None},
        contributors=tuple(
            {k: str(v) for k, v in r.mapping(c, f"contributors[{i}]").items() if v is not None}
            for i, c in enumerate(_as_list(document.get("contributors")))
        ),
        date=r.text(document.get("date"), "date"),
        business_criticality=r.enum(document.get("business_criticality"), enums.CRITICALITY, "business_criticality"),
        management_summary_comment=r.text(document.get("management_summary_comment"), "management_summary_comment"),
        application_description=r.mapping(document.get("application_description"), "application_description"),
        business_overview=r.mapping(document.get("business_overview"), "business_overview"),
        technical_overview=r.mapping(document.get("technical_overview"), "technical_overview"),
        questions={
            k: "" if v is None else str(v) for k, v in r.mapping(document.get("questions"), "questions").items()
        },
        abuse_cases={k: str(v or "") for k, v in r.mapping(document.get("abuse_cases"), "abuse_cases").items()},
        security_requirements={
            k: str(v or "")
            for k, v in r.mapping(document.get("security_requirements"), "security_requirements").items()
        },
        tags_available=r.tags(document.get("tags_available"), "tags_available"),
        data_assets=tuple(
            _data_asset(r, t, v) for t, v in r.mapping(document.get("data_assets"), "data_assets").items()
        ),
        technical_assets=tuple(
            _technical_asset(r, t, v)
            for t, v in r.mapping(document.get("technical_assets"), "technical_assets").items()
        ),
        trust_boundaries=tuple(
            _trust_boundary(r, t, v) for t, v in r.mapping(document.get("trust_boundaries"), "trust_boundaries").items()
        ),
        shared_runtimes=tuple(
            _shared_runtime(r, t, v) for t, v in r.mapping(document.get("shared_runtimes"), "shared_runtimes").items()
        ),
        custom_risk_categories=_custom_categories(r, document.get(custom_key), custom_key),
        risk_tracking=tuple(
            _risk_tracking(r, k, v) for k, v in r.mapping(document.get("risk_tracking"), "risk_tracking").items()
        ),
        diagram_tweaks=tweaks,
    )
    issues = r.issues + reference_issues(model)
    if issues:
        raise ModelValidationError(issues)
    return model


def read_threagile(
    raw: bytes | str, filename: str = "model.yaml", load_include: IncludeLoader | None = None
) -> ThreagileModel:
    """Bytes of a Threagile YAML file (plus a way to read its includes) -> ``ThreagileModel``."""
    document = load_yaml(raw, filename)
    return build_model(resolve_includes(document, filename, load_include))


def read_threagile_file(path: Path | str) -> ThreagileModel:
    """Read a Threagile model file from disk, resolving ``includes`` beside it."""
    main = Path(path)
    return read_threagile(main.read_bytes(), main.name, file_include_loader(main))
