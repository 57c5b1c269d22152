"""Helpers for the scheduling tests (fixtures stay in conftest.py; helpers are imported from here)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from patients.models import Patient
from scheduling import services
from scheduling.models import Appointment, AppointmentStatus
from tests import factories as f

# The scheduling tests start with the clock here (tests/scheduling/conftest.py): Monday
# 11 January 2027, 08:00 in London (GMT). No DST change in London or New York for the next 60
# days, so "N days ahead at 10:00" is always a plain local day. Later than the DST tests' days,
# which travel back from it (a login made now stays valid there).
NOW = dt.datetime(2027, 1, 11, 8, 0, tzinfo=dt.UTC)
TODAY = dt.date(2027, 1, 11)


def local(clinic: SimpleNamespace, days: int, hour: int, minute: int = 0) -> dt.datetime:
    """An aware datetime `days` after TODAY at hour:minute, in the clinic's zone."""
    return dt.datetime.combine(TODAY + dt.timedelta(days=days), dt.time(hour, minute), tzinfo=clinic.location.tz)


def book(clinic: SimpleNamespace, start: dt.datetime, patient: Patient | None = None, **kw: Any) -> Appointment:
    """The desk books `start` with the clinic's practitioner and service (overridable)."""
    return services.appointment_book(
        patient=patient or f.PatientFactory(),
        service=kw.pop("service", clinic.service),
        practitioner=kw.pop("practitioner", clinic.practitioner),
        location=clinic.location,
        start=start,
        **kw,
    )


def returning(clinic: SimpleNamespace, patient: Patient) -> Patient:
    """Give the patient an attended visit a month ago, so they are no longer a new patient."""
    f.AppointmentFactory(
        patient=patient,
        service=clinic.service,
        practitioner=clinic.practitioner,
        location=clinic.location,
        start=local(clinic, -30, 10),
        status=AppointmentStatus.COMPLETED,
    )
    return patient
