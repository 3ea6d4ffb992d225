"""The data migration that names the models the admin used to create without a name."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("threatmodel", "0002_api_tokens")]
AFTER = [("threatmodel", "0003_model_lifecycle")]


@pytest.mark.django_db(transaction=True)
def test_blank_names_get_unique_names_and_a_revision() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps: Any = executor.loader.project_state(BEFORE).apps
    team = apps.get_model("threatmodel", "Team").objects.create(name="T", slug="t")
    models = apps.get_model("threatmodel", "ThreatModel")
    models.objects.create(team=team, name="Untitled model")
    blank = models.objects.create(team=team, name="")
    spaces = models.objects.create(team=team, name="   ", revision=0)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    models = apps.get_model("threatmodel", "ThreatModel")
    named = {m.pk: (m.name, m.revision) for m in models.objects.all()}
    assert named[blank.pk] == ("Untitled model 2", 1)
    assert named[spaces.pk] == ("Untitled model 3", 1)
    revision = apps.get_model("threatmodel", "Revision").objects.get(model_id=blank.pk)
    assert revision.message == "Named 'Untitled model 2': the model had no name"
    record = apps.get_model("threatmodel", "ChangeRecord").objects.get(revision=revision)
    assert record.after["name"] == "Untitled model 2"
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # leave the schema as the other tests expect it
