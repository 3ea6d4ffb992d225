from catalog.models.custom_rules import CustomRule

__all__ = ["CustomRule"]
