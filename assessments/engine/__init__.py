"""Pure analysis engine of Trustmap (no Django imports).

Entry points: :func:`assess` (full analysis of a snapshot), :class:`Engine` (configured rule set with
``reassess`` for the incremental one-edit re-check), :func:`result_to_json` / :func:`to_json_dict` and
:func:`result_from_json` (the JSON codec, ``codec.py``) and :func:`render_text`.
"""

from assessments.engine.codec import result_from_json, to_json_dict
from assessments.engine.custom import CustomRuleSpec, validate_custom_rule
from assessments.engine.engine import AssessmentState, Engine, assess
from assessments.engine.fixes import apply_step
from assessments.engine.render import render_text, result_to_json
from assessments.engine.results import (
    AssessmentResult,
    AttackPath,
    BlastRadius,
    Deduction,
    Finding,
    PlanStep,
    RuleOutcome,
    ScoreBreakdown,
    ScoreEntry,
)

__all__ = [
    "AssessmentResult",
    "AssessmentState",
    "AttackPath",
    "BlastRadius",
    "CustomRuleSpec",
    "Deduction",
    "Engine",
    "Finding",
    "PlanStep",
    "RuleOutcome",
    "ScoreBreakdown",
    "ScoreEntry",
    "apply_step",
    "assess",
    "render_text",
    "result_from_json",
    "result_to_json",
    "to_json_dict",
    "validate_custom_rule",
]
