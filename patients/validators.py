"""Checks shared by every form that takes a patient's phone number or date of birth
(self sign-up, the front desk's record form, and booking for a new caller)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.phones import clean_phone

__all__ = ["check_date_of_birth", "clean_phone"]


def check_date_of_birth(dob: dt.date | None) -> dt.date | None:
    if dob is None:
        return None
    today = timezone.localdate()
    if dob >= today:
        raise ValidationError("The date of birth must be in the past.")
    if dob.year < today.year - 120:
        raise ValidationError("Please check the year of birth.")
    return dob
