"""Forms for the patient record: the front desk's create/edit form and the patient's own contact form.

(The sign-up form lives in forms.py.)
"""

from __future__ import annotations

import datetime as dt

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Fieldset, Layout, Row
from django import forms

from clinic import phones

from . import message_prefs as mp
from .models import Patient
from .queries import patient_phone_region
from .services import CONSENT_FIELDS, CONTACT_FIELDS, Switch
from .validators import check_date_of_birth, clean_phone

PHONE_FIELDS = ("phone", "emergency_contact_phone")


def phone_help(region: str) -> str:
    return f"For example {phones.example(region)}. A number from another country needs its + code."


class ContactForm(forms.ModelForm):
    """What a patient may change about themselves."""

    class Meta:
        model = Patient
        # The fields patient_update_contact accepts: one list, so the form and the service agree.
        fields = list(CONTACT_FIELDS)
        labels = {
            "phone": "Mobile phone",
            "emergency_contact_name": "Emergency contact: name",
            "emergency_contact_phone": "Emergency contact: phone",
        }
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].required = True
        # Numbers typed without a + code belong to the country of the location the patient is booked at.
        self.phone_region = patient_phone_region(self.instance if self.instance.pk else None)
        for name in PHONE_FIELDS:
            self.fields[name].help_text = phone_help(self.phone_region)
            if self.instance.pk and not self.is_bound:
                self.initial[name] = phones.display(getattr(self.instance, name))
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset("Contact", "phone", "address"),
            Fieldset(
                "Emergency contact",
                Row(
                    Column("emergency_contact_name", css_class="col-md-6"),
                    Column("emergency_contact_phone", css_class="col-md-6"),
                ),
            ),
        )

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("phone", ""), region=self.phone_region, required=True)

    def clean_emergency_contact_phone(self) -> str:
        return clean_phone(
            self.cleaned_data.get("emergency_contact_phone", ""), region=self.phone_region, required=False
        )


class MessagePreferencesForm(forms.Form):
    """The patient's own message preferences: each group on each channel, and the two master
    switches. Booking confirmations and account emails are essential (the page says so)."""

    consent_email = forms.BooleanField(
        required=False, label="Send me emails other than the essential ones (the groups below)"
    )
    consent_sms = forms.BooleanField(
        required=False,
        label="I agree to receive text messages (SMS) from the clinic",
        help_text="We record when you agree or withdraw. You can also reply STOP to any text.",
    )

    def __init__(self, *args, patient, **kwargs):
        initial = {"consent_email": patient.consent_email, "consent_sms": patient.consent_sms}
        for group in mp.GROUPS:
            for channel in group.channels:
                name = self.field_name(group.key, channel)
                initial[name] = mp.opt_out_key(group.key, channel) not in (patient.message_opt_outs or [])
        super().__init__(*args, initial=initial, **kwargs)
        for group in mp.GROUPS:
            for channel in group.channels:
                self.fields[self.field_name(group.key, channel)] = forms.BooleanField(
                    required=False, label=f"{group.label[:1].upper()}{group.label[1:]} by {mp.CHANNEL_LABELS[channel]}"
                )

    @staticmethod
    def field_name(group: str, channel: str) -> str:
        return f"{group}_{channel}"

    def changes(self) -> list[tuple[Switch, bool]]:
        data = self.cleaned_data
        out = [(Switch(mp.EMAIL), data["consent_email"]), (Switch(mp.SMS), data["consent_sms"])]
        for group in mp.GROUPS:
            for channel in group.channels:
                out.append((Switch(channel, group.key), data[self.field_name(group.key, channel)]))
        return out


class StaffPatientForm(ContactForm):
    """The front desk's form: identity, contact details and preferences. No clinical content."""

    force = forms.BooleanField(
        required=False,
        label="I have checked: this is a different person (for example a relative who shares the phone). Save anyway.",
    )

    class Meta(ContactForm.Meta):
        fields = ["full_name", "email", "date_of_birth", *ContactForm.Meta.fields, *CONSENT_FIELDS]
        labels = {
            **ContactForm.Meta.labels,
            "consent_email": "May send non-essential email (reminders, check-ins, waitlist offers)",
            "consent_sms": "The patient consents to SMS (tick when they tell you, e.g. on the phone: it is recorded)",
        }
        widgets = {
            **ContactForm.Meta.widgets,
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, show_force: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].label = "Full name"
        self.fields["phone"].required = False
        self.fields["date_of_birth"].input_formats = ["%Y-%m-%d", "%d/%m/%Y"]
        self.fields["date_of_birth"].help_text = "For example 1980-04-23."
        self.fields["email"].help_text = "Leave empty if the patient has none."
        if not show_force:
            del self.fields["force"]
        self.helper.layout = Layout(
            Fieldset(
                "Patient",
                "full_name",
                Row(Column("date_of_birth", css_class="col-md-6"), Column("phone", css_class="col-md-6")),
                "email",
                "address",
            ),
            Fieldset(
                "Emergency contact",
                Row(
                    Column("emergency_contact_name", css_class="col-md-6"),
                    Column("emergency_contact_phone", css_class="col-md-6"),
                ),
            ),
            Fieldset("Communication", "consent_email", "consent_sms"),
            Div("force", css_class="alert alert-warning") if show_force else Div(),
        )

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("phone", ""), region=self.phone_region, required=False)

    def clean_email(self) -> str:
        return (self.cleaned_data.get("email") or "").strip().lower()

    def clean_date_of_birth(self) -> dt.date | None:
        return check_date_of_birth(self.cleaned_data.get("date_of_birth"))

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("phone") and not cleaned.get("email"):
            self.add_error("phone", "Give a phone number or an email, so we can reach the patient.")
        return cleaned

    def validate_unique(self):
        # Duplicates are the service's business (it explains them and offers the existing record).
        pass


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[
            ("clear", "Clear: safe to go ahead with acupuncture (lifts the online booking hold)"),
            ("refer", "Refer: the patient should see a doctor first (booking stays on hold)"),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Note",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you checked, what you told the patient, and any referral made.",
        error_messages={"required": "Please add a note saying what you decided and why."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class RequestQuestionnaireForm(forms.Form):
    instrument = forms.ChoiceField(label="Questionnaire")

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = list(choices)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
