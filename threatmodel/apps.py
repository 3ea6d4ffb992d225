from django.apps import AppConfig


class ThreatmodelConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "threatmodel"
    verbose_name = "Threat models"

    def ready(self) -> None:
        # Register this app's Celery tasks in every process, not only in a worker (whose start-up autodiscovers
        # them): the in-process runner of the embedded default runs ``pull_due_mesh_observations`` on its sweep
        # cadence by name (assessments/runner.py), and a web process never autodiscovers.
        from threatmodel import tasks  # noqa: F401
