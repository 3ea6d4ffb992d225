"""Pure analysis engine of Trustmap (no Django imports)."""

from assessments.engine.results import AssessmentResult, AttackPath, BlastRadius, Finding, PlanStep, ScoreBreakdown

__all__ = ["AssessmentResult", "AttackPath", "BlastRadius", "Finding", "PlanStep", "ScoreBreakdown"]
