"""The patient record. A patient created by the front desk may have no login."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinic import phones

from .questionnaire import get_definition


def phone_key(phone: str) -> str:
    digits = "".join(c for c in phone or "" if c.isdigit())
    return digits[-9:]


def name_key(name: str) -> str:
    """The name as search compares it: lower case, accents and punctuation gone ("Zoë O'Neil" -> "zoe o neil")."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


def phone_digits(phone: str) -> str:
    return "".join(c for c in phone or "" if c.isdigit())[:32]


class Patient(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="patient"
    )
    full_name = models.CharField(max_length=150, db_index=True)
    email = models.EmailField(blank=True, db_index=True)
    phone = models.CharField(max_length=32, blank=True, db_index=True)
    # The last 9 digits of the phone number, so "+44 7700 900123" and "07700 900123" match when
    # looking for duplicates. Set by the services (see phone_key()).
    phone_key = models.CharField(max_length=9, blank=True, db_index=True, editable=False)
    date_of_birth = models.DateField(null=True, blank=True, db_index=True)
    # Search keys (patients.queries.search), kept in step with full_name / phone by save().
    name_key = models.CharField(max_length=150, blank=True, default="", editable=False)
    phone_digits = models.CharField(max_length=32, blank=True, default="", editable=False)
    address = models.TextField(blank=True)
    emergency_contact_name = models.CharField(max_length=150, blank=True)
    emergency_contact_phone = models.CharField(max_length=32, blank=True)
    # Set when a stored number is not in E.164: text kept as it was typed before numbers were checked
    # (the phone data migration could not read it). The desk's patient list finds these records.
    phone_to_check = models.BooleanField("phone number to check", default=False, db_index=True, editable=False)
    # Master switches: all non-essential email, and recorded SMS consent. Changed only through
    # patients.services.preferences, which logs when and how (MessageConsentChange).
    consent_email = models.BooleanField("may contact by email", default=True)
    consent_sms = models.BooleanField("may contact by SMS", default=False)
    # The groups switched off per channel, "reminders:email" etc. (patients.message_prefs). On the
    # row so the dispatcher re-checks a batch without a query per message.
    message_opt_outs = models.JSONField(default=list, blank=True, editable=False)
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["full_name"]
        # Search scans this narrow index (not the wide table) for names starting like a typed word.
        indexes = [models.Index(fields=["name_key", "archived"], name="patient_name_key_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=~Q(email="") & Q(archived=False), name="patient_unique_active_email"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        # Every write path goes through save(), so the search keys cannot drift from the name and phone.
        self.name_key = name_key(self.full_name)[:150]
        self.phone_digits = phone_digits(self.phone)
        self.phone_to_check = not all(phones.is_e164(n) for n in (self.phone, self.emergency_contact_phone) if n)
        fields = kwargs.get("update_fields")
        if fields is not None:
            kwargs["update_fields"] = set(fields) | {"name_key", "phone_digits", "phone_to_check"}
        super().save(*args, **kwargs)

    @property
    def age(self) -> int | None:
        if not self.date_of_birth:
            return None
        today = dt.date.today()
        dob = self.date_of_birth
        return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


class Intake(models.Model):
    """One run through the new-patient intake: several questionnaires and the consent, in steps.

    `steps_done` records which steps were saved, so a reload resumes at the first one missing.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="intakes")
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    steps_done = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            # Only one intake at a time is open, so two tabs cannot start two.
            models.UniqueConstraint(
                fields=["patient"], condition=Q(completed_at__isnull=True), name="intake_one_open_per_patient"
            ),
        ]

    def __str__(self) -> str:
        return f"Intake of {self.patient} ({'complete' if self.completed_at else 'in progress'})"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


class ResponseContext(models.TextChoices):
    INTAKE = "intake", "Intake"
    CHECKIN = "checkin", "Check-in"
    REQUESTED = "requested", "Requested by practitioner"


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class QuestionnaireResponse(models.Model):
    """A patient's answers to one version of one questionnaire definition, with its scores.

    `answers` holds the clean answers of every section saved so far; `drafts` holds what was typed
    into a section that did not validate yet (so nothing is lost). Once submitted, it is final:
    a later check-in is a new response.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="responses")
    intake = models.ForeignKey(Intake, null=True, blank=True, on_delete=models.PROTECT, related_name="responses")
    context = models.CharField(max_length=16, choices=ResponseContext.choices, default=ResponseContext.INTAKE)
    instrument_key = models.CharField(max_length=64)
    instrument_version = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=ResponseStatus.choices, default=ResponseStatus.DRAFT)
    answers = models.JSONField(default=dict, blank=True)
    drafts = models.JSONField(default=dict, blank=True)
    sections_done = models.JSONField(default=list, blank=True)
    scores = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "instrument_key", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["intake", "instrument_key"], name="response_one_per_instrument_per_intake"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False), name="response_submitted_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_key} v{self.instrument_version} for {self.patient}"

    @property
    def is_submitted(self) -> bool:
        return self.status == ResponseStatus.SUBMITTED

    @property
    def definition(self):
        return get_definition(self.instrument_key, self.instrument_version)


class FlagCategory(models.TextChoices):
    CAUDA_EQUINA = "cauda_equina", "Cauda equina sign"
    RED_FLAG = "red_flag", "Red flag"
    CONTRAINDICATION = "contraindication", "Contraindication"
    PRECAUTION = "precaution", "Precaution"


# Categories that need a practitioner's review before the patient may book online.
HOLD_CATEGORIES = (FlagCategory.CAUDA_EQUINA, FlagCategory.RED_FLAG)


class ReviewDecision(models.TextChoices):
    CLEAR = "clear", "Cleared for acupuncture"
    REFER = "refer", "Referred for medical review"


class SafetyReview(models.Model):
    """A practitioner's review of a patient's safety flags. Append-only: a later review supersedes it."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="safety_reviews")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=8, choices=ReviewDecision.choices)
    note = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(note=""), name="safetyreview_note_required")]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.reviewed_by} on {self.created_at:%Y-%m-%d}"


class SafetyFlag(models.Model):
    """Something in the patient's answers the practitioner must see before needling.

    Red flags (cauda_equina, red_flag) stay open until a SafetyReview covers them. Precautions and
    contraindications are standing alerts; when the patient answers the screening again they are
    replaced (`withdrawn_at` set on the old ones), never deleted.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="safety_flags")
    response = models.ForeignKey(
        QuestionnaireResponse, null=True, blank=True, on_delete=models.PROTECT, related_name="flags"
    )
    category = models.CharField(max_length=20, choices=FlagCategory.choices)
    code = models.CharField(max_length=64)
    label = models.CharField(max_length=200)
    alert = models.TextField(blank=True)
    patient_label = models.CharField(max_length=200, blank=True)
    raised_at = models.DateTimeField(default=timezone.now)
    review = models.ForeignKey(SafetyReview, null=True, blank=True, on_delete=models.PROTECT, related_name="flags")
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "id"]
        indexes = [models.Index(fields=["patient", "category"])]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.label}"

    @property
    def needs_review(self) -> bool:
        return self.category in HOLD_CATEGORIES and self.review_id is None


class Consent(models.Model):
    """A signed consent to acupuncture. Immutable: there is no edit path; a new consent is a new row.

    The signature is the typed full name (checked against the record), the tick, the time and the
    IP address. The text is stored as signed, with the definition key and version it came from.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    intake = models.ForeignKey(Intake, null=True, blank=True, on_delete=models.PROTECT, related_name="consents")
    text_key = models.CharField(max_length=64)
    text_version = models.PositiveIntegerField()
    text = models.TextField()
    text_sha256 = models.CharField(max_length=64)
    typed_name = models.CharField(max_length=150)
    agreed = models.BooleanField()
    signed_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-signed_at"]
        constraints = [models.CheckConstraint(condition=Q(agreed=True), name="consent_must_be_agreed")]

    def __str__(self) -> str:
        return f"Consent v{self.text_version} signed by {self.typed_name} on {self.signed_at:%Y-%m-%d}"


class ConsentSource(models.TextChoices):
    PATIENT_PAGE = "patient_page", "on the patient's details page"
    DESK = "desk", "by the front desk (e.g. on the phone)"
    SMS_STOP = "sms_stop", "by an SMS STOP reply"
    UNSUBSCRIBE_LINK = "unsubscribe_link", "via the unsubscribe link"
    SIGNUP = "signup", "at online sign-up"
    BEFORE_RECORDS = "before_records", "before consent records were kept"


class MessageConsentChange(models.Model):
    """When and how a patient gave or withdrew consent to a channel (group "all") or switched a
    group of messages on or off. Append-only: the history the desk reads "why no reminders" from."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="message_consent_changes")
    channel = models.CharField(max_length=8)  # "email" / "sms"
    group = models.CharField(max_length=16)  # "all" or a patients.message_prefs group key
    allowed = models.BooleanField()
    source = models.CharField(max_length=20, choices=ConsentSource.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["patient", "channel", "group", "at"], name="msg_consent_lookup_idx")]

    def __str__(self) -> str:
        state = "on" if self.allowed else "off"
        return f"{self.channel}/{self.group} {state} ({self.source}, {self.at:%Y-%m-%d})"
