"""The fast builders (engine/fastbuild.py) produce genuine, equal, hashable, picklable frozen instances."""

from __future__ import annotations

import pickle
from dataclasses import FrozenInstanceError, astuple, fields

import pytest

from assessments.engine import fastbuild
from assessments.engine.results import BlastRadius, Deduction, Finding
from catalog.packs.loader import load_rule_catalog


def test_twins_have_the_field_order_and_slots_of_their_types() -> None:
    for cls in (Finding, Deduction):
        twin = fastbuild.mutable_twin(cls)
        assert [f.name for f in fields(twin)] == [f.name for f in fields(cls)]
        assert twin.__slots__ == cls.__slots__


def test_built_finding_is_a_real_frozen_finding_with_the_rule_fields() -> None:
    meta = load_rule_catalog()["zt.flow-unauthenticated"]
    variable = ("zt.flow-unauthenticated@f@a@b", "high", "likely", "high", ("f", "a", "b"), (("source", "a"),), ("c1",))
    built = fastbuild.make_finding(meta, *variable)
    plain = Finding(
        id=variable[0],
        rule=meta.id,
        title=meta.title,
        severity="high",
        likelihood="likely",
        impact="high",
        principle=meta.principle,
        pillar=meta.pillar,
        function=meta.function,
        stride=meta.stride,
        cwe=meta.cwe,
        elements=("f", "a", "b"),
        evidence=(("source", "a"),),
        remediation=meta.remediation,
        mitigated_by=("c1",),
        asvs=meta.asvs,
        tenet=meta.tenet,
        family=meta.family,
    )
    assert type(built) is Finding
    assert built == plain and hash(built) == hash(plain) and repr(built) == repr(plain)
    assert astuple(built) == astuple(plain)
    assert pickle.loads(pickle.dumps(built)) == plain
    with pytest.raises(FrozenInstanceError):
        built.rule = "other"  # type: ignore[misc]


def test_built_deductions_equal_plain_ones() -> None:
    finding = Finding("r@a", "r", "T", "low", "likely", "low", "", "", "", "", "", ("a",), (), "")
    built = fastbuild.make_deductions([(finding, "r", 3), (finding, "r", 1)], 0.5)
    assert all(type(d) is Deduction for d in built)
    assert built == (Deduction("r@a", "r", ("a",), 1.5), Deduction("r@a", "r", ("a",), 0.5))


def test_blast_radius_rows() -> None:
    assert fastbuild.blast_radius_from_rows([("c", ("d",), ("s",), 2, False)]) == (
        BlastRadius("c", ("d",), ("s",), 2, False),
    )
