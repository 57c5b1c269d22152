"""Forms for the front desk: schedule filters, finding or creating the caller, booking, changes.

They validate what was typed; the booking rules live in scheduling.services and the patient rules
(duplicates) in patients.services.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from clinic import phones
from clinic.models import Location, PractitionerProfile, Room
from patients.validators import check_date_of_birth, clean_phone

from . import desk_queries
from .forms import StartField, check_not_far, date_input
from .services.policy import practitioner_mismatch


def _practitioners():
    return PractitionerProfile.objects.filter(active=True).select_related("user").order_by("user__full_name")


class ScheduleForm(forms.Form):
    """GET filters of the schedule. Everything optional: a bad value is ignored, never a 500."""

    location = forms.ModelChoiceField(queryset=Location.objects.none(), required=False, empty_label=None)
    practitioner = forms.ModelChoiceField(
        queryset=PractitionerProfile.objects.none(), required=False, empty_label="All practitioners"
    )
    day = forms.DateField(required=False, widget=date_input())
    view = forms.ChoiceField(choices=[("day", "Day"), ("week", "Week")], required=False)
    by = forms.ChoiceField(choices=[("practitioner", "By practitioner"), ("room", "By room")], required=False)
    cancelled = forms.BooleanField(required=False, label="Show cancelled")

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["location"].queryset = Location.objects.filter(active=True).order_by("name")
        self.fields["practitioner"].queryset = _practitioners()

    def clean_day(self) -> dt.date | None:
        day = self.cleaned_data.get("day")
        if day is not None:
            check_not_far(day)
        return day


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        label="Find the caller",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Name, phone or date of birth (e.g. 17/05/1975)", "autofocus": True}
        ),
    )


class CallerForm(forms.Form):
    """A new patient created on the phone: the least we need to book and to reach them."""

    full_name = forms.CharField(max_length=150, label="Full name")
    phone = forms.CharField(max_length=32, label="Phone")
    date_of_birth = forms.DateField(
        label="Date of birth",
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    email = forms.EmailField(required=False, label="Email (optional)")
    force = forms.BooleanField(
        required=False,
        label="I have checked with the caller: this is a different person. Create the record anyway.",
    )

    def __init__(self, *args, phone_region: str, **kwargs):
        super().__init__(*args, **kwargs)
        # The country of the location the caller is being booked at (clinic.queries.phone_region).
        self.phone_region = phone_region
        self.fields["phone"].help_text = f"For example {phones.example(phone_region)}; from abroad with the + code."

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if len(name) < 2:
            raise forms.ValidationError("Please enter the caller's full name.")
        return name

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data["phone"], region=self.phone_region)

    def clean_email(self) -> str:
        return (self.cleaned_data.get("email") or "").strip().lower()

    def clean_date_of_birth(self) -> dt.date:
        return check_date_of_birth(self.cleaned_data["date_of_birth"])


class DeskBookingForm(forms.Form):
    """GET: service → location → practitioner or first available → day, with the notice override."""

    service = forms.ModelChoiceField(queryset=desk_queries.desk_services(), required=False, empty_label="Choose…")
    location = forms.ModelChoiceField(queryset=Location.objects.none(), required=False, empty_label="Choose…")
    practitioner = forms.ModelChoiceField(
        queryset=PractitionerProfile.objects.none(), required=False, empty_label="First available"
    )
    day = forms.DateField(required=False, widget=date_input())
    start_from = forms.DateField(required=False, widget=forms.HiddenInput)
    # A time chosen on the schedule board's empty cell: once the service is known, go to confirm.
    start = StartField(required=False, widget=forms.HiddenInput)
    # ...or an empty cell of the rooms view: that room at that time, with whoever is free then.
    room = forms.ModelChoiceField(queryset=Room.objects.none(), required=False, widget=forms.HiddenInput)
    override = forms.BooleanField(required=False, label="Override the minimum notice (walk-in or same-day call)")

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["service"].queryset = desk_queries.desk_services()
        self.fields["location"].queryset = Location.objects.filter(active=True).order_by("name")
        self.fields["practitioner"].queryset = _practitioners()
        self.fields["room"].queryset = Room.objects.filter(active=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if mismatch := practitioner_mismatch(
            data.get("practitioner"), service=data.get("service"), location=data.get("location")
        ):
            self.add_error("practitioner", mismatch)
        room, location = data.get("room"), data.get("location")
        if room and location and room.location_id != location.pk:
            self.add_error("room", f"{room.name} is not a room at {location.name}.")
        return data


class DeskConfirmForm(forms.Form):
    """Everything a booking needs; the room and the notes are chosen on the confirm page."""

    service = forms.ModelChoiceField(queryset=desk_queries.desk_services())
    location = forms.ModelChoiceField(queryset=Location.objects.none())
    practitioner = forms.ModelChoiceField(queryset=PractitionerProfile.objects.none())
    start = StartField()
    override = forms.BooleanField(required=False)
    any = forms.BooleanField(required=False)
    room = forms.ModelChoiceField(queryset=Room.objects.none(), required=False, empty_label="Any free room")
    front_desk_notes = forms.CharField(
        required=False,
        label="Notes for the front desk (optional)",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Seen by staff only, e.g. “needs the ground-floor room”.",
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["service"].queryset = desk_queries.desk_services()
        self.fields["location"].queryset = Location.objects.filter(active=True)
        self.fields["practitioner"].queryset = _practitioners()
        self.fields["room"].queryset = Room.objects.filter(active=True).select_related("location")

    def clean(self):
        data = super().clean()
        room, location = data.get("room"), data.get("location")
        if room and location and room.location_id != location.pk:
            self.add_error("room", f"{room.name} is not a room at {location.name}.")
        return data


class DeskRescheduleForm(forms.Form):
    start = StartField(error_messages={"required": "Choose a new time."})
    practitioner = forms.ModelChoiceField(queryset=PractitionerProfile.objects.none(), required=False)
    room = forms.ModelChoiceField(queryset=Room.objects.none(), required=False, empty_label="Any free room")
    override = forms.BooleanField(required=False)
    reason = forms.CharField(
        max_length=255,
        label="Reason",
        error_messages={"required": "Say why it is moved (e.g. “patient asked, work clash”)."},
    )

    def __init__(self, data=None, *, location: Location, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["practitioner"].queryset = _practitioners()
        self.fields["room"].queryset = Room.objects.filter(location=location, active=True)


class DeskCancelForm(forms.Form):
    reason = forms.CharField(
        max_length=255,
        label="Reason",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "Say why it is cancelled (e.g. “patient unwell”)."},
    )


class NotesForm(forms.Form):
    front_desk_notes = forms.CharField(
        required=False, max_length=2000, label="Front-desk notes", widget=forms.Textarea(attrs={"rows": 3})
    )
