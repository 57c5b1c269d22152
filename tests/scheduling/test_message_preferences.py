"""Message preferences in the outbox: the patient's switches decide what is queued, are checked
again when a message goes out, and the desk can read why a patient gets no reminders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from clinic.audit import AuditEvent
from clinic.messaging import backends as sms
from patients import message_prefs
from patients.models import ConsentSource, MessageConsentChange, Patient
from patients.services import Switch, email_unsubscribe, message_preferences_set, sms_opt_out
from scheduling import dispatch
from scheduling.models import Notification, NotificationKind, NotificationStatus
from tests import factories as f
from tests.scheduling.helpers import book, local

REMINDER = NotificationKind.REMINDER


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def reminders(appt, **filters):
    return Notification.objects.filter(appointment=appt, kind=REMINDER, **filters)


def test_every_kind_of_message_is_essential_or_in_a_group_the_patient_can_switch_off():
    for kind in NotificationKind.values:
        assert message_prefs.is_essential(kind) != (message_prefs.group_for_kind(kind) is not None), kind


def test_reminder_emails_switched_off_are_not_queued_but_the_confirmation_still_goes(clinic, patient):
    message_preferences_set(patient=patient, changes=[(Switch("email", "reminders"), False)], source="patient_page")
    appt = book(clinic, local(clinic, 5, 10), Patient.objects.get(pk=patient.pk))
    assert not reminders(appt, channel="email").exists()
    assert Notification.objects.filter(appointment=appt, kind=NotificationKind.BOOKING_CONFIRMED).exists()


def test_sms_reminders_only_with_recorded_consent(clinic):
    no_consent = f.PatientFactory(phone="+447700900123")
    assert not reminders(book(clinic, local(clinic, 5, 10), no_consent), channel="sms").exists()

    consented = message_preferences_set(
        patient=f.PatientFactory(phone="+447700900124"), changes=[(Switch("sms"), True)], source="desk"
    )
    assert reminders(book(clinic, local(clinic, 5, 12), consented), channel="sms").exists()
    record = MessageConsentChange.objects.get(patient=consented)
    assert (record.channel, record.group, record.allowed, record.source) == ("sms", "all", True, ConsentSource.DESK)


def test_a_reminder_opted_out_after_it_was_queued_is_withdrawn_at_send_time_with_the_reason(clinic, frozen_clock):
    patient = f.PatientFactory()
    appt = book(clinic, local(clinic, 5, 10), patient)
    row = reminders(appt, channel="email").order_by("scheduled_for").first()
    frozen_clock.move_to(appt.created_at + dt.timedelta(minutes=5))
    dispatch.outbox_dispatch()  # the confirmation
    # Changed behind the services' back (e.g. a restore from backup): the dispatcher still checks.
    Patient.objects.filter(pk=patient.pk).update(message_opt_outs=["reminders:email"])
    frozen_clock.move_to(row.scheduled_for + dt.timedelta(seconds=1))
    mail.outbox.clear()
    result = dispatch.outbox_dispatch()
    row.refresh_from_db()
    assert mail.outbox == [] and result.withdrawn >= 1
    assert row.status == NotificationStatus.CANCELLED
    assert row.last_error == "Opted out of appointment reminders by email."


def test_switching_off_withdraws_pending_reminders_at_once_and_switching_on_plans_them_again(clinic):
    patient = f.PatientFactory()
    appt = book(clinic, local(clinic, 5, 10), patient)
    assert reminders(appt, channel="email", status=NotificationStatus.PENDING).exists()

    email_unsubscribe(patient=patient, group="reminders")
    withdrawn = reminders(appt, channel="email")
    assert {n.status for n in withdrawn} == {NotificationStatus.CANCELLED}
    assert {n.last_error for n in withdrawn} == {"Opted out of appointment reminders by email."}
    # Only that group: the booking confirmation still goes out.
    confirmation = Notification.objects.get(appointment=appt, kind=NotificationKind.BOOKING_CONFIRMED)
    assert confirmation.status == NotificationStatus.PENDING

    message_preferences_set(patient=patient, changes=[(Switch("email", "reminders"), True)], source="patient_page")
    assert reminders(appt, channel="email", status=NotificationStatus.PENDING).count() == withdrawn.count()


def test_sms_stop_keeps_its_signature_records_the_source_and_withdraws_pending_sms(clinic):
    patient = message_preferences_set(
        patient=f.PatientFactory(phone="+447700900123"), changes=[(Switch("sms"), True)], source="patient_page"
    )
    appt = book(clinic, local(clinic, 5, 14), patient)
    sms_opt_out(patient=patient, source="SMS STOP")
    sms_opt_out(patient=patient, source="SMS STOP")
    assert {n.status for n in reminders(appt, channel="sms")} == {NotificationStatus.CANCELLED}
    latest = MessageConsentChange.objects.filter(patient=patient).first()
    assert (latest.allowed, latest.source) == (False, ConsentSource.SMS_STOP)
    assert AuditEvent.objects.filter(patient_id=patient.pk, detail__contains="SMS opt-out").count() == 1


def test_the_patient_switches_groups_on_their_details_page(patient, patient_client):
    page = patient_client.get(reverse("patients:my_details")).content.decode()
    assert "confirmations when you book, move or cancel" in page
    assert "We have no record of your consent to texts" in page
    response = patient_client.post(
        reverse("patients:my_message_preferences"),
        {"consent_email": "on", "consent_sms": "on", "reminders_sms": "on", "waitlist_email": "on"},
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.consent_sms is True and patient.consent_email is True
    assert patient.message_opt_outs == ["care:email", "reminders:email"]
    changes = MessageConsentChange.objects.filter(patient=patient)
    assert {(c.channel, c.group, c.allowed, c.source) for c in changes} == {
        ("sms", "all", True, "patient_page"),
        ("email", "reminders", False, "patient_page"),
        ("email", "care", False, "patient_page"),
    }
    assert changes.filter(by=patient.user).count() == 3
    page = patient_client.get(reverse("patients:my_details")).content.decode()
    assert "You agreed to texts on" in page and "on the patient&#x27;s details page" in page


def test_the_desk_records_consent_given_on_the_phone(front_desk_client, front_desk_user):
    patient = f.PatientFactory(full_name="Phone Caller", phone="07700 900555", email="caller@example.org")
    data = {
        "full_name": patient.full_name,
        "email": patient.email,
        "phone": patient.phone,
        "consent_email": "on",
        "consent_sms": "on",
    }
    response = front_desk_client.post(reverse("patients:edit", kwargs={"pk": patient.pk}), data)
    assert response.status_code == 302
    record = MessageConsentChange.objects.get(patient=patient)
    assert (record.channel, record.allowed, record.source, record.by) == ("sms", True, "desk", front_desk_user)
    page = front_desk_client.get(reverse("patients:detail", kwargs={"pk": patient.pk})).content.decode()
    assert "by the front desk (e.g. on the phone) (Fran Desk)" in page


def test_the_desk_sees_why_a_patient_gets_no_reminders(clinic, front_desk_client, frozen_clock):
    patient = f.PatientFactory(phone="+447700900123")
    message_preferences_set(patient=patient, changes=[(Switch("sms"), True)], source="desk")
    sms_opt_out(patient=patient, source="SMS STOP")
    email_unsubscribe(patient=patient, group="reminders")
    appt = book(clinic, local(clinic, 5, 10), Patient.objects.get(pk=patient.pk))

    for url in (
        reverse("patients:detail", kwargs={"pk": patient.pk}),
        reverse("scheduling:desk_appointment", kwargs={"pk": appt.pk}),
    ):
        page = " ".join(front_desk_client.get(url).content.decode().split())
        assert (
            "Appointment reminders by email:</strong> Opted out of appointment reminders by email on 11 Jan 2027 "
            "via the unsubscribe link." in page
        )
        assert (
            "Appointment reminders by SMS:</strong> No SMS: consent withdrawn on 11 Jan 2027 by an SMS STOP reply."
            in page
        )

    no_address = f.PatientFactory(email="", phone="")
    page = front_desk_client.get(reverse("patients:detail", kwargs={"pk": no_address.pk})).content.decode()
    assert "No email address." in page and "No SMS: no mobile number." in page
