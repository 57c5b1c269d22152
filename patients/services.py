"""Writes and rules for patient records."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from .models import Patient


@transaction.atomic
def patient_create(
    *,
    full_name: str,
    email: str = "",
    phone: str = "",
    date_of_birth: dt.date | None = None,
    user=None,
    created_by=None,
    **extra,
) -> Patient:
    patient = Patient(
        full_name=full_name,
        email=(email or "").lower(),
        phone=phone,
        date_of_birth=date_of_birth,
        user=user,
        created_by=created_by,
        **extra,
    )
    patient.full_clean()
    patient.save()
    return patient


def patient_for_user(user) -> Patient | None:
    """The record behind a patient login, or None."""
    if not user.is_authenticated:
        return None
    return Patient.objects.filter(user=user).first()


def patient_treatment_booking_hold(patient: Patient) -> str | None:
    """Why online booking of treatment is on hold for this patient, or None when it is not.

    `scheduling.services.patient_may_self_book` asks this; the intake's safety screening decides it.
    """
    return None


@transaction.atomic
def patient_register(*, full_name: str, email: str, phone: str, date_of_birth: dt.date, password: str) -> Patient:
    """Self sign-up: a patient login and its record, together or not at all.

    If the front desk already created a record with this email (no login yet), the login is
    attached to it instead of making a duplicate.
    """
    from clinic.models import Role, User

    user = User.objects.create_user(email=email, password=password, full_name=full_name, phone=phone, role=Role.PATIENT)
    existing = (
        Patient.objects.select_for_update().filter(email__iexact=email, user__isnull=True, archived=False).first()
    )
    if existing:
        existing.user = user
        existing.phone = existing.phone or phone
        existing.date_of_birth = existing.date_of_birth or date_of_birth
        existing.save(update_fields=["user", "phone", "date_of_birth"])
        return existing
    return patient_create(full_name=full_name, email=email, phone=phone, date_of_birth=date_of_birth, user=user)
