"""Booking emails: queued after commit, sent once, in the location's local time, with the .ics."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.core import mail
from django.db import transaction

from scheduling import dispatch, services, tasks
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
    assert Notification.objects.get(kind=NotificationKind.BOOKING_CONFIRMED).status == NotificationStatus.SENT


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
    assert tasks.dispatch_outbox.apply().get()["sent"] == 0  # redelivery: nothing left to claim
    assert len(mail.outbox) == 1


def test_a_failed_send_is_retried_with_backoff_then_recorded(clinic, patient, monkeypatch, frozen_clock):
    appt = book(clinic, local(clinic, 3, 10), patient, notify=False)
    n = services.outbox_enqueue(
        key="test:1", kind=NotificationKind.BOOKING_CONFIRMED, recipient=patient.email, patient=patient,
        appointment=appt,
    )  # fmt: skip

    def broken(self, fail_silently=False):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken)
    assert dispatch.outbox_dispatch().retried == 1
    n.refresh_from_db()
    assert n.status == NotificationStatus.PENDING and n.attempts == 1 and "smtp down" in n.last_error
    assert dispatch.outbox_dispatch().sent == 0  # not due again before its backoff
    monkeypatch.undo()
    frozen_clock.shift(dt.timedelta(minutes=1, seconds=1))
    assert dispatch.outbox_dispatch().sent == 1
    n.refresh_from_db()
    assert n.status == NotificationStatus.SENT and n.attempts == 2 and n.sent_at is not None
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


def test_no_email_for_a_patient_without_address(clinic, django_capture_on_commit_callbacks):
    no_email = f.PatientFactory(email="")
    with django_capture_on_commit_callbacks(execute=True):
        book(clinic, local(clinic, 3, 10), no_email)
    assert mail.outbox == []


def test_a_patient_who_declined_email_still_gets_the_essential_confirmation_only(
    clinic, django_capture_on_commit_callbacks
):
    declined = f.PatientFactory(consent_email=False)
    with django_capture_on_commit_callbacks(execute=True):
        appt = book(clinic, local(clinic, 3, 12), declined)
    (email,) = mail.outbox
    assert email.to == [declined.email] and email.subject.startswith("Booked:")
    assert not Notification.objects.filter(appointment=appt, kind=NotificationKind.REMINDER).exists()
