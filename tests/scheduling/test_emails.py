"""Booking emails: queued after commit, sent once, in the location's local time, with the .ics."""

from __future__ import annotations

import icalendar
import pytest
from django.core import mail
from django.db import transaction

from scheduling import services, tasks
from scheduling.models import Notification, NotificationKind, NotificationStatus
from tests import factories as f
from tests.scheduling.helpers import book, local


def test_one_email_after_commit_with_local_time_and_ics(clinic, patient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        appt = book(clinic, local(clinic, 3, 10), patient)
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    (email,) = mail.outbox
    assert email.to == [patient.email]
    when = f"{appt.local_start:%A} {appt.local_start.day} {appt.local_start:%B %Y}, 10:00"
    assert email.subject.startswith("Booked:") and when in email.subject
    assert when in email.body
    name, content, mimetype = email.attachments[0]
    assert name == "appointment.ics" and mimetype.startswith("text/calendar")
    event = icalendar.Calendar.from_ical(content).events[0]
    assert event.start == appt.start
    assert Notification.objects.get().status == NotificationStatus.SENT


def test_no_email_when_the_transaction_rolls_back(clinic, patient, django_capture_on_commit_callbacks):
    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Boom), transaction.atomic():
        book(clinic, local(clinic, 3, 10), patient)
        raise Boom
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_a_task_delivered_twice_sends_once(clinic, patient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        book(clinic, local(clinic, 3, 10), patient)
    n = Notification.objects.get()
    assert tasks.send_notification.apply(args=[n.pk]).get() is False  # redelivery: nothing to claim
    assert len(mail.outbox) == 1


def test_a_failed_send_is_retried_and_recorded(clinic, patient, settings, monkeypatch):
    appt = book(clinic, local(clinic, 3, 10), patient, notify=False)
    n = Notification.objects.create(
        kind=NotificationKind.BOOKING_CONFIRMED, recipient=patient.email, patient=patient, appointment=appt
    )

    def broken(self, fail_silently=False):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken)
    with pytest.raises(services.TransientSendError):
        services.notification_send(notification_id=n.pk)
    n.refresh_from_db()
    assert n.status == NotificationStatus.PENDING and n.attempts == 1 and "smtp down" in n.last_error
    monkeypatch.undo()
    assert services.notification_send(notification_id=n.pk) is True
    n.refresh_from_db()
    assert n.status == NotificationStatus.SENT and n.attempts == 2
    assert len(mail.outbox) == 1


def test_reschedule_and_cancel_emails(clinic, patient, django_capture_on_commit_callbacks):
    appt = book(clinic, local(clinic, 3, 10), patient, notify=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_reschedule(appointment=appt, start=local(clinic, 4, 15))
    moved = mail.outbox[-1]
    assert moved.subject.startswith("Moved:") and ", 15:00" in moved.subject
    assert ", 10:00" in moved.body  # the old time is shown too
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=appt)
    cancelled = mail.outbox[-1]
    assert cancelled.subject.startswith("Cancelled:")
    name, content, mimetype = cancelled.attachments[0]
    assert "method=CANCEL" in mimetype
    cal = icalendar.Calendar.from_ical(content)
    assert cal["METHOD"] == "CANCEL" and cal.events[0]["STATUS"] == "CANCELLED"


def test_a_series_sends_one_email_with_every_session(clinic, patient, django_capture_on_commit_callbacks):
    starts = [local(clinic, d, 10) for d in (2, 9, 16)]
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_book_series(
            patient=patient,
            service=clinic.service,
            practitioner=clinic.practitioner,
            location=clinic.location,
            starts=starts,
        )
    (email,) = mail.outbox
    assert "3 sessions" in email.subject
    events = icalendar.Calendar.from_ical(email.attachments[0][1]).events
    assert [e.start for e in events] == starts


def test_no_email_for_a_patient_without_address_or_consent(clinic, django_capture_on_commit_callbacks):
    no_email = f.PatientFactory(email="")
    declined = f.PatientFactory(consent_email=False)
    with django_capture_on_commit_callbacks(execute=True):
        book(clinic, local(clinic, 3, 10), no_email)
        book(clinic, local(clinic, 3, 12), declined)
    assert mail.outbox == []
