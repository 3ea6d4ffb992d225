"""One model file limit (issue 17): whatever Trustmap exports of a model at the supported scale (10,000
components / 50,000 flows) it imports back, in every format; an export past the limit is written with a warning;
a raw API body past the limit is a 413, and JSON API bodies keep their own, smaller limit."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from assessments.cli import EXIT_OK, main
from testkit.synthetic import generate_snapshot
from tests.interchange.conftest import MODELS
from threatmodel.interchange import native, registry
from threatmodel.interchange.native import MAX_FILE_BYTES


@pytest.fixture(scope="module")
def supported_scale_exports() -> dict[str, int]:
    snapshot = generate_snapshot(10_000, 50_000, seed=7)
    return {fmt: len(registry.write(snapshot, fmt)) for fmt in registry.WRITABLE}


def test_every_export_at_the_supported_scale_fits_the_import_limit(supported_scale_exports: dict[str, int]) -> None:
    assert set(supported_scale_exports) >= {"native-json", "otm", "threat-dragon"}
    for fmt, size in supported_scale_exports.items():
        assert size <= MAX_FILE_BYTES, f"{fmt}: {size:,} bytes"
    # the largest (Threat Dragon) leaves headroom for longer names and descriptions than the generator writes
    assert max(supported_scale_exports.values()) * 1.2 < MAX_FILE_BYTES
    # model files are allowed to be larger than JSON API bodies: they are separate limits
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < supported_scale_exports["threat-dragon"] <= MAX_FILE_BYTES


def test_an_export_is_read_back_at_the_limit_and_refused_past_it(monkeypatch: Any) -> None:
    data = registry.write(generate_snapshot(20, 40, seed=3), "threat-dragon")
    for module in (native, registry):
        monkeypatch.setattr(module, "MAX_FILE_BYTES", len(data))
    assert registry.import_limit_warning(data, "threat-dragon") is None
    assert len(registry.read(data, filename="m.json").snapshot.flows) == 40
    for module in (native, registry):
        monkeypatch.setattr(module, "MAX_FILE_BYTES", len(data) - 1)
    warning = registry.import_limit_warning(data, "threat-dragon")
    assert warning is not None and f"{len(data):,} bytes" in warning and "will not read it back" in warning
    with pytest.raises(native.ModelValidationError) as refused:
        registry.read(data, filename="m.json")
    assert refused.value.issues[0].message == f"file is {len(data):,} bytes; the limit is {len(data) - 1:,}"


def test_the_cli_warns_when_a_conversion_is_past_the_import_limit(monkeypatch: Any, tmp_path: Path) -> None:
    target = tmp_path / "shop.otm.json"
    out, err = io.StringIO(), io.StringIO()
    assert (
        main(
            ["assess", str(MODELS / "online-shop.yaml"), "--convert-to", "otm", "--output", str(target)],
            out=out,
            err=err,
        )
        == EXIT_OK
    )
    assert "import limit" not in err.getvalue()
    monkeypatch.setattr(registry, "MAX_FILE_BYTES", target.stat().st_size - 1)
    err = io.StringIO()
    assert (
        main(
            ["assess", str(MODELS / "online-shop.yaml"), "--convert-to", "otm", "--output", str(target)],
            out=out,
            err=err,
        )
        == EXIT_OK
    )
    assert "warning: the otm file is" in err.getvalue() and "import limit" in err.getvalue()
    assert target.exists()


@pytest.mark.django_db
def test_a_raw_import_body_past_the_file_limit_is_413(clients: Any, team_setup: Any, monkeypatch: Any) -> None:
    from threatmodel.api import views_models

    raw = (MODELS / "minimal.json").read_bytes()
    monkeypatch.setattr(views_models, "MAX_FILE_BYTES", len(raw) - 1)
    url = f"/api/v1/teams/{team_setup.team.pk}/models/import/"
    response = clients.editor.generic("POST", url, raw, content_type="application/json")
    assert response.status_code == 413, response.content
    assert response.json()["detail"] == f"the model file is larger than {len(raw) - 1:,} bytes"
    monkeypatch.setattr(views_models, "MAX_FILE_BYTES", len(raw))
    response = clients.editor.generic("POST", url, raw, content_type="application/json")
    assert response.status_code == 201, response.content
