from django.db import models


class CustomRuleKind(models.TextChoices):
    COMPONENT = "component", "Component"
    FLOW = "flow", "Data flow"
    BOUNDARY = "boundary", "Trust boundary"
    DATA_ASSET = "data_asset", "Data asset"
    IDENTITY = "identity", "Identity"
