"""Built-in rule implementations, one module per rule family (registered by catalog rule id).

The modules register their rules with ``assessments.engine.registry.rule`` when imported; the registry never
imports them (the dependency goes one way: rules -> registry). ``load_builtin_rules`` imports every module.
"""

from __future__ import annotations

from assessments.engine.registry import IMPLEMENTATIONS, RuleImpl


def load_builtin_rules() -> dict[str, RuleImpl]:
    """Import the rule modules (registration happens at import) and return the registry."""
    from assessments.engine.rules import (  # noqa: F401
        data_protection,
        encryption,
        exposure_paths,
        hygiene,
        least_privilege,
        segmentation,
        visibility,
        zero_trust,
    )

    return IMPLEMENTATIONS
