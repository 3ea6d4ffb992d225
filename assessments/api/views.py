"""Assessment jobs, findings and triage, scores, live assessment, reports."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.urls import reverse
from django.utils.text import slugify
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from assessments import selectors, selectors_findings
from assessments.api import serializers as s
from assessments.api.filters import FindingFilterSet, ScoreHistoryFilterSet
from assessments.choices import JobStatus
from assessments.models import AssessmentRun, Report, RunFinding
from assessments.services import reimport, reports, runs, triage, webhooks
from threatmodel import models as tm
from threatmodel.api.common import parse_id
from threatmodel.api.serializers import ErrorSerializer
from threatmodel.api.views_models import RawModelParser, uploaded_file
from threatmodel.choices import Role
from threatmodel.security import origin_of
from threatmodel.selectors import NotFound, model_for_user

ERRORS = {400: ErrorSerializer, 404: ErrorSerializer}


def _model(request: Request, model_id: Any, role: str = Role.VIEWER) -> tm.ThreatModel:
    return model_for_user(user=request.user, model_id=parse_id(model_id), role=role)


class ModelAssessmentViewSet(viewsets.GenericViewSet[AssessmentRun]):
    """Assessment runs of a model: start one (a background job) or list them."""

    serializer_class = s.AssessmentRunSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return AssessmentRun.objects.none()
        return selectors.runs_of_model(model=_model(self.request, self.kwargs["model_id"]))

    def list(self, request: Request, model_id: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=None,
        responses={202: s.AssessmentRunSerializer, **ERRORS},
        description="Start an assessment of the current revision. Answers 202 with the job's URL "
        "(also in `Location`); poll it for status, progress and the result.",
    )
    def create(self, request: Request, model_id: str) -> Response:
        model = _model(request, model_id, Role.EDITOR)
        run = runs.assessment_run_start(model=model, user=request.user)
        run = AssessmentRun.objects.defer("result").get(pk=run.pk)
        url = reverse("assessment-run-detail", kwargs={"pk": run.pk})
        return Response(self.get_serializer(run).data, status=status.HTTP_202_ACCEPTED, headers={"Location": url})


class AssessmentRunViewSet(viewsets.GenericViewSet[AssessmentRun]):
    """One assessment job: status, progress, timings and, when done, the result."""

    serializer_class = s.AssessmentRunDetailSerializer
    queryset = AssessmentRun.objects.none()
    filter_backends: list[Any] = []

    def retrieve(self, request: Request, pk: str) -> Response:
        run = selectors.run_for_user(user=request.user, run_id=parse_id(pk), with_result=True)
        return Response(self.get_serializer(run).data)


class FindingViewSet(viewsets.GenericViewSet[RunFinding]):
    """Findings of a run (default: the model's latest successful run) with their triage status."""

    serializer_class = s.RunFindingSerializer
    filterset_class = FindingFilterSet
    lookup_field = "fingerprint"
    lookup_value_regex = r"[^/\s]{1,512}"

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return RunFinding.objects.none()
        model = _model(self.request, self.kwargs["model_id"])
        raw_run = self.request.query_params.get("run")
        run = selectors.run_of_model(model=model, run_id=parse_id(raw_run) if raw_run else None)
        return selectors.findings_of_run(run=run)

    @extend_schema(
        parameters=[
            OpenApiParameter("run", int, required=False, description="a run of this model (default: latest successful)")
        ],
        responses={200: s.RunFindingSerializer(many=True), 404: ErrorSerializer},
    )
    def list(self, request: Request, model_id: str) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses={200: s.FindingDetailSerializer, 404: ErrorSerializer})
    def retrieve(self, request: Request, model_id: str, fingerprint: str) -> Response:
        model = _model(request, model_id)
        return Response(self._detail(model, fingerprint))

    @extend_schema(
        request=s.TriageInputSerializer,
        responses={200: s.FindingDetailSerializer, **ERRORS},
        description="Triage a finding by fingerprint: open, accepted (justification required, optional "
        "expires_at), mitigated or false_positive (justification required). The decision "
        "carries over to later revisions and runs.",
    )
    def partial_update(self, request: Request, model_id: str, fingerprint: str) -> Response:
        model = _model(request, model_id, Role.EDITOR)
        data = s.TriageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        triage.finding_triage_set(
            model=model,
            fingerprint=fingerprint,
            user=request.user,
            origin=origin_of(request),
            owner=_owner(model, values.pop("owner")),
            **values,
        )
        return Response(self._detail(model, fingerprint))

    @extend_schema(
        request=s.BulkTriageInputSerializer,
        responses={200: s.BulkTriageOutputSerializer, 403: ErrorSerializer, **ERRORS},
        description="One triage decision for many findings of a run (default: the latest successful one): the "
        "named `fingerprints`, or every finding matching `filter` (the parameters of GET .../findings/). All or "
        "none; each finding's decision is recorded in the audit log. Editors and owners only.",
    )
    @action(detail=False, methods=["post"], url_path="triage")
    def triage(self, request: Request, model_id: str) -> Response:
        model = _model(request, model_id, Role.EDITOR)
        data = s.BulkTriageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        run = selectors.run_of_model(model=model, run_id=values.pop("run", None))
        fingerprints = selectors_findings.fingerprints_to_triage(
            run=run, fingerprints=values.pop("fingerprints", None), params=values.pop("filter", None)
        )
        decisions = triage.finding_triage_set_many(
            model=model,
            fingerprints=fingerprints,
            user=request.user,
            origin=origin_of(request),
            owner=_owner(model, values.pop("owner")),
            **values,
        )
        return Response(
            {
                "status": values["status"],
                "updated": len(decisions),
                "fingerprints": [d.fingerprint for d in decisions],
                "run": run.pk,
                "counts": selectors.run_counts(run_id=run.pk, model_id=model.pk),
            }
        )

    def _detail(self, model: tm.ThreatModel, fingerprint: str) -> dict[str, Any]:
        decision = selectors.triage_of_model(model_id=model.pk).get(fingerprint)
        finding = selectors.finding_of_model(model=model, fingerprint=fingerprint)
        if finding is None and decision is None:
            raise NotFound("finding not found")
        return {
            "fingerprint": fingerprint,
            "finding": s.RunFindingSerializer(finding).data if finding is not None else None,
            "triage": selectors.triage_payload(decision),
            "history": s.TriageEventSerializer(
                selectors_findings.triage_events(model=model, fingerprint=fingerprint), many=True
            ).data,
        }


def _owner(model: tm.ThreatModel, username: str | None) -> Any:
    """The team member a decision names as its owner (by user name); 400 for a name outside the team."""
    if not username:
        return None
    owner = selectors_findings.team_member(model=model, username=username)
    if owner is None:
        message = f"{username!r} is not a member of the model's team"
        raise ValidationError({"detail": message, "errors": [{"path": "owner", "message": message}]})
    return owner


class ModelScoreViewSet(viewsets.ViewSet):
    """Posture scores of a model from its assessment runs."""

    @extend_schema(
        responses={200: s.ScoreSerializer, 404: ErrorSerializer},
        description="The latest successful run's overall score, principles and pillars (with stages).",
    )
    def latest(self, request: Request, model_id: str) -> Response:
        pk = parse_id(model_id)
        row = selectors.latest_score_for_user(user=request.user, model_id=pk)
        scores = row["scores"] or {}
        return Response(
            {
                "model": pk,
                "run": row["pk"],
                "revision": row["revision"],
                "at": row["finished_at"],
                "overall": row["overall_score"],
                "stage": scores.get("stage", ""),
                "grade": scores.get("grade"),
                "assessed": scores.get("assessed", True),
                "verdict": scores.get("verdict", ""),
                "coverage": scores.get("coverage"),
                "principles": scores.get("principles", []),
                "pillars": scores.get("pillars", []),
                "counts": {
                    **selectors.run_counts_of_row(row, model_id=pk),
                    "attack_paths": (row["counts"] or {}).get("attack_paths", 0),
                },
            }
        )

    @extend_schema(
        parameters=[OpenApiParameter("since", OpenApiTypes.DATETIME, required=False)],
        responses={200: s.ScorePointSerializer(many=True), **ERRORS},
        description="The score time series (oldest first, at most 1000 points).",
    )
    def history(self, request: Request, model_id: str) -> Response:
        model = _model(request, model_id)
        runs = ScoreHistoryFilterSet(
            request.query_params, queryset=selectors.scored_runs_of_model(model=model), request=request
        )
        if not runs.is_valid():
            raise ValidationError(runs.errors)
        return Response(selectors.score_points(runs=runs.qs))

    @extend_schema(
        responses={200: s.LiveAssessmentSerializer, 404: ErrorSerializer},
        description="Assess the current revision now (not persisted), with the team's custom rules; "
        "each finding carries its triage `status`.",
    )
    def live(self, request: Request, model_id: str) -> Response:
        model = _model(request, model_id)
        result = runs.live_assessment(model=model)
        decisions = selectors.triage_of_model(model_id=model.pk)
        for finding in result.get("findings", []):
            finding["status"] = selectors.effective_status(decisions.get(finding.get("id")))
        result["counts"] = selectors.live_counts(model_id=model.pk, findings=result.get("findings", []))
        return Response(result)


class ModelReportViewSet(viewsets.GenericViewSet[Report]):
    """Reports of a model: request one (a background job) or list them."""

    serializer_class = s.ReportSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Report.objects.none()
        return selectors.reports_of_model(model=_model(self.request, self.kwargs["model_id"]))

    def list(self, request: Request, model_id: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=s.ReportRequestSerializer, responses={202: s.ReportSerializer, **ERRORS})
    def create(self, request: Request, model_id: str) -> Response:
        model = _model(request, model_id, Role.EDITOR)
        data = s.ReportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run_id = data.validated_data.get("run")
        try:
            run = selectors.run_of_model(model=model, run_id=run_id)
        except NotFound as exc:
            raise ValidationError({"detail": str(exc), "errors": [{"path": "run", "message": str(exc)}]}) from None
        report = reports.report_request(model=model, run=run, fmt=data.validated_data["format"], user=request.user)
        report = Report.objects.get(pk=report.pk)
        return Response(
            self.get_serializer(report).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": reverse("report-detail", kwargs={"pk": report.pk})},
        )


class ModelWebhookViewSet(viewsets.ViewSet):
    """The model's webhook, called when an assessment succeeds (editors and owners)."""

    @extend_schema(responses={200: s.WebhookSerializer, 404: ErrorSerializer})
    def retrieve(self, request: Request, model_id: str) -> Response:
        model = _model(request, model_id, Role.EDITOR)
        webhook = selectors.webhook_of_model(model=model)
        if webhook is None:
            raise NotFound("this model has no webhook")
        return Response(s.WebhookSerializer(webhook).data)

    @extend_schema(
        request=s.WebhookInputSerializer,
        responses={200: s.WebhookCreatedSerializer, **ERRORS},
        description="Set or replace the webhook, with a new secret (shown once). Each succeeded "
        "assessment is POSTed to the URL, signed: `X-Trustmap-Signature: sha256=<hex "
        "HMAC-SHA256(secret, <X-Trustmap-Timestamp> + '.' + body)>`.",
    )
    def update(self, request: Request, model_id: str) -> Response:
        model = _model(request, model_id, Role.EDITOR)
        data = s.WebhookInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            webhook, secret = webhooks.webhook_set(model=model, url=data.validated_data["url"], user=request.user)
        except webhooks.WebhookError as exc:
            raise ValidationError({"detail": str(exc), "errors": [{"path": "url", "message": str(exc)}]}) from None
        return Response({**s.WebhookSerializer(webhook).data, "secret": secret})

    @extend_schema(responses={204: None, 404: ErrorSerializer})
    def destroy(self, request: Request, model_id: str) -> Response:
        model = _model(request, model_id, Role.EDITOR)
        if not webhooks.webhook_delete(model=model):
            raise NotFound("this model has no webhook")
        return Response(status=status.HTTP_204_NO_CONTENT)


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html",
    "sarif": "application/sarif+json",
    "csv": "text/csv",
    "json": "application/json",
    "text": "text/plain",
}


class ReportViewSet(viewsets.GenericViewSet[Report]):
    """One report job: status and progress; download the file when it succeeded."""

    serializer_class = s.ReportSerializer
    queryset = Report.objects.none()
    filter_backends: list[Any] = []

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(selectors.report_for_user(user=request.user, report_id=parse_id(pk))).data)

    @extend_schema(
        responses={
            **{(200, content_type): OpenApiResponse(OpenApiTypes.BINARY) for content_type in CONTENT_TYPES.values()},
            404: ErrorSerializer,
            409: ErrorSerializer,
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str) -> Any:
        report = selectors.report_for_user(user=request.user, report_id=parse_id(pk))
        if report.status != JobStatus.SUCCEEDED or not report.file:
            return Response(
                {"detail": f"the report is {report.status}, not ready for download"}, status=status.HTTP_409_CONFLICT
            )
        try:
            handle = report.file.open("rb")
        except (FileNotFoundError, OSError):
            raise NotFound("the report file is missing") from None
        name = (
            f"trustmap-{slugify(report.model.name) or 'model'}-r{report.run.revision}-report{report.pk}.{report.format}"
        )
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=name,
            content_type=CONTENT_TYPES.get(report.format, "application/octet-stream"),
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


class ModelImportPreviewViewSet(viewsets.ViewSet):
    """Dry run of a re-import: the diff, the findings that would open or close and the score, nothing written."""

    parser_classes = [parsers.MultiPartParser, RawModelParser]

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer("ModelFilePreview", {"file": serializers.FileField()}),
            "application/yaml": OpenApiTypes.STR,
        },
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="base_revision, diff, findings, score"),
            400: ErrorSerializer,
            404: ErrorSerializer,
        },
        description="Preview importing a newer version of the model's file (any importable format). Apply it with "
        "`POST /api/v1/models/{id}/import/` and `base_revision` = the preview's `base_revision`: a model "
        "changed since the preview is refused with 409.",
    )
    def create(self, request: Request, model_id: str) -> Response:
        model = _model(request, model_id, Role.EDITOR)
        raw, filename = uploaded_file(request)
        return Response(reimport.reimport_preview(model=model, data=raw, filename=filename))
