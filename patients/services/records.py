"""The patient record: create, edit, archive and restore, and self sign-up."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from clinic import phones
from clinic.audit import audit
from clinic.models import Role, User
from clinic.queries import phone_region

from .. import message_prefs as mp
from ..models import ConsentSource, Patient, phone_key
from ..queries import duplicate_candidates, patient_phone_region
from ..tasks import login_email_changed_notice
from .accounts import email_verification_send
from .errors import DuplicatePatient, PatientError
from .preferences import Switch, message_preferences_set

CONTACT_FIELDS = (
    "phone",
    "address",
    "emergency_contact_name",
    "emergency_contact_phone",
)
# The channels' master switches: the desk sets them on the record form (recorded as the desk's,
# e.g. consent given on the phone); the patient uses their message preferences instead.
CONSENT_FIELDS = ("consent_email", "consent_sms")
STAFF_FIELDS = ("full_name", "email", "date_of_birth", *CONTACT_FIELDS, *CONSENT_FIELDS)


def _consent_changes(values: dict[str, Any]) -> list[tuple[Switch, bool]]:
    """Pops the consent switches out of `values` (they are recorded, not just set)."""
    channels = {"consent_email": mp.EMAIL, "consent_sms": mp.SMS}
    return [(Switch(channels[name]), bool(values.pop(name))) for name in CONSENT_FIELDS if name in values]


PHONE_FIELDS = ("phone", "emergency_contact_phone")


def _phones_e164(values: dict[str, Any], *, region: str) -> dict[str, Any]:
    """Every phone these services write is stored in E.164. The forms send E.164 already (read with
    the patient's region); a national number from any other caller is read as one of `region`."""
    for name in PHONE_FIELDS:
        if name in values:
            try:
                values[name] = phones.to_e164(values[name], region=region)
            except phones.PhoneError as exc:
                raise PatientError(exc.message, field=name) from exc
    return values


def _check_duplicates(
    *, email: str, phone: str, date_of_birth: dt.date | None, exclude_pk: int | None, allow: bool
) -> None:
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
    user: User | None = None,
    created_by: User | None = None,
    allow_duplicate: bool = False,
    request: HttpRequest | None = None,
    **extra: Any,
) -> Patient:
    """Create a patient record. Raises DuplicatePatient when the email, or the phone together with
    the date of birth, matches an active record (unless `allow_duplicate`, for phone+DOB only).

    Audited in the same transaction; `request` only gives the audit row its address."""
    email = (email or "").strip().lower()
    _phones_e164(extra, region=phone_region())
    phone = _phones_e164({"phone": phone}, region=phone_region())["phone"]
    _check_duplicates(email=email, phone=phone, date_of_birth=date_of_birth, exclude_pk=None, allow=allow_duplicate)
    consents = _consent_changes(extra)
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
    audit(
        request=request,
        actor=created_by or user,
        action="create",
        obj=patient,
        patient_id=patient.pk,
        detail="patient record",
    )
    if consents:
        source = ConsentSource.DESK if created_by else ConsentSource.SIGNUP
        patient = message_preferences_set(patient=patient, changes=consents, source=source, by=created_by or user)
    return patient


@transaction.atomic
def patient_update(
    *,
    patient: Patient,
    allow_duplicate: bool = False,
    actor: User | None = None,
    request: HttpRequest | None = None,
    **changes: Any,
) -> Patient:
    """Staff edit of a record (demographics and contact details). A linked login keeps the same email."""
    unknown = set(changes) - set(STAFF_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    consents = _consent_changes(changes)
    if "email" in changes:
        changes["email"] = (changes["email"] or "").strip().lower()
    _phones_e164(changes, region=patient_phone_region(patient))
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
            login_email_changed_notice(old_login, new_email)  # queued in the outbox, in this transaction
    patient.save()
    audit(request=request, actor=actor, action="update", obj=patient, patient_id=patient.pk, detail="contact details")
    if consents:
        patient = message_preferences_set(
            patient=patient, changes=consents, source=ConsentSource.DESK, by=actor, request=request
        )
    return patient


@transaction.atomic
def patient_update_contact(*, patient: Patient, request: HttpRequest | None = None, **changes: Any) -> Patient:
    """A patient edits their own contact details (their message preferences: message_preferences_set)."""
    unknown = set(changes) - set(CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"Not editable by the patient: {sorted(unknown)}")
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    _phones_e164(changes, region=patient_phone_region(patient))
    for name, value in changes.items():
        setattr(patient, name, value.strip() if isinstance(value, str) else value)
    patient.phone_key = phone_key(patient.phone)
    patient.full_clean()
    patient.save()
    audit(
        request=request,
        actor=patient.user,
        action="update",
        obj=patient,
        patient_id=patient.pk,
        detail="contact details (own)",
    )
    return patient


@transaction.atomic
def patient_archive(*, patient: Patient, actor: User | None = None, request: HttpRequest | None = None) -> Patient:
    """Archive instead of delete: the record and its clinical history stay; it leaves the lists."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    patient.archived = True
    patient.save(update_fields=["archived"])
    audit(request=request, actor=actor, action="archive", obj=patient, patient_id=patient.pk, detail="patient record")
    return patient


@transaction.atomic
def patient_restore(*, patient: Patient, actor: User | None = None, request: HttpRequest | None = None) -> Patient:
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if patient.email and Patient.objects.filter(email=patient.email, archived=False).exclude(pk=patient.pk).exists():
        raise PatientError("Another active record uses this email. Change one of them first.")
    patient.archived = False
    patient.save(update_fields=["archived"])
    audit(request=request, actor=actor, action="restore", obj=patient, patient_id=patient.pk, detail="patient record")
    return patient


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
    desk sees it as a possible duplicate. A verification link is emailed; online booking waits for it.
    """
    phone = _phones_e164({"phone": phone}, region=phone_region())["phone"]
    user = User.objects.create_user(email=email, password=password, full_name=full_name, phone=phone, role=Role.PATIENT)
    email_verification_send(user=user)
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
