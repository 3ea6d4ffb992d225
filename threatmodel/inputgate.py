"""The one input gate: every piece of text or structured input (API JSON bodies, change sets, element writes,
imported model files, team, token and model names) passes these checks before anything else reads it.

Pure Python, no Django. The limits make anything accepted storable on SQLite and PostgreSQL alike and
exportable and re-importable: strings are valid Unicode without NUL (PostgreSQL refuses NUL in text and
JSON), numbers are finite and within what a JSON reader (the editor's JavaScript included) holds exactly,
keys are strings, and nesting stays within the importer's limit (:data:`MAX_DEPTH`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

from threatmodel.invariants import Issue, ModelValidationError

#: Deepest nesting of a model document (the document itself is level 1). An element sits at level 3
#: (document -> collection list -> element), so an element's own nesting may be :data:`ELEMENT_MAX_DEPTH`.
MAX_DEPTH = 32
ELEMENT_MAX_DEPTH = MAX_DEPTH - 2
#: Deepest nesting of any API request body (a change set wraps elements three levels deep).
BODY_MAX_DEPTH = MAX_DEPTH + 4
#: Integers a JSON reader holds exactly (IEEE double): the editor reads the same numbers the server stored.
MAX_SAFE_INTEGER = 2**53 - 1
#: Longest single string (a description, an attribute value) and longest key.
MAX_STRING = 100_000
MAX_KEY = 256
#: Longest name (team, token, model, element).
MAX_NAME = 200
#: Longest run of digits a number literal may have before it is parsed (Python refuses > 4,300 itself).
MAX_NUMBER_LITERAL = 40

#: Bidirectional formatting controls: they reorder how a name is shown (U+202E shows "exe.txt" for "txt.exe").
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NAME_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


class InputRefused(ModelValidationError):
    """Input the gate refuses; ``issues`` name the place (``changes[2].data.attributes.x``)."""


def text_issues(value: str, path: str) -> list[Issue]:
    """A string (value or key) is valid Unicode without NUL and of a sane length."""
    if "\x00" in value:
        return [Issue(path, "NUL characters (\\u0000) are not allowed in text")]
    if _SURROGATE.search(value):
        return [Issue(path, "text is not valid Unicode (a lone surrogate such as \\ud800)")]
    if len(value) > MAX_STRING:
        return [Issue(path, f"text is {len(value):,} characters; the limit is {MAX_STRING:,}")]
    return []


def plain_name(value: str) -> bool:
    """A name :func:`name_issues` has nothing to say about, by the quick test most names pass: printable ASCII
    (no NUL, surrogates, controls or bidirectional overrides) of at most :data:`MAX_NAME` characters."""
    return len(value) <= MAX_NAME and value.isascii() and value.isprintable()


def name_issues(value: Any, path: str, *, max_length: int = MAX_NAME) -> list[Issue]:
    """A name shown to people: text as above, no control characters, no bidirectional overrides."""
    if not isinstance(value, str):
        return [Issue(path, "must be a string")]
    issues = text_issues(value, path)
    if issues:
        return issues
    if not value.isascii() and not BIDI_CONTROLS.isdisjoint(value):
        return [Issue(path, "bidirectional control characters (such as U+202E) are not allowed in names")]
    if _NAME_CONTROLS.search(value):
        return [Issue(path, "control characters (tabs, line breaks) are not allowed in names")]
    if len(value) > max_length:
        return [Issue(path, f"name is {len(value)} characters; the limit is {max_length}")]
    return []


def _number_issues(value: int | float, path: str) -> list[Issue]:
    if isinstance(value, float):
        return [] if math.isfinite(value) else [Issue(path, f"{value!r} is not a finite number")]
    if abs(value) > MAX_SAFE_INTEGER:
        return [Issue(path, f"integer out of range (at most {MAX_SAFE_INTEGER:,} in absolute value)")]
    return []


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _walk(value: Any, path: str, max_depth: int) -> Iterator[Issue]:
    """Issues of a JSON-like value, depth first, without recursion (any depth is safe to walk)."""
    stack: list[tuple[Any, str, int]] = [(value, path, 1)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, dict | list) and depth > max_depth:
            yield Issue(where, f"nested deeper than {max_depth} levels")
            continue
        if isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str):
                    yield Issue(where, f"keys must be strings, not {type(key).__name__} ({key!r})")
                    continue
                key_issues = text_issues(key, _child(where, "<key>"))
                if key_issues or len(key) > MAX_KEY:
                    yield from key_issues or [Issue(where, f"a key is longer than {MAX_KEY} characters")]
                    continue
                stack.append((child, _child(where, key), depth + 1))
        elif isinstance(item, list):
            stack.extend((child, _child(where, index), depth + 1) for index, child in enumerate(item))
        elif isinstance(item, str):
            yield from text_issues(item, where)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int | float):
            yield from _number_issues(item, where)
        else:
            yield Issue(where, f"{type(item).__name__} values are not allowed (only JSON types)")


def _clean_text(value: str) -> bool:
    return "\x00" not in value and len(value) <= MAX_STRING and (value.isascii() or not _SURROGATE.search(value))


def _clean_scalar(value: Any) -> bool:
    """A value that is neither a list nor a dict passes :func:`_walk` (exact JSON types only)."""
    kind = type(value)
    if kind is str:
        return _clean_text(value)
    if kind is bool or value is None:
        return True
    if kind is int:
        return bool(-MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER)
    return kind is float and math.isfinite(value)


def _clean_keys(item: dict[Any, Any], passed: set[Any]) -> bool:
    """The keys of ``item`` pass; ``passed`` holds keys that have (a model file repeats a few dozen keys)."""
    if passed.issuperset(item):
        return True
    for key in item:
        if key not in passed:
            if type(key) is not str or len(key) > MAX_KEY or not _clean_text(key):
                return False
            passed.add(key)
    return True


def _is_clean(value: Any, max_depth: int) -> bool:
    """Whether :func:`_walk` would find nothing, answered without building the place of every value: the fast
    path for valid input (a 50,000-flow model file has millions of values). Anything it is unsure of (a
    subclass of a JSON type, say) counts as not clean, and the full walk then decides."""
    if type(value) is not dict and type(value) is not list:
        return _clean_scalar(value)
    stack: list[tuple[Any, int]] = [(value, 1)]
    pop, push = stack.pop, stack.append
    passed: set[Any] = set()
    while stack:
        item, depth = pop()
        if depth > max_depth:
            return False
        if type(item) is dict:
            if not _clean_keys(item, passed):
                return False
            item = item.values()
        for child in item:
            kind = type(child)
            if kind is str:  # _clean_text, inlined: a model file has hundreds of thousands of strings
                if "\x00" in child or len(child) > MAX_STRING or (not child.isascii() and _SURROGATE.search(child)):
                    return False
            elif kind is dict or kind is list:
                push((child, depth + 1))
            elif not _clean_scalar(child):
                return False
    return True


def value_issues(value: Any, path: str = "", *, max_depth: int = MAX_DEPTH, limit: int = 20) -> list[Issue]:
    """At most ``limit`` issues of a JSON-like value (sorted by place, so the answer is deterministic)."""
    if _is_clean(value, max_depth):
        return []
    issues: list[Issue] = []
    for issue in _walk(value, path, max_depth):
        issues.append(issue)
        if len(issues) >= limit:
            break
    return sorted(issues, key=lambda i: i.path)


def check_value(value: Any, path: str = "", *, max_depth: int = MAX_DEPTH) -> Any:
    """``value`` itself, or :class:`InputRefused` naming every place that breaks a rule."""
    issues = value_issues(value, path, max_depth=max_depth)
    if issues:
        raise InputRefused(issues)
    return value


def check_name(value: Any, path: str, *, max_length: int = MAX_NAME) -> str:
    issues = name_issues(value, path, max_length=max_length)
    if issues:
        raise InputRefused(issues)
    return str(value)


class _RefusedLiteral(Exception):
    """A number literal the JSON parser's hooks refuse; :func:`loads` turns it into an issue with its place."""

    def __init__(self, literal: str, problem: str) -> None:
        super().__init__(problem)
        self.literal = literal
        self.problem = problem


def _refuse_constant(name: str) -> Any:
    raise _RefusedLiteral(name, f"{name} is not a JSON number (only finite numbers are allowed)")


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _RefusedLiteral(text, f"{text[:20]} is out of range (only finite numbers are allowed)")
    return value


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_LITERAL:
        raise _RefusedLiteral(text, f"an integer of {len(text.lstrip('-')):,} digits is out of range")
    return int(text)


def _place_of(text: str, literal: str) -> str:
    """``line L, column C`` of the first ``literal`` outside string literals (the parser's hooks get no position)."""
    blanked = _STRINGS.sub(lambda match: re.sub(r"[^\n]", " ", match.group()), text)
    offset = blanked.find(literal)
    if offset < 0:
        return ""
    line = blanked.count("\n", 0, offset) + 1
    column = offset - (blanked.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def loads(text: str | bytes, *, max_depth: int = BODY_MAX_DEPTH) -> Any:
    """Strict JSON: no NaN/Infinity, no 1e999, no 5,000-digit integers, no nesting past ``max_depth``, and
    everything :func:`check_value` asks. Raises :class:`InputRefused` (never ``RecursionError``)."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputRefused([Issue("", f"the body is not UTF-8 text (byte {exc.start})")]) from None
    if bracket_depth(text, stop_after=max_depth) > max_depth:
        raise InputRefused([Issue("", f"JSON nested deeper than {max_depth} levels")])
    return parse_checked(text, max_depth=max_depth)


def parse_checked(text: str, *, max_depth: int) -> Any:
    """:func:`loads` for a caller that has checked the nesting of ``text`` itself: the parsed value, which has
    passed :func:`check_value`, or :class:`InputRefused`.

    Valid input is parsed by the C parser alone, and the value walked once; only input it refuses is parsed
    again with the literal hooks, which name the refused literal and its place. The two parses agree on every
    value the walk accepts: the hooks refuse only non-finite floats (1e999) and integers of more than
    :data:`MAX_NUMBER_LITERAL` digits, which the walk refuses too (out of range)."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except (_RefusedLiteral, ValueError, RecursionError):  # JSONDecodeError is a ValueError; so is a huge integer
        pass
    else:
        if _is_clean(value, max_depth):
            return value
    return check_value(_strict_loads(text), max_depth=max_depth)


def clean_json(text: str, *, max_depth: int) -> tuple[bool, Any]:
    """``(True, value)`` if ``text`` is JSON the C parser reads into a value that passes :func:`check_value`,
    nested at most ``max_depth`` levels; else ``(False, None)``, and the caller checks the text in full (for the
    messages). No nesting check first: that walk over the whole text (:func:`bracket_depth`) costs about as much as
    the parse, and the walk of the parsed value checks the depth anyway. Deep text cannot harm the parser: it
    refuses nesting past the interpreter's recursion limit with ``RecursionError``."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except (_RefusedLiteral, ValueError, RecursionError):
        return False, None
    return (True, value) if _is_clean(value, max_depth) else (False, None)


def _strict_loads(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_parse_float, parse_int=_parse_int)
    except _RefusedLiteral as exc:
        raise InputRefused([Issue(_place_of(text, exc.literal), exc.problem)]) from None
    except json.JSONDecodeError as exc:
        where, problem = f"line {exc.lineno}", f"invalid JSON: {exc.msg} (column {exc.colno})"
        raise InputRefused([Issue(where, problem)]) from None
    except RecursionError:  # pragma: no cover - bracket_depth refuses first
        raise InputRefused([Issue("", "JSON nested too deeply")]) from None


#: A JSON string literal, written as an unrolled loop (runs of plain characters, one escape at a time), which the
#: regex engine matches several times faster than the alternation ``"(?:[^"\\]|\\.)*"`` of the same strings.
_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]+")


def bracket_depth(text: str, stop_after: int = 2**31) -> int:
    """Deepest bracket nesting of JSON-like text outside string literals (an upper bound for invalid text);
    counting stops once it passes ``stop_after``."""
    if "[" not in text and "{" not in text:
        return 0
    depth = deepest = 0
    for run in _BRACKETS.findall(_STRINGS.sub("", text)):
        for ch in run:
            if ch in "[{":
                depth += 1
                if depth > deepest:
                    deepest = depth
                    if deepest > stop_after:
                        return deepest
            else:
                depth -= 1
    return deepest
