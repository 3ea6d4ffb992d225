"""The fast builders of frozen result types produce genuine, equal, hashable, picklable instances."""

from __future__ import annotations

import pickle
from dataclasses import FrozenInstanceError, astuple, fields

import pytest

from assessments.engine.results import Deduction, DeductionBuilder, Finding, FindingBuilder


def _finding_values() -> tuple[object, ...]:
    return (
        "r@a@b",
        "r",
        "Title",
        "high",
        "likely",
        "high",
        "zero-trust",
        "identity",
        "authentication",
        "spoofing",
        "CWE-306",
        ("a", "b"),
        (("source", "a"),),
        "fix it",
        ("c1",),
        "1.2.3",
        3,
        "zt",
    )


def test_builders_have_the_field_order_of_their_types() -> None:
    assert [f.name for f in fields(FindingBuilder)] == [f.name for f in fields(Finding)]
    assert [f.name for f in fields(DeductionBuilder)] == [f.name for f in fields(Deduction)]


def test_built_finding_is_a_real_frozen_finding() -> None:
    values = _finding_values()
    built = FindingBuilder(*values)
    built.__class__ = Finding
    plain = Finding(*values)  # type: ignore[arg-type]
    assert type(built) is Finding
    assert built == plain and hash(built) == hash(plain) and repr(built) == repr(plain)
    assert astuple(built) == astuple(plain)
    assert pickle.loads(pickle.dumps(built)) == plain
    with pytest.raises(FrozenInstanceError):
        built.rule = "other"  # type: ignore[misc]


def test_built_deduction_equals_plain() -> None:
    built = DeductionBuilder("r@a", "r", ("a",), 1.25)
    built.__class__ = Deduction
    assert type(built) is Deduction and built == Deduction("r@a", "r", ("a",), 1.25)
