from assessments.models.custom_rules import CustomRule
from assessments.models.reports import Report
from assessments.models.runs import AssessmentRun, RunFinding
from assessments.models.triage import FindingTriage
from assessments.models.webhooks import ModelWebhook

__all__ = ["AssessmentRun", "CustomRule", "FindingTriage", "ModelWebhook", "Report", "RunFinding"]
