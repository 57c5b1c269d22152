"""Confirming attendance: the one service behind the one-click link, the SMS reply "C" and the desk."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from clinic.models import AuditEvent
from patients.services.preferences import sms_opt_out
from scheduling import services
from scheduling.models import AttendanceConfirmedVia
from tests import factories as f
from tests.scheduling.helpers import NOW, book, local


def test_confirming_records_when_and_how_once(clinic):
    appt = book(clinic, local(clinic, 2, 10), notify=False)
    with time_machine.travel(NOW, tick=False):
        done = services.appointment_confirm_attendance(appointment=appt, via=AttendanceConfirmedVia.LINK)
    assert done.attendance_confirmed_at == NOW
    assert done.attendance_confirmed_via == "link"
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        again = services.appointment_confirm_attendance(appointment=appt, via=AttendanceConfirmedVia.SMS)
    assert again.attendance_confirmed_at == NOW  # the first confirmation is kept
    assert again.attendance_confirmed_via == "link"
    assert AuditEvent.objects.filter(action="appointment.confirm_attendance").count() == 1


def test_a_cancelled_or_started_appointment_cannot_be_confirmed(clinic):
    cancelled = services.appointment_cancel(appointment=book(clinic, local(clinic, 2, 10), notify=False), notify=False)
    with pytest.raises(services.NotAllowed, match="cancelled"):
        services.appointment_confirm_attendance(appointment=cancelled, via="link")
    started = book(clinic, local(clinic, 0, 9), notify=False)
    with time_machine.travel(started.start + dt.timedelta(minutes=1), tick=False), pytest.raises(services.NotAllowed):
        services.appointment_confirm_attendance(appointment=started, via="sms")


def test_sms_opt_out_turns_sms_off_and_is_audited_once(db):
    patient = f.PatientFactory(consent_sms=True)
    sms_opt_out(patient=patient, source="SMS STOP")
    sms_opt_out(patient=patient, source="SMS STOP")
    patient.refresh_from_db()
    assert patient.consent_sms is False
    assert AuditEvent.objects.filter(detail__contains="SMS opt-out").count() == 1
