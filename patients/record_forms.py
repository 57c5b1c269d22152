"""Forms for the patient record: the front desk's create/edit form and the patient's own contact form.

(The sign-up form lives in forms.py.)
"""

from __future__ import annotations

import datetime as dt

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Fieldset, Layout, Row
from django import forms

from clinic import phones

from .models import Patient
from .queries import patient_phone_region
from .services import CONTACT_FIELDS
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
            "consent_email": "You may send me reminders and messages by email",
            "consent_sms": "You may send me reminders by text message (SMS)",
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
            Fieldset("How we may contact you", "consent_email", "consent_sms"),
        )

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("phone", ""), region=self.phone_region, required=True)

    def clean_emergency_contact_phone(self) -> str:
        return clean_phone(
            self.cleaned_data.get("emergency_contact_phone", ""), region=self.phone_region, required=False
        )


class StaffPatientForm(ContactForm):
    """The front desk's form: identity, contact details and preferences. No clinical content."""

    force = forms.BooleanField(
        required=False,
        label="I have checked: this is a different person (for example a relative who shares the phone). Save anyway.",
    )

    class Meta(ContactForm.Meta):
        fields = ["full_name", "email", "date_of_birth", *ContactForm.Meta.fields]
        labels = {
            **ContactForm.Meta.labels,
            "consent_email": "May contact by email",
            "consent_sms": "May contact by SMS",
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
