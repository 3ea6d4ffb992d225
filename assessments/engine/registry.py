"""Registry of built-in rule implementations, keyed by the catalog rule id.

A rule implementation is a function of the ``ModelContext`` and one element of its scope. It returns:

* ``None`` when the rule does not apply to the element (it is not counted in the score),
* ``False`` (``PASS``) when it applies and the element complies,
* a :class:`Hit` when it fires: the extra elements involved (the evaluated element is always first),
  the evidence (exact attribute values and, where relevant, the path), the highest data classification rank
  involved (raises impact) and whether the element is exposed (raises likelihood).

Applicability must depend only on structure (kinds, topology, data classification), never on the security
attributes a fix changes (authentication, encryption, ...): that keeps the score monotone (docs/scoring.md).

Model-scope rules get the whole context and return ``(element id, result)`` pairs, one per check.
The rule modules (``assessments.engine.rules``) import this module to register; it never imports them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from assessments.engine.results import EvidenceValue
from threatmodel.vocabulary import RULE_SCOPES

#: Element scopes a rule can evaluate, in evaluation order.
SCOPES: tuple[str, ...] = RULE_SCOPES
#: Snapshot collection of each element scope.
SCOPE_COLLECTION: dict[str, str] = {
    "component": "components",
    "flow": "flows",
    "grant": "grants",
    "identity": "identities",
    "data_asset": "data_assets",
    "boundary": "boundaries",
}
PASS = False


@dataclass(slots=True)
class Hit:
    elements: tuple[str, ...] = ()  # identifying elements after the primary (part of the fingerprint)
    evidence: tuple[tuple[str, EvidenceValue], ...] = ()
    data_rank: int = 0
    exposed: bool = False
    related: tuple[str, ...] = ()  # further affected elements (listed, not part of the fingerprint)
    title: str = ""  # the finding's own title when it says more exactly what is wrong (default: the rule's)


CheckResult = Hit | bool | None
ElementCheck = Callable[[Any, Any], CheckResult]
ModelCheck = Callable[[Any], Iterable[tuple[str, CheckResult]]]


@dataclass(frozen=True, slots=True)
class RuleImpl:
    id: str
    scope: str
    check: Callable[..., Any]
    kinds: frozenset[str] | None = None  # component kinds the rule can apply to (None = all)
    source_kinds: frozenset[str] | None = None  # flow rules: source kinds it can apply to (None = all)
    target_kinds: frozenset[str] | None = None  # flow rules: target kinds it can apply to (None = all)
    traits: tuple[int, int, int] = (0, 0, 0)  # flow rules: (all of, none of, any of) these FlowFacts.traits bits
    fire_traits: tuple[int, int, int] = (0, 0, 0)  # flow rules: the same, needed to fire (else passed)


IMPLEMENTATIONS: dict[str, RuleImpl] = {}


def rule(  # noqa: PLR0913 - keyword-only pre-filters, one per trait set
    rule_id: str,
    scope: str,
    *,
    kinds: Iterable[str] | None = None,
    source_kinds: Iterable[str] | None = None,
    target_kinds: Iterable[str] | None = None,
    requires: int = 0,
    excludes: int = 0,
    any_of: int = 0,
    fire_requires: int = 0,
    fire_excludes: int = 0,
    fire_any_of: int = 0,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as the implementation of catalog rule ``rule_id``.

    ``kinds``: the component kinds a component rule applies to (the evaluator never calls it for other kinds).
    Flow rules have pre-filters that only save calls, so the function must agree with them
    (tests/engine/test_prefilters.py): ``source_kinds`` / ``target_kinds`` (end kinds), and ``requires`` /
    ``excludes`` / ``any_of`` on ``FlowFacts.traits`` (graph.py): the rule is not applicable unless the flow has
    all ``requires`` bits, none of ``excludes`` and, when given, one of ``any_of``. Those are structural bits.

    ``fire_requires`` / ``fire_excludes`` / ``fire_any_of``: the same on the protection bits (encryption,
    authentication, ...): a flow the rule applies to (it passed the filters above) that lacks them is counted as
    checked and passed without a call, so the function must answer ``PASS`` for it (test_prefilters.py)."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        if rule_id in IMPLEMENTATIONS:
            raise ValueError(f"rule {rule_id!r} registered twice")
        if (requires or excludes or any_of or fire_requires or fire_excludes or fire_any_of) and scope != "flow":
            raise ValueError(f"rule {rule_id!r}: trait pre-filters apply to flow rules only")
        IMPLEMENTATIONS[rule_id] = RuleImpl(
            rule_id,
            scope,
            func,
            _kinds(kinds),
            _kinds(source_kinds),
            _kinds(target_kinds),
            (requires, excludes, any_of),
            (fire_requires, fire_excludes, fire_any_of),
        )
        return func

    return decorate


def _kinds(kinds: Iterable[str] | None) -> frozenset[str] | None:
    return frozenset(str(k) for k in kinds) if kinds is not None else None


def ev(**values: EvidenceValue) -> tuple[tuple[str, EvidenceValue], ...]:
    """Evidence pairs in the (deterministic) order the rule gives them."""
    return tuple(values.items())
