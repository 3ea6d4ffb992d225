from django.apps import AppConfig


class ThreatmodelConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "threatmodel"
    verbose_name = "Threat models"
