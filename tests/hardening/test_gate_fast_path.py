"""The input gate's fast path (issue 17, import speed) answers exactly as the full walk and the strict parser:
valid input goes through one C parse and one walk that builds no places; whatever it refuses is decided, and
worded, by the full walk and the literal hooks."""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threatmodel import inputgate
from threatmodel.inputgate import MAX_DEPTH, InputRefused, _is_clean, _strict_loads, _walk, bracket_depth

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.sampled_from([2**53 - 1, 2**53, -(2**53) + 1, -(2**53), 10**40, 10**41])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=8)
    | st.sampled_from(["\x00", "a\ud800b", "x" * (inputgate.MAX_STRING + 1), "\u202e", "ok"])
)
keys = st.text(max_size=6) | st.sampled_from(
    ["k" * inputgate.MAX_KEY, "k" * (inputgate.MAX_KEY + 1), "a\x00", "\udfff"]
)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=3),
    max_leaves=20,
)


def nested(depth: int, leaf: Any = 1) -> Any:
    """``depth`` containers around ``leaf``."""
    value = leaf
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


@settings(max_examples=400, deadline=None)
@given(values, st.integers(min_value=1, max_value=6))
def test_fast_walk_agrees_with_the_full_walk(value: Any, max_depth: int) -> None:
    assert _is_clean(value, max_depth) == (not any(True for _ in _walk(value, "", max_depth)))


@pytest.mark.parametrize("depth", [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1])
def test_fast_walk_depth_limit(depth: int) -> None:
    value = nested(depth)
    assert _is_clean(value, MAX_DEPTH) == (depth <= MAX_DEPTH) == (not list(_walk(value, "", MAX_DEPTH)))


def test_fast_walk_leaves_unusual_types_to_the_full_walk() -> None:
    """A subclass of a JSON type (an OrderedDict) is not judged by the fast walk: the full walk decides."""
    for odd in (OrderedDict(a=1), (1, 2), {1: "int key"}, {"a": b"bytes"}, {"a": {1, 2}}, [OrderedDict(b="\x00")]):
        assert not _is_clean(odd, MAX_DEPTH)
        full = sorted(_walk(odd, "", MAX_DEPTH), key=lambda i: i.path)
        assert inputgate.value_issues(odd) == full
    assert inputgate.value_issues(OrderedDict(a=1)) == []
    assert [i.path for i in inputgate.value_issues([OrderedDict(b="\x00")])] == ["[0].b"]


def parse_outcome(fn: Any, text: str) -> Any:
    try:
        return ("value", fn(text))
    except InputRefused as exc:
        return ("refused", [(i.path, i.message) for i in exc.issues])


def reference_loads(text: str) -> Any:
    """The gate as it was: the strict parse with the literal hooks, then the full walk."""
    return inputgate.check_value(_strict_loads(text), max_depth=MAX_DEPTH)


texts = st.one_of(
    values.map(lambda v: json.dumps(v, ensure_ascii=True, allow_nan=True)),
    values.map(lambda v: json.dumps(v, ensure_ascii=False, allow_nan=True)),
    st.sampled_from(
        [
            "[1e999]",
            '{"a": -1e400}',
            "[" + "9" * 41 + "]",
            "[" + "9" * 5000 + "]",
            "[NaN]",
            '{"a": Infinity}',
            "[1, 2",
            '{"a": "\\u0000"}',
            '{"a": "\\ud800"}',
            "[9007199254740993]",
            "",
            '{"x": 1e999, "y": [1,}',
        ]
    ),
)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_parse_checked_answers_as_the_strict_parse_and_walk(text: str) -> None:
    if bracket_depth(text) > MAX_DEPTH:
        return
    fast = parse_outcome(lambda t: inputgate.parse_checked(t, max_depth=MAX_DEPTH), text)
    slow = parse_outcome(reference_loads, text)
    if fast[0] == "value" and slow[0] == "value":  # NaN != NaN: compare the JSON of both
        assert json.dumps(fast[1], allow_nan=True) == json.dumps(slow[1], allow_nan=True)
    else:
        assert fast == slow


ALTERNATION = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)  # the string pattern the gate used before


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet='"\\[]{}ab\n', max_size=40))
def test_unrolled_string_pattern_blanks_what_the_alternation_did(text: str) -> None:
    assert inputgate._STRINGS.sub("", text) == ALTERNATION.sub("", text)
