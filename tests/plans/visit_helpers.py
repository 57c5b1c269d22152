"""Helpers for visit tests: an appointment today, a started note, safety flags."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from plans import visit_services as vs
from tests import factories as f


def appointment(practitioner, patient=None, **kw):
    location = practitioner.locations.first()
    if location is None:
        setup = f.bookable_setup(practitioner=practitioner)
        location, service = setup.location, setup.service
    else:
        service = practitioner.services.first()
    if "start" not in kw:
        # Each new appointment an hour after the practitioner's last one, so rooms never clash.
        n = practitioner.appointments.count()
        kw["start"] = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=n - 200)
    return f.AppointmentFactory(
        practitioner=practitioner,
        patient=patient or f.PatientFactory(),
        service=service,
        location=location,
        room=location.rooms.first(),
        **kw,
    )


def started(practitioner, patient=None, **kw):
    appt = appointment(practitioner, patient, **kw)
    return vs.visit_start(appointment=appt, by=practitioner.user)


def flag(patient, code: str, category: str = "precaution", label: str = ""):
    return f.SafetyFlagFactory(patient=patient, category=category, code=code, label=label or code, patient_label="")


def save(visit, by, points=(), **data):
    reasons = data.pop("reasons", None)
    adverse = data.pop("adverse_event", None)
    entries = [vs.PointEntry(*p) if isinstance(p, tuple) else vs.PointEntry(p) for p in points]
    return vs.visit_save(visit=visit, by=by, data=data, points=entries, reasons=reasons, adverse_event=adverse)
