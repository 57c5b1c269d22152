"""The filter every report shares: a range of local dates and an optional location."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from clinic.models import Location

from .queries import Scope

MAX_DAYS = 366
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)
DEFAULT_DAYS = 90


class ReportFilterForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"}))
    location = forms.TypedChoiceField(label="Location", required=False, coerce=int, empty_value=None)

    def __init__(self, data=None, **kwargs):
        today = timezone.localdate()
        data = data.copy() if data is not None else {}
        # Missing fields take the default range (the last 90 days) rather than an error.
        if not data.get("start"):
            data["start"] = (today - dt.timedelta(days=DEFAULT_DAYS - 1)).isoformat()
        if not data.get("end"):
            data["end"] = today.isoformat()
        super().__init__(data, **kwargs)
        self.fields["location"].choices = [("", "All locations")] + [
            (str(pk), name) for pk, name in Location.objects.filter(active=True).values_list("pk", "name")
        ]

    def _clean_day(self, name: str) -> dt.date:
        day = self.cleaned_data[name]
        if not EARLIEST <= day <= LATEST:
            raise forms.ValidationError(f"Choose a date between {EARLIEST:%Y} and {LATEST:%Y}.")
        return day

    def clean_start(self) -> dt.date:
        return self._clean_day("start")

    def clean_end(self) -> dt.date:
        return self._clean_day("end")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                self.add_error("end", "The end date must be on or after the start date.")
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("end", f"Choose at most {MAX_DAYS} days.")
        return data

    def scope(self) -> Scope:
        location = self.cleaned_data.get("location")
        loc = Location.objects.get(pk=location) if location else None
        return Scope(self.cleaned_data["start"], self.cleaned_data["end"], loc)
