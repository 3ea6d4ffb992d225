"""The pages for models as things: list (search, score, last change), New model, settings, duplicate, archive,
restore, delete with confirmation; refused forms say why next to the field and save nothing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from threatmodel import models as m

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parents[1] / "data" / "models"


@pytest.fixture
def setup(db: Any) -> Any:
    from types import SimpleNamespace

    from tests.factories import MembershipFactory, TeamFactory, UserFactory, demo_model
    from threatmodel.choices import Role

    team = TeamFactory(name="Shop", slug="shop")
    owner, editor, viewer, outsider = (UserFactory(username=n) for n in ("owner", "editor", "viewer", "outsider"))
    MembershipFactory(team=team, user=owner, role=Role.OWNER)
    MembershipFactory(team=team, user=editor, role=Role.EDITOR)
    MembershipFactory(team=team, user=viewer, role=Role.VIEWER)
    MembershipFactory(team=TeamFactory(name="Other", slug="other"), user=outsider, role=Role.OWNER)
    return SimpleNamespace(
        team=team, owner=owner, editor=editor, viewer=viewer, outsider=outsider, model=demo_model(team=team, user=owner)
    )


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_dashboard_offers_new_model_to_editors_only(setup: Any) -> None:
    page = _client(setup.editor).get(reverse("home")).content.decode()
    assert 'data-testid="new-model"' in page and reverse("model-new") in page
    assert 'data-testid="new-model"' not in _client(setup.viewer).get(reverse("home")).content.decode()


def test_new_blank_model(setup: Any) -> None:
    client = _client(setup.editor)
    response = client.post(
        reverse("model-new"),
        {
            "team": setup.team.pk,
            "name": "Payments",
            "description": "Cards",
            "business_criticality": "critical",
            "start": "blank",
        },
    )
    model = m.ThreatModel.objects.get(team=setup.team, name="Payments")
    assert response.status_code == 302 and response["Location"] == reverse("model-detail", args=[model.pk])
    assert (model.description, model.business_criticality, model.revision) == ("Cards", "critical", 1)


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "a model needs a name"), ("BOUTIQUE online shop", "a model named 'Boutique online shop' already exists")],
)
def test_new_model_refuses_bad_names_inline(setup: Any, name: str, message: str) -> None:
    before = m.ThreatModel.objects.count()
    response = _client(setup.editor).post(reverse("model-new"), {"team": setup.team.pk, "name": name, "start": "blank"})
    assert response.status_code == 400
    page = response.content.decode()
    field_error = re.search(r'<p class="error field-error" id="err-name">(.*?)</p>', page)
    assert field_error and message in field_error.group(1).replace("&#x27;", "'")
    assert 'aria-invalid="true"' in page
    assert m.ThreatModel.objects.count() == before


def test_new_model_from_template_and_from_file(setup: Any) -> None:
    client = _client(setup.editor)
    client.post(reverse("model-new"), {"team": setup.team.pk, "name": "K8s", "start": "kubernetes-microservices"})
    model = m.ThreatModel.objects.get(name="K8s")
    assert m.Component.objects.filter(model=model).count() == 10 and model.business_criticality == "critical"
    upload = SimpleUploadedFile("minimal.json", (DATA / "minimal.json").read_bytes())
    response = client.post(
        reverse("model-new"), {"team": setup.team.pk, "name": "From file", "start": "blank", "file": upload}
    )
    assert response.status_code == 302
    assert m.DataFlow.objects.filter(model__name="From file").exists()  # the file's content, not a blank model
    bad = SimpleUploadedFile("bad.yaml", b"trustmap: 1\nmodel: {name: X}\ncomponents: [{id: 'no spaces', name: A}]\n")
    response = client.post(reverse("model-new"), {"team": setup.team.pk, "name": "Bad", "start": "file", "file": bad})
    assert response.status_code == 400
    assert "components[0].id" in response.content.decode()
    assert not m.ThreatModel.objects.filter(name="Bad").exists()


def test_list_search_score_and_last_change(setup: Any) -> None:
    from assessments.services.runs import assessment_run_execute, assessment_run_start

    run = assessment_run_start(model=setup.model, user=setup.owner)
    assessment_run_execute(run_id=run.pk)
    client = _client(setup.editor)
    client.post(reverse("model-new"), {"team": setup.team.pk, "name": "Payments", "start": "blank"})
    page = _text(client.get(reverse("model-list")).content.decode())
    assert "Boutique online shop" in page and "Payments" in page
    score = m.ThreatModel.objects.get(pk=setup.model.pk).assessment_runs.get().overall_score
    assert f"{score:.1f}" in page and "not assessed" in page
    assert "Created r1 · editor" in page
    found = _text(client.get(reverse("model-list") + "?q=pay").content.decode())
    assert "Payments" in found and "Boutique" not in found
    assert "No model matches “zzz”" in _text(client.get(reverse("model-list") + "?q=zzz").content.decode())
    assert "Payments" not in _text(_client(setup.outsider).get(reverse("model-list")).content.decode())


def test_settings_rename_and_errors(setup: Any) -> None:
    client = _client(setup.editor)
    url = reverse("model-settings", args=[setup.model.pk])
    response = client.post(
        url, {"name": "Shop", "description": "new", "business_criticality": "mission-critical", "base_revision": "1"}
    )
    assert response.status_code == 302
    model = m.ThreatModel.objects.get(pk=setup.model.pk)
    assert (model.name, model.description, model.business_criticality, model.revision) == (
        "Shop",
        "new",
        "mission-critical",
        2,
    )
    client.post(reverse("model-new"), {"team": setup.team.pk, "name": "Other", "start": "blank"})
    response = client.post(
        url, {"name": "other", "description": "new", "business_criticality": "mission-critical", "base_revision": "2"}
    )
    assert response.status_code == 400
    assert "a model named &#x27;Other&#x27; already exists" in response.content.decode()
    response = client.post(
        url, {"name": "Shop 2", "description": "new", "business_criticality": "mission-critical", "base_revision": "1"}
    )
    assert response.status_code == 409 and "it is now at revision 2" in response.content.decode()
    assert m.ThreatModel.objects.get(pk=setup.model.pk).name == "Shop"
    assert _client(setup.viewer).post(url, {"name": "V", "base_revision": "2"}).status_code == 404
    assert _client(setup.outsider).get(url).status_code == 404


def test_duplicate_archive_restore_delete(setup: Any) -> None:
    client = _client(setup.owner)
    pk = setup.model.pk
    response = client.post(reverse("model-duplicate", args=[pk]), follow=True)
    assert "Duplicated Boutique online shop as Boutique online shop (copy)." in _text(response.content.decode())
    response = client.post(reverse("model-archive", args=[pk]), follow=True)
    listed = _text(response.content.decode())
    assert "Archived Boutique online shop" in listed
    assert f'data-model="{pk}"' not in response.content.decode()
    assert f'data-model="{pk}"' not in client.get(reverse("home")).content.decode()
    archived = client.get(reverse("model-list") + "?status=archived").content.decode()
    assert f'data-model="{pk}"' in archived and "Restore" in archived
    editor_page = client.get(reverse("model-detail", args=[pk])).content.decode()
    assert "read-only" in editor_page
    client.post(reverse("model-restore", args=[pk]))
    assert m.ThreatModel.objects.get(pk=pk).archived_at is None
    confirm = client.get(reverse("model-delete", args=[pk])).content.decode()
    assert "Type <strong>Boutique online shop</strong> to confirm" in confirm
    response = client.post(reverse("model-delete", args=[pk]), {"confirm_name": "boutique"})
    assert response.status_code == 400 and m.ThreatModel.objects.filter(pk=pk).exists()
    response = client.post(reverse("model-delete", args=[pk]), {"confirm_name": "Boutique online shop"}, follow=True)
    assert "Deleted Boutique online shop." in _text(response.content.decode())
    assert not m.ThreatModel.objects.filter(pk=pk).exists()


def test_roles_on_actions(setup: Any) -> None:
    pk = setup.model.pk
    viewer, editor = _client(setup.viewer), _client(setup.editor)
    for name in ("model-duplicate", "model-archive", "model-restore"):
        assert viewer.post(reverse(name, args=[pk])).status_code == 404
    assert editor.get(reverse("model-delete", args=[pk])).status_code == 404
    assert viewer.get(reverse("model-duplicate", args=[pk])).status_code == 405
