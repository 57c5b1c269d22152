"""The manager's reminder offsets: an inline on the clinic policy (the default) and on each
service (its own list, used instead of the default when it has any).

A manager thinks "48 hours" or "90 minutes", so the form asks for an amount and a unit and stores
minutes. Saving a change re-plans the pending reminders of booked future appointments it applies
to (clinic.messaging.reminder_offsets_changed; see README "Reminder offsets")."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from .models import ReminderOffset
from .reminder_offsets import MAX_OFFSET_MINUTES, Offset, offset_problem

HOURS, MINUTES = "hours", "minutes"


class ReminderOffsetForm(forms.ModelForm):
    amount = forms.IntegerField(
        label="how long before",
        min_value=1,
        max_value=MAX_OFFSET_MINUTES,
        error_messages={
            "invalid": "Enter a whole number, e.g. 48.",
            "min_value": "Enter a number of hours or minutes above zero.",
            "max_value": "A reminder can be at most 14 days (336 hours) before the appointment.",
            "required": "Say how long before the appointment.",
        },
    )
    unit = forms.ChoiceField(choices=((HOURS, "hours"), (MINUTES, "minutes")), initial=HOURS)

    class Meta:
        model = ReminderOffset
        fields = ("amount", "unit", "channel")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        minutes = self.instance.minutes_before
        if minutes:
            by_hours = minutes % 60 == 0
            self.initial.setdefault("amount", minutes // 60 if by_hours else minutes)
            self.initial.setdefault("unit", HOURS if by_hours else MINUTES)

    def clean(self):
        data = super().clean()
        amount, unit = data.get("amount"), data.get("unit")
        if amount is not None and unit in (HOURS, MINUTES):
            minutes = amount * 60 if unit == HOURS else amount
            if problem := offset_problem(minutes):
                self.add_error("amount", problem)
            else:
                data["minutes_before"] = minutes
                self.instance.minutes_before = minutes
        return data


class ReminderOffsetFormSet(forms.BaseInlineFormSet):
    """Two rows for the same moment and channel ("2 hours" and "120 minutes" by SMS) would send
    the same reminder twice; the per-row check cannot see the other rows, so it is done here."""

    def clean(self):
        super().clean()
        seen: dict[tuple[int, str], str] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or form.errors:
                continue
            minutes, channel = data.get("minutes_before"), data.get("channel")
            if minutes is None or not channel:
                continue
            if (minutes, channel) in seen:
                form.add_error("amount", f"{Offset(minutes, channel).describe()} is already in the list.")
            else:
                seen[(minutes, channel)] = channel


class ReminderOffsetInline(admin.TabularInline):
    model = ReminderOffset
    form = ReminderOffsetForm
    formset = ReminderOffsetFormSet
    extra = 0
    fields = ("amount", "unit", "channel")


class PolicyReminderInline(ReminderOffsetInline):
    fk_name = "policy"
    verbose_name = "default reminder"
    verbose_name_plural = (
        "default reminders (for every service without its own; a patient who cannot get a channel "
        "gets the reminder on the other one)"
    )


class ServiceReminderInline(ReminderOffsetInline):
    fk_name = "service"
    verbose_name = "reminder for this service"
    verbose_name_plural = "reminders for this service (leave empty to use the clinic policy's default reminders)"


def offsets_changed(formsets) -> bool:
    return any(fs.model is ReminderOffset and fs.has_changed() for fs in formsets)
