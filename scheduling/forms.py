"""Forms for the patient side of booking. They validate input; the rules live in services."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from clinic.models import ClinicPolicy, Location, PractitionerProfile, Service

from . import queries

# A date this far from today is never a real booking or schedule day. Year 1 or 9999 typed into a
# URL would otherwise overflow when shifted by a day or into the clinic's time zone (a 500).
FAR_DAYS = 50 * 366
FAR_MESSAGE = "That date is too far from today. Please pick a day from the calendar."


def check_not_far(value: dt.date | dt.datetime) -> None:
    """Raise a form error for a date (or datetime) more than about 50 years from today."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if abs((day - timezone.localdate()).days) > FAR_DAYS:
        raise forms.ValidationError(FAR_MESSAGE)


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
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    start_from = forms.DateField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["service"].queryset = queries.bookable_services()
        self.fields["location"].queryset = Location.objects.filter(active=True)
        self.fields["practitioner"].queryset = PractitionerProfile.objects.filter(active=True).select_related("user")

    note = ""

    def clean(self):
        data = super().clean()
        service, location, practitioner = data.get("service"), data.get("location"), data.get("practitioner")
        # Switching service or clinic can leave a practitioner who does not fit: fall back to
        # "first available" and say so, rather than blocking the page with an error.
        if service and practitioner and not practitioner.services.filter(pk=service.pk).exists():
            self.note = f"{practitioner} does not offer {service.name}; showing the first available practitioner."
            data["practitioner"] = None
        elif practitioner and location and not practitioner.working_hours.filter(location=location).exists():
            self.note = f"{practitioner} does not work at {location.name}; showing the first available practitioner."
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
    start = forms.DateTimeField(input_formats=["iso-8601"])

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["service"].queryset = queries.bookable_services()
        self.fields["location"].queryset = Location.objects.filter(active=True)
        self.fields["practitioner"].queryset = PractitionerProfile.objects.filter(active=True).select_related("user")

    def clean_start(self):
        start = self.cleaned_data["start"]
        if timezone.is_naive(start):
            raise forms.ValidationError("The time is missing its time zone; please pick it again.")
        check_not_far(start)
        return start


class StartForm(forms.Form):
    """A chosen start time (reschedule)."""

    start = forms.DateTimeField(input_formats=["iso-8601"])
    day = forms.DateField(required=False)

    def clean_start(self):
        start = self.cleaned_data["start"]
        if timezone.is_naive(start):
            raise forms.ValidationError("The time is missing its time zone; please pick it again.")
        check_not_far(start)
        return start


class CancelForm(forms.Form):
    reason = forms.CharField(
        required=False, max_length=255, label="Reason (optional)", widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


class WaitlistForm(forms.Form):
    service = forms.ModelChoiceField(queryset=Service.objects.none())
    location = forms.ModelChoiceField(queryset=Location.objects.none())
    practitioner = forms.ModelChoiceField(
        queryset=PractitionerProfile.objects.none(), required=False, empty_label="Any practitioner"
    )
    earliest = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    latest = forms.DateField(label="Until", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["service"].queryset = queries.bookable_services()
        self.fields["location"].queryset = Location.objects.filter(active=True)
        self.fields["practitioner"].queryset = PractitionerProfile.objects.filter(active=True).select_related("user")

    def clean(self):
        data = super().clean()
        earliest, latest = data.get("earliest"), data.get("latest")
        if earliest and earliest < timezone.localdate():
            self.add_error("earliest", "Choose a day from today onwards.")
        if earliest and latest and latest < earliest:
            self.add_error("latest", "The last day must be on or after the first day.")
        if earliest and latest and (latest - earliest).days > 120:
            self.add_error("latest", "Choose a range of at most 120 days.")
        horizon = timezone.localdate() + dt.timedelta(days=ClinicPolicy.get().max_advance_days)
        if earliest and earliest > horizon:
            self.add_error("earliest", f"We take bookings up to {horizon:%-d %B %Y}; choose a day before then.")
        service, practitioner = data.get("service"), data.get("practitioner")
        if service and practitioner and not practitioner.services.filter(pk=service.pk).exists():
            self.add_error("practitioner", f"{practitioner} does not offer {service.name}.")
        location = data.get("location")
        if location and practitioner and not practitioner.locations.filter(pk=location.pk).exists():
            self.add_error("practitioner", f"{practitioner} does not work at {location.name}.")
        return data
