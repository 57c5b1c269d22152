"""Checks shared by every form that takes a patient's phone number or date of birth
(self sign-up, the front desk's record form, and booking for a new caller)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

PHONE_CHARS = frozenset("0123456789 +-().")


def clean_phone(phone: str | None, *, required: bool = True) -> str:
    phone = (phone or "").strip()
    if not phone:
        if required:
            raise ValidationError("Please enter a phone number.")
        return phone
    if sum(c.isdigit() for c in phone) < 7 or any(c not in PHONE_CHARS for c in phone):
        raise ValidationError("Enter a phone number we can call back, e.g. +44 7700 900123.")
    return phone


def check_date_of_birth(dob: dt.date | None) -> dt.date | None:
    if dob is None:
        return None
    today = timezone.localdate()
    if dob >= today:
        raise ValidationError("The date of birth must be in the past.")
    if dob.year < today.year - 120:
        raise ValidationError("Please check the year of birth.")
    return dob
