"""Forms for the patient side of booking, and the fields both sides share. They validate input;
the rules live in services (scheduling.services.policy, waitlist)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from clinic.models import Location, PractitionerProfile, Service

from . import queries
from .services.policy import practitioner_mismatch

# A date this far from today is never a real booking or schedule day. Year 1 or 9999 typed into a
# URL would otherwise overflow when shifted by a day or into the clinic's time zone (a 500).
FAR_DAYS = 50 * 366
FAR_MESSAGE = "That date is too far from today. Please pick a day from the calendar."


def check_not_far(value: dt.date | dt.datetime) -> None:
    """Raise a form error for a date (or datetime) more than about 50 years from today."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if abs((day - timezone.localdate()).days) > FAR_DAYS:
        raise forms.ValidationError(FAR_MESSAGE)


def date_input() -> forms.DateInput:
    """A browser date picker. Its value must be ISO YYYY-MM-DD, whatever the site's date format,
    or the browser shows the field blank."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StartField(forms.DateTimeField):
    """A chosen start time, as the pickers send it: ISO 8601 with its offset, not far off."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("input_formats", ["iso-8601"])
        super().__init__(**kwargs)

    def validate(self, value: dt.datetime | None) -> None:
        super().validate(value)
        if value is None:
            return
        if timezone.is_naive(value):
            raise forms.ValidationError("The time is missing its time zone; please pick it again.")
        check_not_far(value)


class BookingQueryForm(forms.Form):
    """The GET form behind the booking steps: service → location → practitioner → day.

    Every field is optional so a half-filled query still renders the next step; a bad value gets
    an error next to its field.
    """

    service = forms.ModelChoiceField(queryset=Service.objects.none(), required=False, empty_label=None)
    location = forms.ModelChoiceField(queryset=Location.objects.none(), required=False)
    practitioner = forms.ModelChoiceField(
        queryset=PractitionerProfile.objects.none(), required=False, empty_label="First available"
    )
    day = forms.DateField(required=False, widget=date_input())
    start_from = forms.DateField(required=False, widget=forms.HiddenInput)

    def __init__(self, data: Any = None, **kwargs: Any):
        super().__init__(data, **kwargs)
        self.fields["service"].queryset = queries.bookable_services()
        self.fields["location"].queryset = Location.objects.filter(active=True)
        self.fields["practitioner"].queryset = PractitionerProfile.objects.filter(active=True).select_related("user")

    note = ""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # Switching service or clinic can leave a practitioner who does not fit: fall back to
        # "first available" and say so, rather than blocking the page with an error.
        if mismatch := practitioner_mismatch(
            data.get("practitioner"), service=data.get("service"), location=data.get("location")
        ):
            self.note = f"{mismatch[:-1]}; showing the first available practitioner."
            data["practitioner"] = None
        day = data.get("day")
        if day and day < timezone.localdate() - dt.timedelta(days=1):
            data["day"] = None
        return data


class ConfirmForm(forms.Form):
    """The confirm step: everything the booking needs, carried in the query/POST."""

    service = forms.ModelChoiceField(queryset=Service.objects.none())
    location = forms.ModelChoiceField(queryset=Location.objects.none())
    practitioner = forms.ModelChoiceField(queryset=PractitionerProfile.objects.none(), required=False)
    start = StartField()

    def __init__(self, data: Any = None, **kwargs: Any):
        super().__init__(data, **kwargs)
        self.fields["service"].queryset = queries.bookable_services()
        self.fields["location"].queryset = Location.objects.filter(active=True)
        self.fields["practitioner"].queryset = PractitionerProfile.objects.filter(active=True).select_related("user")


class StartForm(forms.Form):
    """A chosen start time (reschedule)."""

    start = StartField()


class CancelForm(forms.Form):
    reason = forms.CharField(
        required=False, max_length=255, label="Reason (optional)", widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


class WaitlistForm(forms.Form):
    """The fields of a waitlist request. Its rules (dates, practitioner) are checked by the
    waitlist_join service, whose errors the view puts next to these fields."""

    service = forms.ModelChoiceField(queryset=Service.objects.none())
    location = forms.ModelChoiceField(queryset=Location.objects.none())
    practitioner = forms.ModelChoiceField(
        queryset=PractitionerProfile.objects.none(), required=False, empty_label="Any practitioner"
    )
    earliest = forms.DateField(label="From", widget=date_input())
    latest = forms.DateField(label="Until", widget=date_input())

    def __init__(self, data: Any = None, **kwargs: Any):
        super().__init__(data, **kwargs)
        self.fields["service"].queryset = queries.bookable_services()
        self.fields["location"].queryset = Location.objects.filter(active=True)
        self.fields["practitioner"].queryset = PractitionerProfile.objects.filter(active=True).select_related("user")

    def clean_earliest(self) -> dt.date:
        day = self.cleaned_data["earliest"]
        check_not_far(day)
        return day

    def clean_latest(self) -> dt.date:
        day = self.cleaned_data["latest"]
        check_not_far(day)
        return day
