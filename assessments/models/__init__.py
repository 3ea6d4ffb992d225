from assessments.models.reports import Report
from assessments.models.runs import AssessmentRun, RunFinding
from assessments.models.triage import FindingTriage

__all__ = ["AssessmentRun", "FindingTriage", "Report", "RunFinding"]
