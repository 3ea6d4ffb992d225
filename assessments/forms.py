"""Forms of the assessments pages (input shape only; the rules are the services')."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from assessments.choices import TriageStatus

SCOPES = (("selected", "the selected findings"), ("matching", "every finding matching the filter"))


class BulkTriageForm(forms.Form):
    """One decision for the selected findings, or for every finding that matches the filter (``filter``: the
    page's query string)."""

    scope = forms.ChoiceField(choices=SCOPES, initial="selected")
    filter = forms.CharField(required=False, max_length=4000)
    status = forms.ChoiceField(choices=TriageStatus.choices)
    justification = forms.CharField(required=False, max_length=5000)
    owner = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    expires_at = forms.DateField(required=False)

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.TypedChoiceField)
        owner.choices = [("", "—"), *members]

    def fingerprints(self) -> list[str]:
        """The checked rows' fingerprints (``fingerprint`` values; the view checks them against the run)."""
        return [f for f in self.data.getlist("fingerprint") if f] if hasattr(self.data, "getlist") else []

    def expiry(self) -> dt.datetime | None:
        """The expiry date as the end of that day (UTC)."""
        day = self.cleaned_data.get("expires_at")
        if day is None:
            return None
        return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.UTC)
