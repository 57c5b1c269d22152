import datetime as dt

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout, Submit
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.validators import MaxLengthValidator
from django.template.loader import render_to_string
from django.utils import timezone

from . import dates, phones, queries
from .messaging import queue_email
from .models import Location, Role, Service, User

_BIGINT = 2**63


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice of records that refuses ids no database column can hold.

    Django looks the chosen ids up with `pk__in`, which SQLite (OverflowError) and PostgreSQL (out of range)
    answer with an error rather than "no such record", so a tampered id gave a 500.
    """

    def _check_values(self, value):
        for pk in value or ():
            text = str(pk).strip()
            if text.lstrip("-").isdigit() and not -_BIGINT <= int(text) < _BIGINT:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": text[:20]}
                )
        return super()._check_values(value)


class StaffCreateForm(forms.Form):
    """A staff account. For practitioners the licence is asked for here, because without it they
    cannot be booked and the profile would otherwise be a second trip through the admin."""

    full_name = forms.CharField(max_length=150)
    email = forms.EmailField(help_text="They log in with this address; we send them a link to choose a password.")
    phone = forms.CharField(max_length=32, required=False)
    role = forms.ChoiceField(choices=[(r.value, r.label) for r in Role if r != Role.PATIENT])
    licence_number = forms.CharField(max_length=64, required=False)
    licence_body = forms.CharField(
        label="Licensing body", max_length=120, required=False, help_text="For example British Acupuncture Council."
    )
    licence_expiry = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a real date, for example 2027-03-31."},
    )
    locations = IdsChoiceField(
        queryset=Location.objects.filter(active=True), required=False, widget=forms.CheckboxSelectMultiple
    )
    services = IdsChoiceField(
        queryset=Service.objects.filter(active=True), required=False, widget=forms.CheckboxSelectMultiple
    )

    PRACTITIONER_FIELDS = ("licence_number", "licence_body", "licence_expiry", "locations", "services")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "full_name",
            "email",
            "phone",
            "role",
            Fieldset(
                "Practitioners only",
                HTML(
                    '<p class="small text-muted">Needed before a practitioner can be booked. '
                    "Working hours are added in Setup afterwards.</p>"
                ),
                Div(
                    Div("licence_number", css_class="col-sm-6"),
                    Div("licence_body", css_class="col-sm-6"),
                    css_class="row",
                ),
                Field("licence_expiry"),
                Div(Div("locations", css_class="col-sm-6"), Div("services", css_class="col-sm-6"), css_class="row"),
                css_class="border rounded p-3 mb-3",
                data_role_section="practitioner",
            ),
        )
        self.helper.add_input(Submit("submit", "Create account"))

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email already exists.")
        return email

    def clean_phone(self) -> str:
        return phones.clean_phone(self.cleaned_data.get("phone"), region=queries.phone_region(), required=False)

    def clean_licence_expiry(self):
        expiry = self.cleaned_data.get("licence_expiry")
        if expiry and expiry <= timezone.localdate():
            raise forms.ValidationError("This licence has already expired; they could not be booked.")
        return expiry

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") == Role.PRACTITIONER:
            for name in ("licence_number", "licence_body", "licence_expiry"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, "Practitioners need this before they can be booked.")
        else:
            # Licence details typed for someone who is not a practitioner are ignored, not stored.
            for name in self.PRACTITIONER_FIELDS:
                cleaned.pop(name, None)
        return cleaned


class LoginForm(AuthenticationForm):
    """Django's login form, with the email's length checked before anything reaches the database.

    Django sets the username field's max_length after the field is built, so its length validator is
    missing: an over-long name went on to the failed-login record and, on PostgreSQL, a 500.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(User._meta.get_field("email").max_length))


class AdminLoginForm(LoginForm, AdminAuthenticationForm):
    """The admin's login form, with the same check."""


class AccountPasswordResetForm(PasswordResetForm):
    """Also sends the link to accounts that never had a password.

    Django skips those by default because, elsewhere, they may log in through another system. Here
    they are staff whose invitation link expired, and this is how they get a new one.
    """

    def get_users(self, email):
        return User.objects.filter(email__iexact=email, is_active=True)

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        """Through the outbox like every other message (retried, on the desk's failed list if it
        never goes), rendered now because the link's token is made now. Django's save() calls this
        once per matching account, so an unknown address still queues nothing."""
        queue_email(
            kind="password_reset",
            to=to_email,
            subject=" ".join(render_to_string(subject_template_name, context).split()),
            text=render_to_string(email_template_name, context),
            html=render_to_string(html_email_template_name, context) if html_email_template_name else "",
            user=context["user"],
        )


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, label="Who", help_text="Part of a name or email.")
    patient_id = forms.IntegerField(required=False, min_value=1, label="Patient id")
    action = forms.ChoiceField(required=False)
    date_from = forms.DateField(
        required=False,
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a real date, for example 2026-01-31."},
    )
    date_to = forms.DateField(
        required=False,
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a real date, for example 2026-01-31."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any")] + [(a, a) for a in queries.audit_actions()]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Div(
                Div("actor", css_class="col-sm-6 col-lg-3"),
                Div("patient_id", css_class="col-sm-6 col-lg-2"),
                Div("action", css_class="col-sm-4 col-lg-2"),
                Div("date_from", css_class="col-sm-4 col-lg-2"),
                Div("date_to", css_class="col-sm-4 col-lg-2"),
                Div(Submit("", "Filter", css_class="mt-lg-4"), css_class="col-lg-1"),
                css_class="row g-2",
            )
        )

    def _clean_day(self, name: str) -> dt.date | None:
        day = self.cleaned_data.get(name)
        if day is not None and not dates.in_range(day):
            raise forms.ValidationError(dates.OUT_OF_RANGE)
        return day

    def clean_date_from(self) -> dt.date | None:
        return self._clean_day("date_from")

    def clean_date_to(self) -> dt.date | None:
        return self._clean_day("date_to")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def filters(self) -> dict:
        """The valid filters only: one mistyped field should not hide the whole log."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        keep: dict[str, str | int | dt.date | None] = {}
        for name in ("actor", "patient_id", "action", "date_from", "date_to"):
            if name in data and name not in self.errors:
                keep[name] = data[name]
        keep["actor"] = (keep.get("actor") or "").strip()
        keep["action"] = keep.get("action") or ""
        return keep
