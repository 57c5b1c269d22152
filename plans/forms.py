"""Forms for plans. Each only shapes input; the rules live in plans.services and plans.booking."""

from __future__ import annotations

import datetime as dt

from django import forms

from clinic import dates
from clinic.models import Location, Service

from .models import MAX_SESSIONS, ReviewDecision
from .queries import templates_for

GOAL_FIELDS = {"goal_leg": "leg_pain_average", "goal_back": "back_pain_average", "goal_function": "function_index"}


def _reason(label: str, max_length: int = 500) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=False, widget=forms.TextInput())


def _count(label: str = "Number of sessions") -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=1, max_value=MAX_SESSIONS, required=False)


def parse_cadence(text: str) -> list[int] | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return [int(part) for part in text.replace(";", ",").split(",") if part.strip()]
    except ValueError:
        raise forms.ValidationError("Write the sessions per week as numbers separated by commas, e.g. 2, 2, 1.")


class PlanForm(forms.Form):
    template = forms.ModelChoiceField(queryset=templates_for(), widget=forms.RadioSelect, empty_label=None)
    planned_sessions = _count()
    count_reason = _reason("Why this number of sessions (needed outside the template's range)")
    acuity_reason = _reason("Why this plan, if it differs from the intake's classification")
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    service = forms.ModelChoiceField(
        queryset=Service.objects.filter(active=True), required=False, empty_label="The template's follow-up service"
    )
    goal_leg = forms.IntegerField(label="Goal: leg pain (average) at most", min_value=0, max_value=10, required=False)
    goal_back = forms.IntegerField(label="Goal: back pain (average) at most", min_value=0, max_value=10, required=False)
    goal_function = forms.IntegerField(label="Goal: function index at most", min_value=0, max_value=100, required=False)

    def goals(self, baselines: dict[str, float | None]) -> list[dict]:
        out = []
        for name, key in GOAL_FIELDS.items():
            target = self.cleaned_data.get(name)
            if target is not None:
                out.append({"measure": key, "baseline": baselines.get(key), "target": target})
        return out


class AdjustForm(forms.Form):
    planned_sessions = _count()
    cadence = forms.CharField(label="Sessions per week, week by week", max_length=100, required=False)
    reason = _reason("Why")

    def clean_cadence(self) -> list[int] | None:
        return parse_cadence(self.cleaned_data.get("cadence", ""))


class ReviewForm(AdjustForm):
    field_order = ["decision", "reason", "planned_sessions", "cadence"]

    decision = forms.ChoiceField(choices=ReviewDecision.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label="Reason", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    planned_sessions = _count("New number of sessions (adjust only)")
    cadence = forms.CharField(label="New sessions per week, week by week (adjust only)", max_length=100, required=False)


class DiscontinueForm(forms.Form):
    reason = _reason("Why is the plan discontinued?")


class StartForm(forms.Form):
    """Where the sessions take place and, optionally, the first session's time (the others follow it)."""

    location = forms.ModelChoiceField(queryset=Location.objects.none(), empty_label=None)
    first = forms.DateTimeField(
        label="First session (optional: otherwise the first free time)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations

    def first_start(self) -> dt.datetime | None:
        first = self.cleaned_data.get("first")
        if first is None:
            return None
        tz = self.cleaned_data["location"].tz
        return dt.datetime.combine(first.date(), first.time(), tzinfo=tz)


def parse_local(value: str, tz) -> dt.datetime:
    """A datetime-local input ("2026-03-02T10:00") as an aware time in the location's zone."""
    value = (value or "").strip()
    if "\x00" in value or len(value) > 32:
        raise forms.ValidationError("Enter a date and time.")
    try:
        naive = dt.datetime.fromisoformat(value)
    except ValueError:
        raise forms.ValidationError("Enter a date and time, e.g. 2026-03-02 10:00.")
    if not dates.in_range(naive.date()):
        raise forms.ValidationError(dates.OUT_OF_RANGE)
    if naive.tzinfo is not None:
        naive = naive.replace(tzinfo=None)
    return naive.replace(tzinfo=tz)
