"""Server-rendered pages of issue 5: access (404 for other teams), content, escaping, import errors."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def setup(db: Any) -> Any:
    from types import SimpleNamespace

    from tests.factories import MembershipFactory, TeamFactory, UserFactory, demo_model
    from threatmodel.choices import Role

    team = TeamFactory(name="Shop", slug="shop")
    owner, viewer, outsider = (UserFactory(username=n) for n in ("owner", "viewer", "outsider"))
    MembershipFactory(team=team, user=owner, role=Role.OWNER)
    MembershipFactory(team=team, user=viewer, role=Role.VIEWER)
    MembershipFactory(team=TeamFactory(name="Other", slug="other"), user=outsider, role=Role.OWNER)
    return SimpleNamespace(
        team=team, owner=owner, viewer=viewer, outsider=outsider, model=demo_model(team=team, user=owner)
    )


def _json_block(page: str, block_id: str) -> Any:
    match = re.search(rf'<script id="{block_id}" type="application/json">(.*?)</script>', page, re.S)
    assert match, block_id
    return json.loads(match.group(1))


MODEL_PAGES = ("model-detail", "model-findings", "model-reports", "revision-list")


def test_model_pages_render_for_members_and_404_for_other_teams(client: Any, setup: Any) -> None:
    client.force_login(setup.owner)
    for name in MODEL_PAGES:
        assert client.get(reverse(name, args=[setup.model.pk])).status_code == 200, name
    assert client.get(reverse("revision-diff", args=[setup.model.pk, 1])).status_code == 200
    client.force_login(setup.outsider)
    for name in MODEL_PAGES:
        assert client.get(reverse(name, args=[setup.model.pk])).status_code == 404, name
    assert client.get(reverse("revision-diff", args=[setup.model.pk, 1])).status_code == 404
    assert client.get(reverse("model-detail", args=[999_999])).status_code == 404


def test_anonymous_users_are_sent_to_login(client: Any, setup: Any) -> None:
    for url in (
        reverse("home"),
        reverse("model-detail", args=[setup.model.pk]),
        reverse("catalog-rules"),
        reverse("model-import"),
        reverse("api-tokens"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"], url


def test_editor_page_embeds_document_vocabularies_and_permissions(client: Any, setup: Any) -> None:
    client.force_login(setup.owner)
    page = client.get(reverse("model-detail", args=[setup.model.pk])).content.decode()
    document = _json_block(page, "editor-document")
    assert document["revision"] == setup.model.revision
    assert {c["id"] for c in document["document"]["components"]} >= {"cart", "checkout"}
    assert all(c["position"] is not None for c in document["document"]["components"])  # grid until laid out
    vocabulary = _json_block(page, "editor-vocabulary")
    fields = {f["name"]: f for f in vocabulary["kinds"]["component"]["fields"]}
    from threatmodel.vocabulary import Authentication, ComponentKind

    assert fields["kind"]["values"] == [k.value for k in ComponentKind]
    assert fields["authentication"]["values"] == [a.value for a in Authentication]
    assert fields["boundary"] == {**fields["boundary"], "type": "ref", "ref": "boundary", "nullable": True}
    assert {f["name"] for f in vocabulary["kinds"]["flow"]["fields"]} >= {"source", "target", "encryption", "port"}
    config = _json_block(page, "editor-config")
    assert config["can_edit"] is True
    assert config["urls"]["changesets"] == f"/api/v1/models/{setup.model.pk}/changesets/"
    assert 'data-testid="palette-web-frontend"' in page
    assert "cytoscape.min.js" in page and "https://" not in page.split("<body", 1)[1].split("application/json")[0]

    client.force_login(setup.viewer)
    page = client.get(reverse("model-detail", args=[setup.model.pk])).content.decode()
    assert _json_block(page, "editor-config")["can_edit"] is False
    assert 'data-testid="palette-' not in page


def test_hostile_names_are_text_on_every_page(client: Any, setup: Any) -> None:
    from threatmodel import services
    from threatmodel.changes import ElementChange

    services.changeset_apply(
        model=setup.model,
        user=setup.owner,
        base_revision=setup.model.revision,
        changes=[
            ElementChange("update", "component", "cart", {"name": HOSTILE, "description": HOSTILE}),
            ElementChange("update", "model", "", {"description": HOSTILE}),
        ],
        message=HOSTILE,
    )
    client.force_login(setup.owner)
    urls = [
        reverse("home"),
        reverse("model-detail", args=[setup.model.pk]),
        reverse("revision-list", args=[setup.model.pk]),
        reverse("revision-diff", args=[setup.model.pk, setup.model.revision]),
        reverse("model-findings", args=[setup.model.pk]),
        reverse("model-reports", args=[setup.model.pk]),
    ]
    for url in urls:
        page = client.get(url).content.decode()
        assert HOSTILE not in page, url
    page = client.get(reverse("model-detail", args=[setup.model.pk])).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert _json_block(page, "editor-document")["document"]["components"]


def test_dashboard_shows_score_trend_and_open_findings(client: Any, setup: Any) -> None:
    from django.utils import timezone

    from assessments.choices import JobStatus
    from assessments.models import AssessmentRun, RunFinding

    for i, score in enumerate((50.0, 62.5, 70.0)):
        run = AssessmentRun.objects.create(
            model=setup.model,
            revision=1,
            status=JobStatus.SUCCEEDED,
            overall_score=score,
            finished_at=timezone.now() - timezone.timedelta(days=3 - i),
        )
    # the latest run's rows: 2 high, 4 medium, 1 low open, and a critical one mitigated by a control
    for n, severity in enumerate(["high"] * 2 + ["medium"] * 4 + ["low", "critical"]):
        mitigated = ["c-waf"] if severity == "critical" else []
        RunFinding.objects.create(
            run=run, fingerprint=f"r@{n}", rule="r", title="t", severity=severity, ordinal=n, mitigated_by=mitigated
        )
    client.force_login(setup.owner)
    page = client.get(reverse("home")).content.decode()
    assert "70.0" in page and "<polyline" in page and "+20.0" in page
    # the trend drawn over its own padded range (45..75) in the 120 x 28 box, oldest first
    assert 'points="0.0,22.0 60.0,12.0 120.0,6.0"' in page
    assert "2 high" in page and "4 medium" in page and "critical" not in page.split("2 high")[1].split("</td>")[0]


def test_catalog_lists_rules_with_mappings_and_filters(client: Any, setup: Any) -> None:
    client.force_login(setup.viewer)
    page = client.get(reverse("catalog-rules")).content.decode()
    assert "enc.plaintext-sensitive" in page and "CWE-319" in page and "information-disclosure" in page
    assert "Web application firewall" in page
    filtered = client.get(reverse("catalog-rules"), {"severity": "high", "q": "plaintext"}).content.decode()
    assert "enc.plaintext-sensitive" in filtered and "enc.plaintext-crossing" not in filtered


def test_import_creates_a_model_or_names_every_problem(client: Any, setup: Any) -> None:
    client.force_login(setup.owner)
    bad = (
        "trustmap: 1\nmodel: {name: Broken}\ncomponents:\n  - {id: a, name: A, boundary: nowhere}\n"
        "  - {id: b, name: B, kind: spaceship}\n"
    )
    response = client.post(
        reverse("model-import"), {"team": setup.team.pk, "file": SimpleUploadedFile("broken.yaml", bad.encode())}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "components[1].kind" in page and "spaceship" in page
    response = client.post(
        reverse("model-import"),
        {"team": setup.team.pk, "file": SimpleUploadedFile("broken.yaml", bad.replace("kind: spaceship", "").encode())},
    )
    assert response.status_code == 400 and "components[0].boundary" in response.content.decode()
    good = (
        "trustmap: 1\nmodel: {name: Imported shop}\nboundaries: [{id: z, name: Zone}]\n"
        "components:\n  - {id: a, name: A, boundary: z}\n  - {id: b, name: B}\n"
        "flows: [{id: f, source: a, target: b}]\n"
    )
    response = client.post(
        reverse("model-import"), {"team": setup.team.pk, "file": SimpleUploadedFile("good.yaml", good.encode())}
    )
    assert response.status_code == 302
    from threatmodel.models import ThreatModel

    model = ThreatModel.objects.get(name="Imported shop")
    assert response["Location"] == reverse("model-detail", args=[model.pk])
    client.force_login(setup.viewer)  # a viewer cannot import into the team
    response = client.post(
        reverse("model-import"),
        {"team": setup.team.pk, "file": SimpleUploadedFile("good.yaml", good.replace("Imported", "Other").encode())},
    )
    assert response.status_code == 400 and not ThreatModel.objects.filter(name="Other shop").exists()


def test_revision_diff_page_highlights_changes_on_the_diagram(client: Any, setup: Any) -> None:
    from threatmodel import services
    from threatmodel.changes import ElementChange

    services.changeset_apply(
        model=setup.model,
        user=setup.owner,
        base_revision=1,
        changes=[ElementChange("update", "flow", "cart-to-redis", {"encryption": "tls"})],
    )
    client.force_login(setup.owner)
    page = client.get(reverse("revision-diff", args=[setup.model.pk, 2])).content.decode()
    config = _json_block(page, "editor-config")
    assert config["readonly"] is True and config["diff"] == {"cart-to-redis": "changed"}
    assert "diff-changed" in page


def test_token_and_report_pages_render(client: Any, setup: Any) -> None:
    client.force_login(setup.owner)
    page = client.get(reverse("api-tokens")).content.decode()
    assert 'id="token-form"' in page and "/api/v1/tokens/" in page
    page = client.get(reverse("model-reports", args=[setup.model.pk])).content.decode()
    assert 'data-testid="report-generate"' in page
    client.force_login(setup.viewer)
    page = client.get(reverse("model-reports", args=[setup.model.pk])).content.decode()
    assert 'data-testid="report-generate"' not in page


def test_svg_export_from_the_servers_graphviz(client: Any, setup: Any) -> None:
    import shutil

    assert shutil.which("dot"), "Graphviz is missing: run make system-test"
    client.force_login(setup.viewer)
    page = client.get(reverse("model-detail", args=[setup.model.pk])).content.decode()
    assert 'data-testid="tool-svg"' in page
    response = client.get(reverse("model-diagram-svg", args=[setup.model.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode()
    assert "<svg" in body and "Checkout service" in body and "<script" not in body
    client.force_login(setup.outsider)
    assert client.get(reverse("model-diagram-svg", args=[setup.model.pk])).status_code == 404


def test_revision_diff_shows_values_readably(client: Any, setup: Any) -> None:
    """Positions as ``x, y``, lists as chips, flags as yes/no: never a Python dict or list."""
    from threatmodel import services
    from threatmodel.changes import ElementChange

    services.changeset_apply(
        model=setup.model,
        user=setup.owner,
        base_revision=setup.model.revision,
        changes=[
            ElementChange(
                "update", "component", "redis-cart", {"position": {"x": 120, "y": 48.5}, "tags": ["cache", "pci"]}
            )
        ],
    )
    client.force_login(setup.owner)
    page = client.get(reverse("revision-diff", args=[setup.model.pk, setup.model.revision])).content.decode()
    changes = page[page.index("<h2>Changes</h2>") :]
    assert "<ins>120, 48.5</ins>" in changes
    assert '<ins><span class="chip">cache</span> <span class="chip">pci</span></ins>' in changes
    assert "{&#x27;" not in changes and "[&#x27;" not in changes and "{'" not in changes


def test_import_page_lists_every_problem_of_a_refused_file_with_its_path(client: Any, setup: Any) -> None:
    from pathlib import Path

    from threatmodel import models as m

    raw = (Path(__file__).parents[1] / "data" / "models" / "four-problems.yaml").read_bytes()
    client.force_login(setup.owner)
    response = client.post(
        reverse("model-import"), {"team": setup.team.pk, "file": SimpleUploadedFile("four-problems.yaml", raw)}
    )
    assert response.status_code == 400
    page = response.content.decode()
    box = page[page.index('data-testid="import-errors"') :]
    assert "4 problems" in box
    items = re.findall(r"<li><code>([^<]+)</code>: ([^<]+)</li>", box)
    assert [path for path, _ in items] == [
        "components[0].kind",
        "components[1].encryption_at_rest",
        "model.business_criticality",
        "flows[0].target",
    ]
    assert "nowhere" in items[3][1] and not m.ThreatModel.objects.filter(name="Bad").exists()


def test_import_of_a_foreign_file_lists_what_it_assumed(client: Any, setup: Any) -> None:
    """A foreign OTM file says nothing of authentication or encryption: the page shows every assumption the
    reader made (the same list the reader answers), with a link to the model, instead of going straight to it."""
    import html

    from tests.interchange.conftest import INTERCHANGE
    from threatmodel.interchange import registry
    from threatmodel.models import ThreatModel

    raw = (INTERCHANGE / "EXAMPLE.json").read_bytes()
    expected = registry.read(raw, filename="EXAMPLE.json").assumptions
    assert len(expected) >= 3
    client.force_login(setup.owner)
    response = client.post(
        reverse("model-import"), {"team": setup.team.pk, "file": SimpleUploadedFile("EXAMPLE.json", raw)}
    )
    assert response.status_code == 200
    page = response.content.decode()
    model = ThreatModel.objects.get(team=setup.team, revision=1, name=registry.read(raw).snapshot.info.name)
    section = page[page.index('data-testid="import-assumptions"') :]
    section = section[: section.index("</section>")]
    assert reverse("model-detail", args=[model.pk]) in section
    items = re.findall(r"<li>(.*?)</li>", section, re.S)
    shown = [html.unescape(re.sub(r"<[^>]+>", "", item)) for item in items]
    assert shown == [f"{a.path}: {a.message}" if a.path else a.message for a in expected]
    assert "trustZones[0].risk.trustRating: trust rating 20.0 read as trust level untrusted" in shown
    assert 'data-testid="import-errors"' not in page
