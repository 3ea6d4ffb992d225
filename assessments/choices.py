"""Django ``choices`` of the assessments app. The assessment vocabularies are declared once, in
``threatmodel.vocabulary``; these classes only give them Django's form (value, label), and
tests/foundation/test_vocabulary_agreement.py fails if a member, a value or a label differs from there."""

from django.db import models

from threatmodel import vocabulary as v


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class RunTrigger(models.TextChoices):
    """Why a run exists: asked for (API, page) or scheduled by an accepted revision (coalesced per model)."""

    REQUEST = "request", "Requested"
    REVISION = "revision", "New revision"


_STATUS = v.FINDING_STATUS_LABELS


class TriageStatus(models.TextChoices):
    OPEN = v.FindingStatus.OPEN.value, _STATUS[v.FindingStatus.OPEN]
    ACCEPTED = v.FindingStatus.ACCEPTED.value, _STATUS[v.FindingStatus.ACCEPTED]
    MITIGATED = v.FindingStatus.MITIGATED.value, _STATUS[v.FindingStatus.MITIGATED]
    FALSE_POSITIVE = v.FindingStatus.FALSE_POSITIVE.value, _STATUS[v.FindingStatus.FALSE_POSITIVE]


_SEVERITY = v.SEVERITY_LABELS


class Severity(models.TextChoices):
    CRITICAL = v.Severity.CRITICAL.value, _SEVERITY[v.Severity.CRITICAL]
    HIGH = v.Severity.HIGH.value, _SEVERITY[v.Severity.HIGH]
    MEDIUM = v.Severity.MEDIUM.value, _SEVERITY[v.Severity.MEDIUM]
    LOW = v.Severity.LOW.value, _SEVERITY[v.Severity.LOW]
    INFO = v.Severity.INFO.value, _SEVERITY[v.Severity.INFO]


_FORMAT = v.REPORT_FORMAT_LABELS


class ReportFormat(models.TextChoices):
    PDF = v.ReportFormat.PDF.value, _FORMAT[v.ReportFormat.PDF]
    HTML = v.ReportFormat.HTML.value, _FORMAT[v.ReportFormat.HTML]
    SARIF = v.ReportFormat.SARIF.value, _FORMAT[v.ReportFormat.SARIF]
    CSV = v.ReportFormat.CSV.value, _FORMAT[v.ReportFormat.CSV]
    JSON = v.ReportFormat.JSON.value, _FORMAT[v.ReportFormat.JSON]
    TEXT = v.ReportFormat.TEXT.value, _FORMAT[v.ReportFormat.TEXT]


_KIND = v.CUSTOM_RULE_KIND_LABELS


class CustomRuleKind(models.TextChoices):
    COMPONENT = v.CustomRuleKind.COMPONENT.value, _KIND[v.CustomRuleKind.COMPONENT]
    FLOW = v.CustomRuleKind.FLOW.value, _KIND[v.CustomRuleKind.FLOW]
    DATA_ASSET = v.CustomRuleKind.DATA_ASSET.value, _KIND[v.CustomRuleKind.DATA_ASSET]
    IDENTITY = v.CustomRuleKind.IDENTITY.value, _KIND[v.CustomRuleKind.IDENTITY]
    GRANT = v.CustomRuleKind.GRANT.value, _KIND[v.CustomRuleKind.GRANT]
    BOUNDARY = v.CustomRuleKind.BOUNDARY.value, _KIND[v.CustomRuleKind.BOUNDARY]


class Principle(models.TextChoices):
    ZERO_TRUST = v.Principle.ZERO_TRUST.value, v.PRINCIPLES[v.Principle.ZERO_TRUST]
    LEAST_PRIVILEGE = v.Principle.LEAST_PRIVILEGE.value, v.PRINCIPLES[v.Principle.LEAST_PRIVILEGE]
    ENCRYPTION = v.Principle.ENCRYPTION.value, v.PRINCIPLES[v.Principle.ENCRYPTION]
    SEGMENTATION = v.Principle.SEGMENTATION.value, v.PRINCIPLES[v.Principle.SEGMENTATION]
    DATA_PROTECTION = v.Principle.DATA_PROTECTION.value, v.PRINCIPLES[v.Principle.DATA_PROTECTION]
    VISIBILITY = v.Principle.VISIBILITY.value, v.PRINCIPLES[v.Principle.VISIBILITY]
