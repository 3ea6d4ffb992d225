"""What every format reader returns, and the helpers the foreign-format readers share.

Pure Python. A reader turns the bytes of one file into an :class:`ImportResult`: the snapshot, what it had
to assume because the file did not say (a foreign file has no authentication facts, for example), the line
of every element in the file (SARIF results and error messages point there), and the threats the other
tool recorded (kept as data: the domain has no manual threats yet).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from threatmodel.domain import ModelInfo, Snapshot
from threatmodel.interchange.schema import ID_PATTERN, MAX_NAME, MAX_TEXT
from threatmodel.invariants import Issue, ModelValidationError
from threatmodel.vocabulary import ComponentKind

_ID_RE = re.compile(ID_PATTERN)


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """Where an element is declared: the file as given and a 1-based line."""

    file: str
    line: int


@dataclass(frozen=True, slots=True)
class ForeignThreat:
    """A threat another tool recorded on an element (Threat Dragon, OTM, the Threat Modeling Tool)."""

    id: str
    title: str
    element: str | None  # the native id of the element it is about (None: the whole model)
    status: str  # open | mitigated | accepted | not-applicable (normalised), see ``THREAT_STATUSES``
    severity: str = ""  # critical | high | medium | low | info | "" (not rated)
    category: str = ""  # STRIDE category or the tool's own
    description: str = ""
    mitigation: str = ""
    justification: str = ""
    source_status: str = ""  # the status exactly as the file wrote it


THREAT_STATUSES = ("open", "mitigated", "accepted", "not-applicable")


@dataclass(frozen=True, slots=True)
class FileTriage:
    """A triage decision recorded in the model file (``model.attributes.triage``) about one finding."""

    fingerprint: str
    status: str  # accepted | mitigated | false_positive | open
    justification: str = ""


TRIAGE_STATUSES = ("open", "accepted", "mitigated", "false_positive")


class ImportResult:
    """One file read: the model, what was assumed, where each element is, and the file's own threats.

    ``snapshot`` may be given as the function that builds it, together with ``info`` (the model's own fields):
    the native reader does so, since creating a model from the file takes only the info and ``element_dicts``,
    and building every frozen element of a large file for nothing was a large share of its import
    (benchmarks/NOTES.md)."""

    def __init__(
        self,
        format: str,
        snapshot: Snapshot | Callable[[], Snapshot],
        assumptions: tuple[Issue, ...] = (),
        locations: Mapping[str, SourceLocation] | None = None,
        threats: tuple[ForeignThreat, ...] = (),
        triage: tuple[FileTriage, ...] = (),
        element_dicts: Mapping[str, list[dict[str, Any]]] | None = None,
        info: ModelInfo | None = None,
    ) -> None:
        self.format = format
        self.assumptions = assumptions
        self.locations: Mapping[str, SourceLocation] = locations if locations is not None else {}
        self.threats = threats
        self.triage = triage
        #: the snapshot's elements as full native dicts by collection (``canonical_collections``), when the reader
        #: has them at hand: a model created from the file stores these instead of writing the snapshot out again
        self.element_dicts = element_dicts
        if isinstance(snapshot, Snapshot):
            self._snapshot: Snapshot | None = snapshot
            self._build: Callable[[], Snapshot] | None = None
            self.info: ModelInfo = snapshot.info
        else:
            if info is None:
                raise TypeError("a snapshot given as a function needs its info")
            self._snapshot, self._build, self.info = None, snapshot, info

    @property
    def snapshot(self) -> Snapshot:
        """The model read (built on first use when the reader gave a function)."""
        if self._snapshot is None:
            assert self._build is not None
            self._snapshot, self._build = self._build(), None
        return self._snapshot

    def line_of(self, element_id: str) -> int | None:
        location = self.locations.get(element_id)
        return location.line if location else None


# -- helpers for readers ---------------------------------------------------------------------------


def refuse(path: str, message: str) -> ModelValidationError:
    return ModelValidationError([Issue(path, message)])


def text_of(value: Any, path: str, *, limit: int = MAX_TEXT, required: bool = False) -> str:
    """A string field of a foreign file: None -> "", numbers -> str, anything else refused."""
    if value is None or value == "":
        if required:
            raise refuse(path, "is required")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise refuse(path, f"must be text, not {type(value).__name__}")
    text = str(value).strip()
    return text[:limit]


def name_of(value: Any, path: str, fallback: str) -> str:
    text = text_of(value, path, limit=MAX_NAME)
    return " ".join(text.split())[:MAX_NAME] or fallback


def mapping_of(value: Any, path: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise refuse(path, f"must be an object, not {type(value).__name__}")
    return value


def list_of(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise refuse(path, f"must be a list, not {type(value).__name__}")
    return value


def flag_of(value: Any) -> bool:
    """A boolean of a foreign file (``true``, ``"true"``, ``"Yes"``, 1)."""
    if isinstance(value, str):
        return value.strip().lower() in {"true", "yes", "1", "on"}
    return bool(value) if isinstance(value, bool | int) else False


def number_of(value: Any, path: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise refuse(path, f"must be a number, not {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError:
        raise refuse(path, "number out of range") from None
    if not math.isfinite(number):
        raise refuse(path, f"{value} is not a finite number")
    return number


class IdAllocator:
    """Native ids for foreign ids: kept when valid and unused, else a slug of the name, made unique."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.native_of: dict[tuple[str, str], str] = {}

    def allocate(self, namespace: str, foreign: str, name: str = "") -> str:
        key = (namespace, foreign)
        if key in self.native_of:
            return self.native_of[key]
        candidate = foreign if _ID_RE.match(foreign or "") and foreign != "*" else slug(name or foreign or namespace)
        native = candidate
        counter = 2
        while native in self.used:
            suffix = f"-{counter}"
            native = candidate[: 128 - len(suffix)] + suffix
            counter += 1
        self.used.add(native)
        self.native_of[key] = native
        return native

    def get(self, namespace: str, foreign: str) -> str | None:
        return self.native_of.get((namespace, foreign))


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^A-Za-z0-9_.:-]+", "-", ascii_text).strip("-._:").lower()
    return (cleaned or "element")[:120]


_JSON_ID = re.compile(r'"id"\s*:\s*"([^"]*)"')
_YAML_ID = re.compile(r"""(?:^[ \t]*(?:-[ \t]+)?|[{,][ \t]*)["']?id["']?[ \t]*:[ \t]*["']?([^"'\s,}]+)""", re.MULTILINE)


def line_index(text: str) -> dict[str, int]:
    """Value -> 1-based line of its first ``id: value`` (YAML) or ``"id": "value"`` (JSON)."""
    pattern = _JSON_ID if text.lstrip()[:1] in ("{", "[") else _YAML_ID
    found: dict[str, int] = {}
    line, last = 1, 0
    for match in pattern.finditer(text):
        line += text.count("\n", last, match.start())
        last = match.start()
        found.setdefault(match.group(1), line)
    return found


class Locations(Mapping[str, SourceLocation]):
    """Element id -> its location, built on access (a 60,000-element file would else make 60,000 objects)."""

    def __init__(
        self,
        filename: str,
        lines: Mapping[str, int] | Callable[[], Mapping[str, int]],
        foreign_of: Mapping[str, str] | None,
        ids: Any,
    ):
        self._filename = filename
        self._lines = lines  # or the function that finds them, called on first use (most imports never ask)
        self._foreign_of = foreign_of
        self._ids = ids

    def _line(self, element_id: str) -> int | None:
        if element_id not in self._ids:
            return None
        if callable(self._lines):
            self._lines = self._lines()
        foreign = self._foreign_of.get(element_id) if self._foreign_of is not None else element_id
        return self._lines.get(foreign) if foreign is not None else None

    def __getitem__(self, element_id: str) -> SourceLocation:
        line = self._line(element_id)
        if line is None:
            raise KeyError(element_id)
        return SourceLocation(self._filename, line)

    def __iter__(self) -> Iterator[str]:
        return (element_id for element_id in self._ids if self._line(element_id) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def locations_for(
    filename: str,
    lines: Mapping[str, int] | Callable[[], Mapping[str, int]],
    foreign_of: Mapping[str, str] | None,
    ids: Any,
) -> Locations:
    """Native element id (among ``ids``) -> its location, through the foreign id the file uses for it
    (``foreign_of`` None: the file uses the native ids)."""
    return Locations(filename, lines, foreign_of, ids)


def triage_from_attributes(attributes: Mapping[str, Any], path: str) -> tuple[FileTriage, ...]:
    """``model.attributes.triage``: ``{fingerprint: {status, justification}}`` or ``{fingerprint: status}``."""
    raw = attributes.get("triage")
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise refuse(f"{path}.triage", "must map finding ids to {status, justification}")
    out = []
    for fingerprint in sorted(raw):
        entry = raw[fingerprint]
        where = f"{path}.triage[{fingerprint!r}]"
        if isinstance(entry, str):
            entry = {"status": entry}
        if not isinstance(entry, Mapping):
            raise refuse(where, "must be a status or {status, justification}")
        status = entry.get("status")
        if status not in TRIAGE_STATUSES:
            raise refuse(f"{where}.status", f"{status!r} is not one of {', '.join(TRIAGE_STATUSES)}")
        out.append(FileTriage(str(fingerprint), status, text_of(entry.get("justification"), f"{where}.justification")))
    return tuple(out)


#: Words in a foreign element type or name -> our component kind (first match wins; order matters).
_KIND_WORDS: tuple[tuple[tuple[str, ...], ComponentKind], ...] = (
    (("secret", "vault", "keyvault", "key-vault", "kms"), ComponentKind.SECRET_STORE),
    (("log", "siem", "audit", "monitor"), ComponentKind.LOGGING),
    (("queue", "kafka", "sqs", "sns", "rabbit", "pubsub", "event-hub", "eventhub", "bus"), ComponentKind.QUEUE),
    (("cache", "redis", "memcache"), ComponentKind.CACHE),
    (
        ("database", "db", "sql", "store", "storage", "bucket", "s3", "blob", "mongo", "dynamo", "cosmos", "table"),
        ComponentKind.DATASTORE,
    ),
    (("gateway", "api-gw", "apigw", "apim"), ComponentKind.API_GATEWAY),
    (("load-balancer", "loadbalancer", "alb", "elb", "nlb", "lb", "proxy", "ingress"), ComponentKind.LOAD_BALANCER),
    (("lambda", "function", "serverless"), ComponentKind.SERVERLESS_FUNCTION),
    (
        ("idp", "identity", "oauth", "auth0", "okta", "cognito", "active-directory", "entra"),
        ComponentKind.IDENTITY_PROVIDER,
    ),
    (("user", "human", "person", "customer", "admin", "operator", "browser", "mobile"), ComponentKind.HUMAN_USER),
    (("external", "third-party", "thirdparty", "partner", "internet"), ComponentKind.EXTERNAL_ENTITY),
    (("web", "frontend", "front-end", "spa", "ui", "client"), ComponentKind.WEB_FRONTEND),
    (("batch", "job", "cron", "worker"), ComponentKind.BATCH_JOB),
    (("analytics", "warehouse", "bigquery", "redshift", "spark"), ComponentKind.ANALYTICS),
)
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")


def guess_kind(*texts: str) -> ComponentKind | None:
    """Our component kind for a foreign type/name, or None when nothing in it says."""
    for text in texts:
        lowered = text.lower()
        words = set(_WORD_SPLIT.split(lowered))
        for keys, kind in _KIND_WORDS:
            if any(key in words or ("-" in key and key in lowered) for key in keys):
                return kind
    return None


def clean_tags(values: Iterable[Any]) -> list[str]:
    out: list[str] = []
    for value in values:
        if isinstance(value, str) and value.strip() and value.strip()[:64] not in out:
            out.append(value.strip()[:64])
    return out[:64]
