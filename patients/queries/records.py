"""Patient records: search, duplicates, the record behind a login, the current consent."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from clinic.models import Location, User
from clinic.queries import phone_region

from ..models import Consent, Patient, phone_key
from .search import phone_filter

SEARCH_LIMIT = 50
_PHONE_ONLY = re.compile(r"^[\d\s+\-().]+$")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")


def _as_date(token: str) -> dt.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(token, fmt).date()
        except ValueError:
            continue
    return None


def searchable(q: str) -> bool:
    """False for text no database column can hold (a NUL byte: PostgreSQL refuses it outright)."""
    return "\x00" not in q


def patient_search(q: str, *, include_archived: bool = False, limit: int = SEARCH_LIMIT) -> QuerySet[Patient]:
    """Find patients by name (every word), email, phone (any spacing or prefix) or date of birth.

    "smith 17/05/1975" means name contains smith AND born that day. An empty query returns none.
    """
    qs = Patient.objects.all() if include_archived else Patient.objects.filter(archived=False)
    q = (q or "").strip()
    if not q or not searchable(q):
        return qs.none()
    digits = "".join(c for c in q if c.isdigit())
    if _PHONE_ONLY.match(q) and len(digits) >= 4 and _as_date(q) is None:
        return qs.filter(phone_filter(digits)).order_by("full_name", "id")[:limit]
    for token in q.split():
        day = _as_date(token)
        if day:
            qs = qs.filter(date_of_birth=day)
        elif token.isdigit() and len(token) >= 4:
            qs = qs.filter(phone_filter(token))
        else:
            qs = qs.filter(Q(full_name__icontains=token) | Q(email__icontains=token))
    return qs.order_by("full_name", "id")[:limit]


def duplicate_candidates(
    *, email: str = "", phone: str = "", date_of_birth: dt.date | None = None, exclude_pk: int | None = None
) -> list[tuple[Patient, str]]:
    """Active records that look like the same person: same email, or same phone AND date of birth."""
    cond = Q()
    email = (email or "").strip().lower()
    key = phone_key(phone)
    if email:
        cond |= Q(email__iexact=email)
    if len(key) >= 7 and date_of_birth:
        cond |= Q(phone_key=key, date_of_birth=date_of_birth)
    if not cond:
        return []
    qs = Patient.objects.filter(cond, archived=False)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    out = []
    for p in qs.order_by("full_name", "id")[:10]:
        reason = "email" if email and p.email.lower() == email else "phone and date of birth"
        out.append((p, reason))
    return out


def patient_for_user(user: User | AnonymousUser) -> Patient | None:
    """The record behind a patient login, or None."""
    if not user.is_authenticated:
        return None
    patient = Patient.objects.filter(user=user).first()
    if patient is not None:
        patient.user = user  # the login is at hand: reading patient.user costs no query
    return patient


def consent_current(patient: Patient) -> Consent | None:
    return Consent.objects.filter(patient=patient).order_by("-signed_at", "-id").first()


def patient_location(patient: Patient | None) -> Location | None:
    """Where the patient is booked: the location of their latest appointment (the upcoming one, when
    they have one), or None for a patient never booked."""
    if patient is None or patient.pk is None:
        return None
    # The reverse relation from scheduling's Appointment (no import upward).
    return Location.objects.filter(appointments__patient=patient).order_by("-appointments__start").first()


def patient_phone_region(patient: Patient | None) -> str:
    """The default region for this patient's numbers: see clinic.queries.phone_region."""
    return phone_region(patient_location(patient))


def phones_to_check() -> QuerySet[Patient]:
    """Active records with a number kept as typed because it could not be read (see Patient.phone_to_check)."""
    return Patient.objects.filter(phone_to_check=True, archived=False).order_by("full_name", "id")
