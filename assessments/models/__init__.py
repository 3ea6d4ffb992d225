from assessments.models.reports import Report
from assessments.models.runs import AssessmentRun, RunFinding
from assessments.models.triage import FindingTriage
from assessments.models.webhooks import ModelWebhook

__all__ = ["AssessmentRun", "FindingTriage", "ModelWebhook", "Report", "RunFinding"]
