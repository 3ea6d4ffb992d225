"""Revision messages a person can read ("Set encryption of Checkout → Payments to mTLS"), written from the change
log rows of a revision (pure).

A row is ``(kind, key, action, before, after)`` with the element's native dicts; ``name_of`` gives the display
name of an element id that the rows do not carry (the components at the ends of a flow).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from threatmodel.changes import MODEL_KIND

Row = tuple[str, str, str, Any, Any]

#: How a few enumeration values are written in prose; the others print as they are.
_VALUE_WORDS = {"mtls": "mTLS", "tls": "TLS", "jwt": "JWT", "oauth2": "OAuth 2", "api-key": "API key", "mfa": "MFA"}
_KIND_WORDS = {"data_asset": "data asset", "boundary": "boundary", "identity": "identity", "grant": "grant"}
#: Fields whose values are too long or too structured to quote.
_UNQUOTED = {
    "description",
    "mitigation",
    "controls",
    "attributes",
    "tags",
    "actions",
    "data",
    "stores",
    "processes",
    "carries",
    "position",
}
MAX_MESSAGE = 500
#: Phrases a message lists before it counts the rest.
MAX_PHRASES = 3


def _value(value: Any) -> str:
    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return _VALUE_WORDS.get(text, text if len(text) <= 40 else text[:39] + "…")


def element_label(
    kind: str, data: Mapping[str, Any] | None, key: str, name_of: Callable[[str], str], *, with_kind: bool = True
) -> str:
    """The element as prose: ``service Payments`` (``Payments`` without its kind), ``Checkout → Payments`` for a
    flow, ``the model``."""
    data = data or {}
    if kind == MODEL_KIND:
        return "the model"
    if kind == "flow":
        # a flow is known on the diagram by its ends (its name is an optional label)
        ends = f"{name_of(str(data.get('source', '?')))} → {name_of(str(data.get('target', '?')))}"
        return f"flow {ends}" if with_kind else ends
    if kind == "grant":
        target = data.get("target")
        return f"grant of {name_of(str(data.get('identity', '?')))} on {'*' if target == '*' else name_of(str(target))}"
    if kind == "control":
        return f"control {data.get('control', key)} on {name_of(str(data.get('target', '?')))}"
    if kind == "threat":
        return f"threat {data.get('title') or key!r} on {name_of(str(data.get('target', '?')))}"
    if not with_kind:
        return str(data.get("name") or key)
    word = str(data.get("kind") or "component") if kind == "component" else _KIND_WORDS.get(kind, kind)
    return f"{word} {data.get('name') or key}"


def _changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def _update_phrase(label: str, before: Mapping[str, Any], after: Mapping[str, Any], kind: str) -> str:
    fields = _changed_fields(before, after)
    if fields == ["position"]:
        return f"moved {label}"
    fields = [f for f in fields if f != "position"]
    if kind == MODEL_KIND and fields == ["name"]:
        return f"renamed the model to {after['name']!r}"
    if kind != "flow" and fields == ["name"]:
        return f"renamed {label} to {after['name']!r}"
    words = [f.replace("_", " ") for f in fields]
    if len(fields) == 1 and fields[0] not in _UNQUOTED:
        return f"set {words[0]} of {label} to {_value(after.get(fields[0]))}"
    return f"set {', '.join(words)} of {label}" if len(words) <= 4 else f"edited {len(words)} fields of {label}"


def _phrase(row: Row, name_of: Callable[[str], str]) -> str:
    kind, key, action, before, after = row
    # an element is named as it was before a change (a renamed one as it was known), as it is after a creation
    label = element_label(kind, before if before is not None else after, key, name_of, with_kind=action != "update")
    if action == "create":
        return "created the model" if kind == MODEL_KIND else f"added {label}"
    if action == "delete":
        return f"deleted {label}"
    return _update_phrase(label, before or {}, after or {}, kind)


def describe(rows: Sequence[Row], name_of: Callable[[str], str] | None = None) -> str:
    """One sentence for the rows of a revision (empty rows: the edits cancelled out)."""
    if not rows:
        return "No net change (the edits cancelled out)"
    names = _names(rows, name_of)
    phrases = [_phrase(row, names) for row in rows]
    moves = [p for p in phrases if p.startswith("moved ")]
    others = [p for p in phrases if not p.startswith("moved ")]
    if len(moves) > 1:
        others.append(f"moved {len(moves)} elements")
    else:
        others.extend(moves)
    if len(others) > MAX_PHRASES:
        counts = Counter(action for _, _, action, _, _ in rows)
        verbs = {"create": "added", "update": "changed", "delete": "deleted"}
        parts = [f"{verbs[a]} {counts[a]}" for a in ("create", "update", "delete") if counts[a]]
        others = [", ".join(parts) + " elements: " + "; ".join(others[:2]) + "; …"]
    text = "; ".join(others)
    text = text[0].upper() + text[1:]
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _names(rows: Sequence[Row], name_of: Callable[[str], str] | None) -> Callable[[str], str]:
    """Names from the rows themselves first (an element added in the same revision), then ``name_of``."""
    known: dict[str, str] = {}
    for kind, key, _action, before, after in rows:
        data = after if after is not None else before
        if kind != MODEL_KIND and isinstance(data, Mapping) and data.get("name"):
            known[key] = str(data["name"])

    def lookup(element_id: str) -> str:
        if element_id in known:
            return known[element_id]
        return name_of(element_id) if name_of is not None else element_id

    return lookup
