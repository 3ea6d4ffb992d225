"""The Threagile pack's category catalog agrees with the rules that run."""

from __future__ import annotations

from assessments.engine.threagile.runner import BUILTIN_RULES, assess_threagile
from catalog.packs.loader import load_threagile_categories
from tests.threagile.conftest import ORACLE_MODELS
from threatmodel.interchange.threagile.reader import read_threagile_file


def test_every_rule_has_a_catalog_entry_and_no_entry_lacks_a_rule() -> None:
    categories = load_threagile_categories()
    assert len(categories) == 42
    assert set(categories) == set(BUILTIN_RULES)


def test_catalog_metadata_matches_threagile_for_known_categories() -> None:
    categories = load_threagile_categories()
    assert categories["sql-nosql-injection"].cwe == 89
    assert categories["missing-authentication-second-factor"].function == "business-side"
    assert categories["unnecessary-data-asset"].model_failure_possible
    assert categories["dos-risky-access-across-trust-boundary"].stride == "denial-of-service"


def test_every_risk_of_the_example_belongs_to_a_catalog_or_custom_category() -> None:
    model = read_threagile_file(ORACLE_MODELS["example"])
    known = set(load_threagile_categories()) | {c.id for c in model.custom_risk_categories}
    assert {r.category for r in assess_threagile(model).risks} <= known
