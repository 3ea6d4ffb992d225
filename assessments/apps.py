from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessments"
    verbose_name = "Assessments"

    def ready(self) -> None:
        # The services enqueue the Celery tasks by name (assessments.services.jobs): register them in every
        # process, the web server's and a management command's as much as a worker's.
        from assessments import tasks  # noqa: F401
        from assessments.services.runs import schedule_after_revision
        from threatmodel.hooks import on_revision_accepted

        on_revision_accepted(schedule_after_revision)  # every accepted revision gets assessed in the background
