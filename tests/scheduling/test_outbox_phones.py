"""SMS go to the patient's number in E.164, however it was typed; a number kept as typed because it
could not be read gets no SMS (the email reminders still go)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from clinic.messaging import backends as sms
from patients.models import Patient
from patients.services import Switch, message_preferences_set
from scheduling import dispatch
from scheduling.models import Notification, NotificationKind
from tests import factories as f
from tests.scheduling.helpers import book, local


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def test_a_number_typed_the_national_way_is_texted_in_e164(clinic, frozen_clock, patient, patient_client):
    patient_client.post(
        reverse("patients:my_details"),
        {"phone": "07700 900123", "address": "", "emergency_contact_name": "", "emergency_contact_phone": ""}
        | {"consent_sms": "on", "consent_email": "on"},
    )
    patient.refresh_from_db()
    # SMS consent is recorded on its own (the message preferences form), not with the contact details.
    message_preferences_set(patient=patient, changes=[(Switch("sms"), True)], source="patient_page")

    appt = book(clinic, local(clinic, 5, 14), patient)

    text_row = Notification.objects.get(appointment=appt, kind=NotificationKind.REMINDER, channel="sms")
    assert text_row.recipient == "+447700900123"
    frozen_clock.move_to(text_row.scheduled_for + dt.timedelta(seconds=1))
    dispatch.outbox_dispatch()
    assert [m.to for m in sms.outbox] == ["+447700900123"]


def test_a_number_kept_as_typed_gets_no_sms_but_the_email_reminder_still_goes(clinic, frozen_clock):
    patient = f.PatientFactory(consent_sms=True, consent_email=True)
    Patient.objects.filter(pk=patient.pk).update(phone="ring the shop", phone_to_check=True)
    patient.refresh_from_db()
    # SMS consent is recorded on its own (the message preferences form), not with the contact details.
    message_preferences_set(patient=patient, changes=[(Switch("sms"), True)], source="patient_page")

    appt = book(clinic, local(clinic, 5, 14), patient)

    channels = set(
        Notification.objects.filter(appointment=appt, kind=NotificationKind.REMINDER).values_list("channel", flat=True)
    )
    assert channels == {"email"}
