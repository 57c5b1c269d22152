"""The desk's side of the outbox: the failed-messages list with resend, and each appointment's
messages with the moment they go out."""

from __future__ import annotations

from django.core import mail
from django.urls import reverse

from scheduling import dispatch
from scheduling.models import Notification, NotificationKind, NotificationStatus
from tests import factories as f
from tests.scheduling.helpers import book, local


def failed_message(clinic, patient, key="failed:1"):
    appt = book(clinic, local(clinic, 5, 10), patient, notify=False)
    return Notification.objects.create(
        key=key, kind=NotificationKind.REMINDER, recipient=patient.email, patient=patient, appointment=appt,
        status=NotificationStatus.FAILED, attempts=5, last_error="SMTPRecipientsRefused: mailbox full",
    )  # fmt: skip


def test_the_desk_sees_whom_to_call_and_resends(clinic, patient, front_desk_client):
    n = failed_message(clinic, patient)
    page = front_desk_client.get(reverse("scheduling:failed_messages")).content.decode()
    assert "Pat Owner" in page and "mailbox full" in page and "Appointment reminder" in page

    response = front_desk_client.post(reverse("scheduling:message_resend", kwargs={"pk": n.pk}), follow=True)
    assert "queued again" in response.content.decode()
    dispatch.outbox_dispatch()
    n.refresh_from_db()
    assert n.status == NotificationStatus.SENT and len(mail.outbox) == 1
    assert "Pat Owner" not in front_desk_client.get(reverse("scheduling:failed_messages")).content.decode()


def test_a_message_dealt_with_by_phone_leaves_the_list(clinic, patient, front_desk_client):
    n = failed_message(clinic, patient)
    front_desk_client.post(reverse("scheduling:message_handled", kwargs={"pk": n.pk}))
    n.refresh_from_db()
    assert n.handled_at is not None and n.status == NotificationStatus.FAILED
    assert 'data-testid="no-failed"' in front_desk_client.get(reverse("scheduling:failed_messages")).content.decode()


def test_the_list_costs_the_same_queries_for_many_rows(clinic, front_desk_client, django_assert_max_num_queries):
    for i in range(12):
        patient = f.PatientFactory()
        appt = book(clinic, local(clinic, 5 + i // 6, 9 + i % 6), patient, notify=False)
        Notification.objects.create(
            key=f"failed:{i}", kind=NotificationKind.REMINDER, recipient=patient.email, patient=patient,
            appointment=appt, status=NotificationStatus.FAILED,
        )  # fmt: skip
    with django_assert_max_num_queries(10):
        assert front_desk_client.get(reverse("scheduling:failed_messages")).status_code == 200


def test_the_appointment_page_previews_when_each_message_goes_out(clinic, patient, front_desk_client):
    appt = book(clinic, local(clinic, 5, 10), patient)
    dispatch.outbox_dispatch()  # the confirmation
    page = front_desk_client.get(reverse("scheduling:desk_appointment", kwargs={"pk": appt.pk})).content.decode()
    page = " ".join(page.split())
    assert "Booking confirmed</strong> by email · sent" in page
    # 48 h and 2 h before Saturday 16 January 10:00 GMT.
    assert "Appointment reminder</strong> by email · goes out Thu 14 Jan, 10:00 GMT" in page
    assert "goes out Sat 16 Jan, 08:00 GMT" in page


def test_the_desk_sees_why_a_patient_gets_no_messages(clinic, front_desk_client):
    patient = f.PatientFactory(consent_email=False, consent_sms=False)
    appt = book(clinic, local(clinic, 5, 10), patient)
    page = front_desk_client.get(reverse("scheduling:desk_appointment", kwargs={"pk": appt.pk})).content.decode()
    page = " ".join(page.split())
    assert "Booking confirmed</strong> by email" in page  # essential: sent whatever the preferences
    assert "Appointment reminders by email:</strong> No email: opted out of all non-essential email." in page
    assert "Appointment reminders by SMS:</strong> No SMS: no consent recorded." in page
