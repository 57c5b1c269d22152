"""Writes and rules for patient records, intake, questionnaires, safety flags and consent.

Every write lives here (keyword-only arguments, `@transaction.atomic`, `full_clean()` before save).
Domain errors carry a message for the person at the screen; `field` names the form field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import intake_flow
from .models import (
    HOLD_CATEGORIES,
    Consent,
    FlagCategory,
    Intake,
    Patient,
    QuestionnaireResponse,
    ResponseContext,
    ResponseStatus,
    ReviewDecision,
    SafetyFlag,
    SafetyReview,
    phone_key,
)
from .questionnaire import Definition, get_definition, raised_flags, validate
from .scoring import score


class PatientError(Exception):
    """A rule was broken; `message` is shown to the user, next to `field` if given."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class DuplicatePatient(PatientError):
    """Looks like a patient we already have. `candidates` lists (patient, reason) pairs."""

    def __init__(self, candidates: list[tuple[Patient, str]], *, forcible: bool):
        names = ", ".join(p.full_name for p, _ in candidates)
        super().__init__(f"Possible duplicate: {names}.")
        self.candidates = candidates
        # An email match cannot be forced: active emails are unique in the database.
        self.forcible = forcible


class AnswersInvalid(PatientError):
    def __init__(self, errors: Mapping[str, str]):
        super().__init__("Some answers need another look.")
        self.errors = dict(errors)
        self.step: str | None = None  # the intake step to go back to, when known


def _now() -> dt.datetime:
    return timezone.now()


# --- patient record ---------------------------------------------------------------------------

CONTACT_FIELDS = (
    "phone",
    "address",
    "emergency_contact_name",
    "emergency_contact_phone",
    "consent_email",
    "consent_sms",
)
STAFF_FIELDS = ("full_name", "email", "date_of_birth", *CONTACT_FIELDS)


def _check_duplicates(*, email: str, phone: str, date_of_birth: dt.date | None, exclude_pk: int | None, allow: bool):
    from .queries import duplicate_candidates

    candidates = duplicate_candidates(email=email, phone=phone, date_of_birth=date_of_birth, exclude_pk=exclude_pk)
    if not candidates:
        return
    email_clash = any(reason == "email" for _, reason in candidates)
    if email_clash or not allow:
        raise DuplicatePatient(candidates, forcible=not email_clash)


@transaction.atomic
def patient_create(
    *,
    full_name: str,
    email: str = "",
    phone: str = "",
    date_of_birth: dt.date | None = None,
    user=None,
    created_by=None,
    allow_duplicate: bool = False,
    **extra: Any,
) -> Patient:
    """Create a patient record. Raises DuplicatePatient when the email, or the phone together with
    the date of birth, matches an active record (unless `allow_duplicate`, for phone+DOB only)."""
    email = (email or "").strip().lower()
    phone = (phone or "").strip()
    _check_duplicates(email=email, phone=phone, date_of_birth=date_of_birth, exclude_pk=None, allow=allow_duplicate)
    patient = Patient(
        full_name=full_name.strip(),
        email=email,
        phone=phone,
        phone_key=phone_key(phone),
        date_of_birth=date_of_birth,
        user=user,
        created_by=created_by,
        **extra,
    )
    patient.full_clean()
    patient.save()
    return patient


@transaction.atomic
def patient_update(*, patient: Patient, allow_duplicate: bool = False, **changes: Any) -> Patient:
    """Staff edit of a record (demographics and contact details). A linked login keeps the same email."""
    from clinic.models import User

    unknown = set(changes) - set(STAFF_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if "email" in changes:
        changes["email"] = (changes["email"] or "").strip().lower()
    if "phone" in changes:
        changes["phone"] = (changes["phone"] or "").strip()
    new_email = changes.get("email", patient.email)
    new_phone = changes.get("phone", patient.phone)
    new_dob = changes.get("date_of_birth", patient.date_of_birth)
    identity_changed = (new_email, phone_key(new_phone), new_dob) != (
        patient.email,
        patient.phone_key,
        patient.date_of_birth,
    )
    if identity_changed:
        _check_duplicates(
            email=new_email if new_email != patient.email else "",
            phone=new_phone,
            date_of_birth=new_dob,
            exclude_pk=patient.pk,
            allow=allow_duplicate,
        )
    for name, value in changes.items():
        setattr(patient, name, value)
    patient.phone_key = phone_key(patient.phone)
    patient.full_clean()
    if patient.user_id and "email" in changes:
        if not new_email:
            raise PatientError("A patient who logs in needs an email address.", field="email")
        if User.objects.filter(email__iexact=new_email).exclude(pk=patient.user_id).exists():
            raise PatientError("Another login already uses this email.", field="email")
        old_login = User.objects.filter(pk=patient.user_id).values_list("email", flat=True).first()
        User.objects.filter(pk=patient.user_id).update(email=new_email)
        if old_login and old_login.lower() != new_email:
            from .tasks import login_email_changed_notice

            login_email_changed_notice.delay_on_commit(old_login, new_email)
    patient.save()
    return patient


@transaction.atomic
def patient_update_contact(*, patient: Patient, **changes: Any) -> Patient:
    """A patient edits their own contact details and communication preferences."""
    unknown = set(changes) - set(CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"Not editable by the patient: {sorted(unknown)}")
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    for name, value in changes.items():
        setattr(patient, name, value.strip() if isinstance(value, str) else value)
    patient.phone_key = phone_key(patient.phone)
    patient.full_clean()
    patient.save()
    return patient


@transaction.atomic
def patient_archive(*, patient: Patient) -> Patient:
    """Archive instead of delete: the record and its clinical history stay; it leaves the lists."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    patient.archived = True
    patient.save(update_fields=["archived"])
    return patient


@transaction.atomic
def patient_restore(*, patient: Patient) -> Patient:
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if patient.email and Patient.objects.filter(email=patient.email, archived=False).exclude(pk=patient.pk).exists():
        raise PatientError("Another active record uses this email. Change one of them first.")
    patient.archived = False
    patient.save(update_fields=["archived"])
    return patient


def patient_for_user(user) -> Patient | None:
    """The record behind a patient login, or None."""
    if not user.is_authenticated:
        return None
    return Patient.objects.filter(user=user).first()


SIGNUP_EMAIL_ON_RECORD = (
    "We already have a patient record with this email. Please call the clinic and we will link it to your login."
)


@transaction.atomic
def patient_register(*, full_name: str, email: str, phone: str, date_of_birth: dt.date, password: str) -> Patient:
    """Self sign-up: a patient login and its record, together or not at all.

    If the front desk already created a record with this email (no login yet), the login is
    attached to it instead of making a duplicate, but only when the date of birth matches too:
    nobody proves they own the email at sign-up, so the email alone would hand a stranger the
    record (contact details, appointments, answers). On a mismatch the patient is asked to call.
    A phone + date-of-birth match is not merged automatically (it could be a relative); the front
    desk sees it as a possible duplicate.
    """
    from clinic.models import Role, User

    user = User.objects.create_user(email=email, password=password, full_name=full_name, phone=phone, role=Role.PATIENT)
    existing = (
        Patient.objects.select_for_update().filter(email__iexact=email, user__isnull=True, archived=False).first()
    )
    if existing and existing.date_of_birth not in (None, date_of_birth):
        raise ValidationError({"email": SIGNUP_EMAIL_ON_RECORD})
    if existing:
        existing.user = user
        existing.phone = existing.phone or phone
        existing.phone_key = phone_key(existing.phone)
        existing.date_of_birth = existing.date_of_birth or date_of_birth
        existing.save(update_fields=["user", "phone", "phone_key", "date_of_birth"])
        return existing
    try:
        return patient_create(
            full_name=full_name, email=email, phone=phone, date_of_birth=date_of_birth, user=user, allow_duplicate=True
        )
    except DuplicatePatient:
        # Only an email match gets here; the sign-up view shows it by the email field.
        raise ValidationError({"email": SIGNUP_EMAIL_ON_RECORD})


# --- safety and booking hold ------------------------------------------------------------------

HOLD_MESSAGE = (
    "Some of your health answers need a quick review by one of our acupuncturists before you can book "
    "online. Please call the clinic and we will help you."
)
REFERRED_MESSAGE = (
    "Your acupuncturist has asked you to see a doctor before acupuncture, so online booking is paused. "
    "Please call the clinic once you have seen them."
)


def patient_treatment_booking_hold(patient: Patient) -> str | None:
    """Why online booking is on hold for this patient, or None when it is not.

    `scheduling.services.patient_may_self_book` asks this. A red flag in the safety screening holds
    ALL online booking (including an initial consultation) until a practitioner reviews the patient:
    "clear" lifts the hold, "refer" keeps it until a later "clear". The front desk can still book
    by phone, after talking to the patient.
    """
    if SafetyFlag.objects.filter(patient=patient, category__in=HOLD_CATEGORIES, review__isnull=True).exists():
        return HOLD_MESSAGE
    latest = SafetyReview.objects.filter(patient=patient).order_by("-created_at", "-id").first()
    if latest and latest.decision == ReviewDecision.REFER:
        return REFERRED_MESSAGE
    return None


def _sync_flags(*, response: QuestionnaireResponse, definition: Definition, sections: list[str]) -> list[SafetyFlag]:
    """Raise the flags these sections' answers trigger. Returns the newly raised red flags.

    Red flags are raised once per response and stay until reviewed, even if the answer is later
    changed (someone reported a sign; a practitioner decides). Precautions mirror the latest answers.
    """
    triggered = raised_flags(definition, response.answers, sections)
    in_scope = {
        f.code
        for f in definition.flags
        if f.when.items() <= {it.key for s in sections for it in definition.section(s).items}
    }
    now = _now()
    new_red: list[SafetyFlag] = []
    existing_red = set(
        SafetyFlag.objects.filter(response=response, category__in=HOLD_CATEGORIES).values_list("code", flat=True)
    )
    active_other = {
        f.code: f
        for f in SafetyFlag.objects.filter(
            patient=response.patient, withdrawn_at__isnull=True, code__in=in_scope
        ).exclude(category__in=HOLD_CATEGORIES)
    }
    triggered_codes = {f.code for f in triggered}
    for code, flag in active_other.items():
        if code not in triggered_codes:
            flag.withdrawn_at = now
            flag.save(update_fields=["withdrawn_at"])
    for rule in triggered:
        is_red = rule.category in HOLD_CATEGORIES
        if (is_red and rule.code in existing_red) or (not is_red and rule.code in active_other):
            continue
        flag = SafetyFlag(
            patient=response.patient,
            response=response,
            category=rule.category,
            code=rule.code,
            label=rule.label[:200],
            alert=rule.alert,
            patient_label=rule.patient_label[:200],
            raised_at=now,
        )
        flag.full_clean()
        flag.save()
        if is_red:
            new_red.append(flag)
    return new_red


@transaction.atomic
def safety_review_record(*, patient: Patient, reviewed_by, decision: str, note: str) -> SafetyReview:
    """A practitioner reviewed the patient's red flags: clear (lifts the booking hold) or refer (keeps it)."""
    note = (note or "").strip()
    if not note:
        raise PatientError("Please add a note saying what you decided and why.", field="note")
    if decision not in ReviewDecision.values:
        raise PatientError("Choose clear or refer.", field="decision")
    review = SafetyReview(patient=patient, reviewed_by=reviewed_by, decision=decision, note=note, created_at=_now())
    review.full_clean()
    review.save()
    SafetyFlag.objects.filter(patient=patient, category__in=HOLD_CATEGORIES, review__isnull=True).update(review=review)
    return review


# --- questionnaire responses ------------------------------------------------------------------


def _score_context(today: dt.date | None = None) -> dict:
    from clinic.models import ClinicPolicy

    policy = ClinicPolicy.get()
    return {
        "today": today or timezone.localdate(),
        "acute_cutoff_weeks": policy.acute_cutoff_weeks,
        "chronic_cutoff_weeks": policy.chronic_cutoff_weeks,
    }


@dataclass
class SaveResult:
    response: QuestionnaireResponse
    new_red_flags: list[SafetyFlag] = field(default_factory=list)

    @property
    def urgent(self) -> bool:
        return any(f.category == FlagCategory.CAUDA_EQUINA for f in self.new_red_flags)


def _section_items(definition: Definition, section: str) -> set[str]:
    return {it.key for it in definition.section(section).items}


@transaction.atomic
def response_section_save(*, response: QuestionnaireResponse, section: str, answers: Mapping[str, Any]) -> SaveResult:
    """Save one section's answers (validated again here), rescore, and raise any safety flags."""
    response = QuestionnaireResponse.objects.select_for_update().select_related("patient").get(pk=response.pk)
    if response.is_submitted:
        raise PatientError("These answers were already sent and can no longer be changed.")
    definition = response.definition
    mine = _section_items(definition, section)
    others = {k: v for k, v in response.answers.items() if k not in mine}
    clean, errors = validate(definition, answers, sections=[section], context=others, today=timezone.localdate())
    if errors:
        raise AnswersInvalid(errors)
    response.answers = {**others, **clean}
    # An answer in a later section that depended on this one may be hidden now; drop it.
    later_ok, _ = validate(definition, response.answers, today=timezone.localdate())
    response.answers = {k: v for k, v in response.answers.items() if k in later_ok or k in clean}
    response.drafts = {k: v for k, v in response.drafts.items() if k != section}
    if section not in response.sections_done:
        response.sections_done = [*response.sections_done, section]
    response.scores = score(definition, response.answers, _score_context())
    response.updated_at = _now()
    response.full_clean()
    response.save()
    new_red = _sync_flags(response=response, definition=definition, sections=[section])
    return SaveResult(response=response, new_red_flags=new_red)


@transaction.atomic
def response_draft_save(*, response: QuestionnaireResponse, section: str, raw: Mapping[str, Any]) -> None:
    """Keep what was typed into a section that is not valid yet, so a reload shows it again."""
    response = QuestionnaireResponse.objects.select_for_update().get(pk=response.pk)
    if response.is_submitted:
        return
    response.drafts = {**response.drafts, section: dict(raw)}
    response.updated_at = _now()
    response.save(update_fields=["drafts", "updated_at"])


@transaction.atomic
def response_submit(*, response: QuestionnaireResponse) -> QuestionnaireResponse:
    """Final: every section valid, scores computed; no further changes."""
    response = QuestionnaireResponse.objects.select_for_update().get(pk=response.pk)
    if response.is_submitted:
        return response
    definition = response.definition
    clean, errors = validate(definition, response.answers, today=timezone.localdate())
    if errors:
        raise AnswersInvalid(errors)
    now = _now()
    response.answers = clean
    response.scores = score(definition, clean, _score_context())
    response.status = ResponseStatus.SUBMITTED
    response.submitted_at = now
    response.updated_at = now
    response.drafts = {}
    response.full_clean()
    response.save()
    return response


@transaction.atomic
def questionnaire_request(
    *, patient: Patient, instrument_key: str, requested_by=None, context: str = ResponseContext.REQUESTED
) -> QuestionnaireResponse:
    """Ask the patient to fill in a questionnaire (newest version). Reuses an unfinished one."""
    definition = get_definition(instrument_key)
    if definition.kind != "questionnaire":
        raise PatientError("That form cannot be sent as a questionnaire.")
    open_one = QuestionnaireResponse.objects.filter(
        patient=patient, instrument_key=instrument_key, status=ResponseStatus.DRAFT, intake__isnull=True
    ).first()
    if open_one:
        return open_one
    response = QuestionnaireResponse(
        patient=patient,
        context=context,
        instrument_key=definition.key,
        instrument_version=definition.version,
        requested_by=requested_by,
    )
    response.full_clean()
    response.save()
    return response


def checkin_request(*, patient: Patient, requested_by=None) -> QuestionnaireResponse:
    """The short outcome check-in (pain + function index), e.g. at a plan's review session."""
    return questionnaire_request(
        patient=patient, instrument_key="outcome_checkin", requested_by=requested_by, context=ResponseContext.CHECKIN
    )


# --- intake -----------------------------------------------------------------------------------


@transaction.atomic
def intake_start(*, patient: Patient) -> Intake:
    """The patient's intake: the open one, else the last completed one, else a new one."""
    Patient.objects.select_for_update().filter(pk=patient.pk).first()  # serialise two tabs
    intake = Intake.objects.filter(patient=patient).order_by("-started_at", "-id").first()
    if intake:
        return intake
    intake = Intake(patient=patient)
    intake.full_clean()
    intake.save()
    return intake


def intake_response(*, intake: Intake, instrument_key: str) -> QuestionnaireResponse:
    """The intake's response for one questionnaire, created on first use with the newest version."""
    response = intake.responses.filter(instrument_key=instrument_key).first()
    if response:
        return response
    definition = get_definition(instrument_key)
    response = QuestionnaireResponse(
        patient=intake.patient,
        intake=intake,
        context=ResponseContext.INTAKE,
        instrument_key=definition.key,
        instrument_version=definition.version,
    )
    response.full_clean()
    response.save()
    return response


def _mark_step(intake: Intake, slug: str) -> None:
    if slug not in intake.steps_done:
        intake.steps_done = [*intake.steps_done, slug]
    intake.updated_at = _now()
    intake.save(update_fields=["steps_done", "updated_at"])


@transaction.atomic
def intake_step_save(*, intake: Intake, slug: str, answers: Mapping[str, Any]) -> SaveResult:
    """Save one questionnaire step of the intake (server-side draft of the whole intake)."""
    intake = Intake.objects.select_for_update().get(pk=intake.pk)
    if intake.is_complete:
        raise PatientError("Your intake is complete. Your answers can no longer be changed here.")
    step = intake_flow.step(slug)
    if step.is_consent:
        raise ValueError("The consent step is saved by consent_sign().")
    response = intake_response(intake=intake, instrument_key=step.instrument)
    result = response_section_save(response=response, section=step.section, answers=answers)  # type: ignore[arg-type]
    _mark_step(intake, slug)
    return result


@transaction.atomic
def _intake_complete(intake: Intake) -> Intake:
    """Every step saved: submit each questionnaire and close the intake."""
    for instrument in intake_flow.INSTRUMENTS:
        response = intake_response(intake=intake, instrument_key=instrument)
        try:
            response_submit(response=response)
        except AnswersInvalid as exc:
            # Say which step to go back to (e.g. a definition changed under a half-done intake).
            definition = response.definition
            exc.step = next(
                (
                    st.slug
                    for st in intake_flow.steps_of(instrument)
                    if set(exc.errors) & _section_items(definition, st.section)  # type: ignore[arg-type]
                ),
                None,
            )
            raise
    intake.completed_at = _now()
    intake.updated_at = intake.completed_at
    intake.save(update_fields=["completed_at", "updated_at"])
    return intake


# --- consent ----------------------------------------------------------------------------------


def normalise_name(name: str) -> str:
    return re.sub(r"\s+", " ", (name or "").strip()).casefold()


def consent_text(definition: Definition) -> str:
    """The full text the patient agrees to, as stored with the signature."""
    parts = [definition.consent_text, "", "Common effects:"]
    parts += [f"- {r}" for r in definition.consent_risks]
    parts += ["", "Rare risks:"]
    parts += [f"- {r}" for r in definition.consent_rare_risks]
    parts += ["", definition.consent_statement]
    return "\n".join(parts).strip()


@transaction.atomic
def consent_sign(
    *,
    patient: Patient,
    typed_name: str,
    agreed: bool,
    ip_address: str | None,
    user_agent: str = "",
    intake: Intake | None = None,
) -> Consent:
    """Record a signed consent. The typed name must match the record's name (case and spacing aside).

    A Consent row is never changed afterwards; signing again makes a new row.
    """
    if not agreed:
        raise PatientError("Please tick the box to confirm you agree.", field="agree")
    if normalise_name(typed_name) != normalise_name(patient.full_name):
        raise PatientError(
            f"Please type your full name exactly as on your record: {patient.full_name}.", field="typed_name"
        )
    definition = get_definition(intake_flow.CONSENT_KEY)
    text = consent_text(definition)
    consent = Consent(
        patient=patient,
        intake=intake,
        text_key=definition.key,
        text_version=definition.version,
        text=text,
        text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        typed_name=typed_name.strip()[:150],
        agreed=True,
        signed_at=_now(),
        ip_address=ip_address or None,
        user_agent=(user_agent or "")[:255],
    )
    consent.full_clean()
    consent.save()
    if intake is not None:
        intake = Intake.objects.select_for_update().get(pk=intake.pk)
        _mark_step(intake, "consent")
        if not intake.is_complete and intake_flow.first_missing(intake.steps_done) is None:
            _intake_complete(intake)
    return consent


def consent_current(patient: Patient) -> Consent | None:
    return Consent.objects.filter(patient=patient).order_by("-signed_at", "-id").first()
