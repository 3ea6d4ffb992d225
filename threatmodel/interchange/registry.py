"""The one table of model file formats: the import page, the API and the ``trustmap`` CLI all read through here.

Pure Python. :func:`read` takes the bytes of a file, recognises its format by content (the file name only
breaks a tie between YAML and JSON), and returns an :class:`~threatmodel.interchange.base.ImportResult`,
or raises ``ModelValidationError`` naming the place in the file; nothing partial is ever returned.
:func:`write` turns a snapshot into the bytes of a format that has a writer.

| name            | reads                               | writes                         |
|-----------------|-------------------------------------|--------------------------------|
| ``native``      | Trustmap YAML or JSON (`trustmap: 1`) | YAML (``native``), JSON (``native-json``) |
| ``otm``         | Open Threat Model 0.1 / 0.2 JSON or YAML | OTM 0.2.0 JSON               |
| ``threat-dragon`` | OWASP Threat Dragon v2 JSON        | Threat Dragon v2 JSON          |
| ``tm7``         | Microsoft Threat Modeling Tool ``.tm7`` | (no writer)                 |
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from catalog.packs.controls import control_ids
from threatmodel.domain import Snapshot
from threatmodel.interchange import native, otm, otm_reader, threat_dragon, tm7
from threatmodel.interchange.base import ImportResult, refuse
from threatmodel.interchange.native import MAX_FILE_BYTES, parse_document

KnownControls = frozenset[str] | None | Literal["catalog"]
#: (document, text, filename, known controls) -> result. ``document`` is None for XML formats.
Reader = Callable[[Any, str, str, frozenset[str] | None], ImportResult]


@dataclass(frozen=True)
class Format:
    name: str
    label: str
    extensions: tuple[str, ...]
    media_type: str
    read: Reader | None
    write: Callable[[Snapshot], bytes] | None
    #: Recognises a parsed JSON/YAML document of this format (None: not a JSON/YAML format).
    sniff: Callable[[Mapping[str, Any]], bool] | None = None


def _native_yaml(snapshot: Snapshot) -> bytes:
    return native.write_model(snapshot, "yaml").encode("utf-8")


def _native_json(snapshot: Snapshot) -> bytes:
    return native.write_model(snapshot, "json").encode("utf-8")


FORMATS: dict[str, Format] = {
    "native": Format(
        "native",
        "Trustmap model (YAML or JSON)",
        (".yaml", ".yml", ".json"),
        "application/yaml",
        native.read_result,
        _native_yaml,
        native.sniff,
    ),
    "native-json": Format(
        "native-json", "Trustmap model (JSON)", (".json",), "application/json", None, _native_json, None
    ),
    "otm": Format(
        "otm",
        "Open Threat Model 0.2.0",
        (".otm", ".otm.json", ".otm.yaml", ".json", ".yaml"),
        "application/json",
        otm_reader.read_result,
        otm.write_bytes,
        otm.sniff,
    ),
    "threat-dragon": Format(
        "threat-dragon",
        "OWASP Threat Dragon v2",
        (".json",),
        "application/json",
        threat_dragon.read_result,
        threat_dragon.write_bytes,
        threat_dragon.sniff,
    ),
    "tm7": Format(
        "tm7", "Microsoft Threat Modeling Tool (.tm7)", (".tm7",), "application/xml", tm7.read_result, None, None
    ),
}
READABLE = tuple(name for name, f in FORMATS.items() if f.read is not None)
WRITABLE = tuple(name for name, f in FORMATS.items() if f.write is not None)
#: File extension of what each writer produces.
WRITE_EXTENSION: dict[str, str] = {
    "native": ".yaml",
    "native-json": ".json",
    "otm": ".otm.json",
    "threat-dragon": ".json",
}


def _decode(data: bytes) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise refuse("", f"file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise refuse("", f"file is not UTF-8 text (byte {exc.start})") from None


def detect(data: bytes, *, filename: str | None = None) -> str:
    """The name of the format of ``data`` (by content), or ``ModelValidationError``."""
    text = _decode(data)
    if text.lstrip().startswith("<"):
        return "tm7"
    return _detect_document(parse_document(data, filename or ""))


def _detect_document(document: Any) -> str:
    if isinstance(document, Mapping):
        for name, fmt in FORMATS.items():
            if fmt.sniff is not None and fmt.sniff(document):
                return name
    raise refuse(
        "",
        "not a model file Trustmap reads: expected a Trustmap model (`trustmap: 1`), an Open Threat Model file "
        "(`otmVersion`), a Threat Dragon v2 file (`summary` and `detail.diagrams`) or a Threat Modeling Tool "
        ".tm7 file (XML `<ThreatModel>`)",
    )


def read(
    data: bytes,
    *,
    filename: str | None = None,
    format: str | None = None,
    known_controls: KnownControls = "catalog",
) -> ImportResult:
    """Read a model file of any registered format. All-or-nothing: raises ``ModelValidationError``.

    ``format`` forces a format (else it is detected by content); ``known_controls`` is the set of control
    ids a native file may apply (the catalog's by default; None accepts any).
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    name = filename or ""
    controls = control_ids() if known_controls == "catalog" else known_controls
    text = _decode(data)
    if format is not None and (format not in FORMATS or FORMATS[format].read is None):
        raise refuse("", f"unknown import format {format!r}; use one of {', '.join(READABLE)}")
    if format == "tm7" or (format is None and text.lstrip().startswith("<")):
        return tm7.read_result(None, text, name, controls)
    document = parse_document(data, name)
    chosen = format or _detect_document(document)
    reader = FORMATS[chosen].read
    assert reader is not None
    return reader(document, text, name, controls)


def import_limit_warning(data: bytes, format: str) -> str | None:
    """What to tell the writer of an export larger than any import may be (a model far past the supported
    scale), or None: such a file is still written, but Trustmap will not read it back."""
    if len(data) <= MAX_FILE_BYTES:
        return None
    return (
        f"the {format} file is {len(data):,} bytes, over the {MAX_FILE_BYTES:,}-byte import limit: "
        "Trustmap will not read it back (the native format is the most compact)"
    )


def write(snapshot: Snapshot, format: str) -> bytes:
    """The bytes of ``snapshot`` in a writable format."""
    fmt = FORMATS.get(format)
    if fmt is None or fmt.write is None:
        raise ValueError(f"unknown export format {format!r}; use one of {', '.join(WRITABLE)}")
    return fmt.write(snapshot)
