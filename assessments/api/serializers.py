"""Serializers of the assessments API."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.choices import ReportFormat, TriageStatus
from assessments.models import AssessmentRun, ModelWebhook, Report, RunFinding
from assessments.selectors_findings import MAX_BULK


class AssessmentRunSerializer(serializers.ModelSerializer[AssessmentRun]):
    url = serializers.SerializerMethodField()
    requested_by = serializers.CharField(source="requested_by.username", default=None, read_only=True, allow_null=True)

    class Meta:
        model = AssessmentRun
        fields = [
            "id",
            "url",
            "model",
            "revision",
            "status",
            "progress",
            "progress_message",
            "trigger",
            "requested_by",
            "created_at",
            "started_at",
            "heartbeat_at",
            "finished_at",
            "duration_ms",
            "attempts",
            "error",
            "overall_score",
            "scores",
            "counts",
        ]
        read_only_fields = fields

    def get_url(self, run: AssessmentRun) -> str:
        return reverse("assessment-run-detail", kwargs={"pk": run.pk})


class AssessmentRunDetailSerializer(AssessmentRunSerializer):
    result = serializers.SerializerMethodField(
        help_text="The engine's JSON result once the run succeeded (docs/assessment-json.md), else null."
    )

    class Meta(AssessmentRunSerializer.Meta):
        fields = [*AssessmentRunSerializer.Meta.fields, "result"]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "nullable": True, "additionalProperties": True})
    def get_result(self, run: AssessmentRun) -> Any:
        return run.result if run.status == "succeeded" else None


class RunFindingSerializer(serializers.ModelSerializer[RunFinding]):
    id = serializers.CharField(source="fingerprint", read_only=True)
    status = serializers.CharField(
        source="triage_status", read_only=True, help_text="Triage status in force (an expired acceptance is open)."
    )
    mitigated = serializers.SerializerMethodField()
    run = serializers.IntegerField(source="run_id", read_only=True)
    bucket = serializers.CharField(
        read_only=True,
        help_text="Where the counts count it: mitigated (by a control or triaged), false_positive, accepted or open.",
    )

    class Meta:
        model = RunFinding
        fields = [
            "id",
            "rule",
            "title",
            "severity",
            "principle",
            "pillar",
            "family",
            "stride",
            "cwe",
            "elements",
            "boundaries",
            "first_seen_revision",
            "mitigated",
            "mitigated_by",
            "status",
            "bucket",
            "remediation",
            "evidence",
            "run",
        ]
        read_only_fields = fields

    def get_mitigated(self, finding: RunFinding) -> bool:
        return bool(finding.mitigated_by)


class TriageSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=TriageStatus.choices)
    recorded_status = serializers.ChoiceField(choices=TriageStatus.choices, allow_null=True)
    justification = serializers.CharField(allow_blank=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    expired = serializers.BooleanField()
    decided_by = serializers.CharField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    owner = serializers.CharField(allow_null=True, help_text="user name of the team member who owns the decision")


class TriageEventSerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    actor = serializers.CharField(allow_blank=True)
    status = serializers.CharField()
    previous_status = serializers.CharField(allow_null=True)
    justification = serializers.CharField(allow_blank=True)
    owner = serializers.CharField(allow_null=True)
    expires_at = serializers.CharField(allow_null=True)


class FindingDetailSerializer(serializers.Serializer[Any]):
    fingerprint = serializers.CharField()
    finding = serializers.DictField(allow_null=True, help_text="The finding in the latest successful run, if any.")
    triage = TriageSerializer()
    history = TriageEventSerializer(many=True, help_text="The finding's triage decisions (audit log), newest first.")


class TriageInputSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=TriageStatus.choices)
    justification = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    owner = serializers.CharField(
        required=False, allow_null=True, default=None, max_length=150, help_text="user name of a team member"
    )


class BulkTriageInputSerializer(TriageInputSerializer):
    """One decision for the named findings, or for every finding of the run that matches ``filter``."""

    fingerprints = serializers.ListField(
        child=serializers.CharField(max_length=512), required=False, min_length=1, max_length=MAX_BULK
    )
    filter = serializers.DictField(
        required=False,
        help_text="the parameters of GET .../findings/ (severity, bucket, status, rule, family, stride, cwe, "
        "element, boundary, new_since, q, ...); {} matches every finding",
    )
    run = serializers.IntegerField(required=False, help_text="a run of this model (default: latest successful)")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("fingerprints" in attrs) == ("filter" in attrs):
            raise serializers.ValidationError({"fingerprints": ["give either fingerprints or a filter"]})
        return attrs


class BulkTriageOutputSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=TriageStatus.choices)
    updated = serializers.IntegerField(help_text="how many findings took the decision")
    fingerprints = serializers.ListField(child=serializers.CharField())
    run = serializers.IntegerField()
    counts = serializers.DictField(help_text="the run's counts with the decision in force (as GET .../score/)")


class ScoreEntrySerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    name = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    stage = serializers.CharField(allow_blank=True)
    grade = serializers.CharField(allow_null=True, required=False, help_text="A-F; null when not assessed.")
    failed = serializers.IntegerField(required=False)


class CoverageItemSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    name = serializers.CharField()
    covered = serializers.IntegerField()
    total = serializers.IntegerField()
    hint = serializers.CharField(help_text="What to add to the model.")


class CoverageSerializer(serializers.Serializer[Any]):
    ratio = serializers.FloatField(help_text="Share (0-1) of what the engine needs that the model states.")
    threshold = serializers.FloatField(help_text="Below this ratio the model gets no grade.")
    covered = serializers.IntegerField()
    total = serializers.IntegerField()
    items = CoverageItemSerializer(many=True)


class ScoreSerializer(serializers.Serializer[Any]):
    model = serializers.IntegerField()
    run = serializers.IntegerField()
    revision = serializers.IntegerField()
    at = serializers.DateTimeField(allow_null=True)
    overall = serializers.FloatField(allow_null=True)
    stage = serializers.CharField(allow_blank=True)
    grade = serializers.CharField(allow_null=True, help_text="A-F (docs/scoring.md); null when not assessed.")
    assessed = serializers.BooleanField(help_text="False: not enough detail to assess (see verdict, coverage).")
    verdict = serializers.CharField(allow_blank=True)
    coverage = CoverageSerializer(allow_null=True)
    principles = ScoreEntrySerializer(many=True)
    pillars = ScoreEntrySerializer(many=True)
    counts = serializers.DictField(allow_null=True)


class ScorePointSerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    run = serializers.IntegerField()
    revision = serializers.IntegerField()
    overall = serializers.FloatField(allow_null=True)
    stage = serializers.CharField(allow_blank=True)
    grade = serializers.CharField(allow_null=True)
    coverage = serializers.FloatField(allow_null=True, help_text="Coverage ratio (0-1) of the run's model.")
    principles = serializers.DictField(child=serializers.FloatField(allow_null=True))
    pillars = serializers.DictField(child=serializers.FloatField(allow_null=True))


class LiveAssessmentSerializer(serializers.Serializer[Any]):
    revision = serializers.IntegerField()
    summary = serializers.DictField()
    findings = serializers.ListField(
        child=serializers.DictField(), help_text="Engine findings, each with its triage `status`."
    )
    attack_paths = serializers.ListField(child=serializers.DictField())
    scores = serializers.DictField()
    plan = serializers.ListField(child=serializers.DictField())


class ReportSerializer(serializers.ModelSerializer[Report]):
    url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "url",
            "download_url",
            "model",
            "run",
            "format",
            "status",
            "progress",
            "progress_message",
            "size_bytes",
            "sha256",
            "created_at",
            "finished_at",
            "attempts",
            "error",
        ]
        read_only_fields = fields

    def get_url(self, report: Report) -> str:
        return reverse("report-detail", kwargs={"pk": report.pk})

    @extend_schema_field({"type": "string", "nullable": True})
    def get_download_url(self, report: Report) -> str | None:
        return reverse("report-download", kwargs={"pk": report.pk}) if report.status == "succeeded" else None


class ReportRequestSerializer(serializers.Serializer[Any]):
    format = serializers.ChoiceField(choices=ReportFormat.choices)
    run = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**62,
        help_text="A successful run of this model (default: the latest).",
    )


class WebhookSerializer(serializers.ModelSerializer[ModelWebhook]):
    class Meta:
        model = ModelWebhook
        fields = ["model", "url", "updated_at", "last_delivery_at", "last_status", "last_error"]
        read_only_fields = fields


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown once: the HMAC-SHA256 key of the signatures.")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookInputSerializer(serializers.Serializer[Any]):
    url = serializers.URLField(max_length=2000, help_text="http(s) URL called when an assessment succeeds.")
