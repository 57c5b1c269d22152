"""The outbox and its dispatcher: one message per key, withdrawn or re-planned with the appointment,
never late, held 3 minutes after a change, retried, recovered after a crash."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from clinic.messaging import backends as sms
from scheduling import dispatch, services
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
    return Notification.objects.filter(appointment=appt, kind=REMINDER, **filters).order_by("scheduled_for")


def subjects():
    return [m.subject for m in mail.outbox]


def test_booking_plans_the_48_and_2_hour_reminders_at_the_right_moments(clinic, patient):
    appt = book(clinic, local(clinic, 5, 10), patient)
    planned = list(reminders(appt, status=NotificationStatus.PENDING))
    assert [n.scheduled_for for n in planned] == [
        appt.start - dt.timedelta(hours=48),
        appt.start - dt.timedelta(hours=2),
    ]
    assert {n.channel for n in planned} == {"email"}  # no SMS consent: both by email


def booked(clinic, start, patient):
    """Book, and send the confirmation, so only the reminders are left."""
    appt = book(clinic, start, patient)
    dispatch.outbox_dispatch()
    mail.outbox.clear()
    return appt


def test_dispatching_twice_sends_each_reminder_once(clinic, patient, frozen_clock):
    appt = booked(clinic, local(clinic, 5, 10), patient)
    frozen_clock.move_to(appt.start - dt.timedelta(hours=48) + dt.timedelta(seconds=30))
    assert dispatch.outbox_dispatch().sent == 1
    assert dispatch.outbox_dispatch().sent == 0
    (email,) = mail.outbox
    assert email.subject.startswith("Reminder:") and ", 10:00 GMT" in email.subject
    assert reminders(appt, status=NotificationStatus.SENT).count() == 1


def test_a_cancellation_withdraws_the_reminders_and_nothing_is_sent(clinic, patient, frozen_clock):
    appt = book(clinic, local(clinic, 5, 10), patient)
    services.appointment_cancel(appointment=appt)
    assert not reminders(appt, status=NotificationStatus.PENDING).exists()
    mail.outbox.clear()
    frozen_clock.move_to(appt.start - dt.timedelta(hours=1))
    dispatch.outbox_dispatch()
    assert mail.outbox == []
    assert reminders(appt).count() == 2 and not reminders(appt).exclude(status=NotificationStatus.CANCELLED).exists()


def test_a_reschedule_regenerates_reminders_and_nothing_goes_out_for_the_old_time(clinic, patient, frozen_clock):
    appt = book(clinic, local(clinic, 5, 10), patient)
    old_start = appt.start
    appt = services.appointment_reschedule(appointment=appt, start=local(clinic, 6, 15))
    pending = list(reminders(appt, status=NotificationStatus.PENDING))
    assert [n.scheduled_for for n in pending] == [
        appt.start - dt.timedelta(hours=48),
        appt.start - dt.timedelta(hours=2),
    ]
    mail.outbox.clear()
    frozen_clock.move_to(old_start - dt.timedelta(hours=2) + dt.timedelta(minutes=1))
    dispatch.outbox_dispatch()
    assert not any("Reminder" in s for s in subjects()[1:])
    for message in mail.outbox:
        if message.subject.startswith("Reminder"):
            assert ", 15:00" in message.subject  # the 48-hour one of the new time, never the old 10:00


def test_a_reminder_whose_appointment_moved_under_it_is_withdrawn_at_send_time(clinic, patient, frozen_clock):
    appt = booked(clinic, local(clinic, 5, 10), patient)
    # A change made without the services (e.g. an admin fix) still cannot send the old time.
    type(appt).objects.filter(pk=appt.pk).update(
        start=local(clinic, 5, 11), end=local(clinic, 5, 12), busy_until=local(clinic, 5, 12)
    )
    frozen_clock.move_to(appt.start - dt.timedelta(hours=48) + dt.timedelta(seconds=5))
    result = dispatch.outbox_dispatch()
    assert result.sent == 0 and result.withdrawn == 1


def test_a_booking_made_inside_the_window_gets_no_late_reminder(clinic, patient):
    appt = book(clinic, local(clinic, 0, 16), patient)  # 8 hours ahead (the clock is 08:00)
    planned = list(reminders(appt))
    assert [n.payload["offset"] for n in planned] == ["2h"]


def test_a_reminder_not_sent_within_its_window_is_missed_not_sent_late(clinic, patient, frozen_clock):
    appt = booked(clinic, local(clinic, 5, 10), patient)
    frozen_clock.move_to(appt.start - dt.timedelta(hours=41))  # the dispatcher was down 7 hours
    result = dispatch.outbox_dispatch()
    assert result.missed == 1 and result.sent == 0 and mail.outbox == []
    assert reminders(appt, status=NotificationStatus.MISSED).count() == 1


def test_quick_edits_within_the_hold_produce_one_message(clinic, patient, settings, frozen_clock):
    settings.OUTBOX_HOLD_SECONDS = 180
    appt = book(clinic, local(clinic, 5, 10), patient)
    services.appointment_reschedule(appointment=appt, start=local(clinic, 5, 14))
    assert dispatch.outbox_dispatch().sent == 0  # held
    frozen_clock.shift(dt.timedelta(minutes=3, seconds=1))
    dispatch.outbox_dispatch()
    (email,) = mail.outbox
    assert email.subject.startswith("Booked:") and ", 14:00" in email.subject


def test_booked_then_cancelled_within_the_hold_sends_nothing(clinic, patient, settings, frozen_clock):
    settings.OUTBOX_HOLD_SECONDS = 180
    appt = book(clinic, local(clinic, 5, 10), patient)
    services.appointment_cancel(appointment=appt)
    frozen_clock.shift(dt.timedelta(minutes=4))
    dispatch.outbox_dispatch()
    assert mail.outbox == []


def test_the_same_message_cannot_be_queued_twice(clinic, patient):
    appt = book(clinic, local(clinic, 5, 10), patient)
    before = set(Notification.objects.values_list("pk", "status"))
    services.appointment_reminders_plan(appointment=appt)  # planned again for the same time
    assert set(Notification.objects.values_list("pk", "status")) == before
    first = services.outbox_enqueue(key="k:1", kind=REMINDER, recipient="a@example.org")
    assert services.outbox_enqueue(key="k:1", kind=REMINDER, recipient="a@example.org") == first


def test_moving_away_and_back_plans_fresh_reminders(clinic, patient):
    appt = book(clinic, local(clinic, 5, 10), patient)
    services.appointment_reschedule(appointment=appt, start=local(clinic, 5, 14))
    services.appointment_reschedule(appointment=appt, start=local(clinic, 5, 10))
    assert reminders(appt, status=NotificationStatus.PENDING).count() == 2


def test_rows_left_sending_by_a_crash_are_recovered_and_sent_once(clinic, patient, settings, frozen_clock):
    appt = book(clinic, local(clinic, 5, 10), patient, notify=False)
    n = services.outbox_enqueue(
        key="crash:1", kind=NotificationKind.BOOKING_CONFIRMED, recipient=patient.email, patient=patient,
        appointment=appt,
    )  # fmt: skip
    Notification.objects.filter(pk=n.pk).update(status=NotificationStatus.SENDING, claimed_at=n.created_at)
    assert dispatch.outbox_dispatch().sent == 0  # another dispatcher may still be sending it
    frozen_clock.shift(dt.timedelta(seconds=settings.OUTBOX_STUCK_SECONDS + 1))
    result = dispatch.outbox_dispatch()
    assert result.recovered == 1 and result.sent == 1 and len(mail.outbox) == 1


def test_a_message_that_keeps_failing_ends_failed_for_the_desk(clinic, patient, monkeypatch, frozen_clock):
    appt = book(clinic, local(clinic, 5, 10), patient, notify=False)
    services.outbox_enqueue(
        key="fail:1", kind=NotificationKind.BOOKING_CONFIRMED, recipient=patient.email, patient=patient,
        appointment=appt,
    )  # fmt: skip

    def broken(self, fail_silently=False):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken)
    for _ in range(dispatch.MAX_ATTEMPTS):
        dispatch.outbox_dispatch()
        frozen_clock.shift(dt.timedelta(hours=1))
    n = Notification.objects.get(key="fail:1")
    assert n.status == NotificationStatus.FAILED and n.attempts == dispatch.MAX_ATTEMPTS
    monkeypatch.undo()
    services.notification_resend(notification=n)
    dispatch.outbox_dispatch()
    n.refresh_from_db()
    assert n.status == NotificationStatus.SENT and len(mail.outbox) == 1


def test_sms_reminders_go_to_patients_who_agreed_and_respect_a_withdrawn_consent(clinic, frozen_clock):
    patient = f.PatientFactory(consent_sms=True, phone="+447700900123")
    appt = book(clinic, local(clinic, 5, 14), patient)
    sms_row = reminders(appt).get(channel="sms")
    assert sms_row.scheduled_for == appt.start - dt.timedelta(hours=2) and sms_row.recipient == "+447700900123"
    frozen_clock.move_to(sms_row.scheduled_for + dt.timedelta(seconds=1))
    dispatch.outbox_dispatch()
    (text,) = sms.outbox
    assert "14:00 GMT" in text.body and text.to == "+447700900123" and text.key == sms_row.key

    later = book(clinic, local(clinic, 6, 14), patient)
    type(patient).objects.filter(pk=patient.pk).update(consent_sms=False)
    frozen_clock.move_to(later.start - dt.timedelta(hours=2) + dt.timedelta(seconds=1))
    dispatch.outbox_dispatch()
    assert len(sms.outbox) == 1
    assert reminders(later).get(channel="sms").status == NotificationStatus.CANCELLED


def test_account_emails_are_queued_in_the_transaction_that_causes_them(db, django_capture_on_commit_callbacks):
    from clinic.messaging import queue_email

    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Boom), transaction.atomic():
        queue_email(kind="staff_invite", to="a@example.org", subject="Hi", text="Hello")
        raise Boom
    assert not Notification.objects.exists() and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        queue_email(kind="staff_invite", to="a@example.org", subject="Hi", text="Hello", html="<p>Hello</p>")
    (email,) = mail.outbox
    assert email.subject == "Hi" and email.alternatives[0][0] == "<p>Hello</p>"
    assert Notification.objects.get().status == NotificationStatus.SENT


def test_queries_per_batch_do_not_grow_with_the_batch(clinic, frozen_clock):
    def queue(n: int, prefix: str, day: int) -> None:
        for i in range(n):
            patient = f.PatientFactory()
            appt = book(clinic, local(clinic, day + i // 6, 9 + i % 6), patient, notify=False)
            services.outbox_enqueue(
                key=f"{prefix}:{i}", kind=REMINDER, recipient=patient.email, patient=patient, appointment=appt
            )

    queue(3, "small", 5)
    with CaptureQueriesContext(connection) as small:
        assert dispatch.outbox_dispatch().sent == 3
    queue(20, "large", 10)
    with CaptureQueriesContext(connection) as large:
        assert dispatch.outbox_dispatch().sent == 20
    assert len(large) == len(small) <= 15, "\n".join(q["sql"][:150] for q in large.captured_queries)


def test_an_initial_consultation_brings_an_intake_reminder_three_days_before(clinic, initial_service, frozen_clock):
    patient = f.PatientFactory()
    appt = book(clinic, local(clinic, 5, 10), patient, service=initial_service)
    row = Notification.objects.get(appointment=appt, kind=NotificationKind.INTAKE_PENDING)
    assert row.scheduled_for == appt.start - dt.timedelta(hours=72)
    dispatch.outbox_dispatch()
    mail.outbox.clear()
    frozen_clock.move_to(row.scheduled_for + dt.timedelta(seconds=1))
    dispatch.outbox_dispatch()
    (email,) = mail.outbox
    assert "health questionnaire" in email.subject and "/me/intake" in email.body


def test_no_intake_reminder_when_booked_inside_three_days(clinic, initial_service):
    appt = book(clinic, local(clinic, 2, 10), f.PatientFactory(), service=initial_service)
    assert not Notification.objects.filter(appointment=appt, kind=NotificationKind.INTAKE_PENDING).exists()


def set_offsets(*, service=None, offsets):
    """The manager's rows: a service's own list, or (service None) the clinic's default."""
    from clinic.models import ClinicPolicy, ReminderOffset

    owner = {"service": service} if service else {"policy": ClinicPolicy.get()}
    ReminderOffset.objects.filter(**owner).delete()
    for minutes, channel in offsets:
        ReminderOffset.objects.create(minutes_before=minutes, channel=channel, **owner)


def test_a_service_with_its_own_offsets_uses_them_and_the_others_keep_the_default(clinic, frozen_clock):
    patient = f.PatientFactory(consent_sms=True, phone="+447700900123")
    quick = f.ServiceFactory(name="Quick check", duration_minutes=30)
    clinic.practitioner.services.add(quick)
    set_offsets(service=quick, offsets=[(24 * 60, "sms"), (30, "email")])
    own = book(clinic, local(clinic, 5, 14), patient, service=quick)
    default = book(clinic, local(clinic, 6, 14), patient)
    assert [(n.channel, own.start - n.scheduled_for) for n in reminders(own)] == [
        ("sms", dt.timedelta(hours=24)),
        ("email", dt.timedelta(minutes=30)),
    ]
    assert [(n.channel, default.start - n.scheduled_for) for n in reminders(default)] == [
        ("email", dt.timedelta(hours=48)),
        ("sms", dt.timedelta(hours=2)),
    ]


def test_changed_offsets_replan_booked_future_appointments_and_only_those(clinic, patient, frozen_clock):
    soon = booked(clinic, local(clinic, 5, 10), patient)
    later = booked(clinic, local(clinic, 9, 10), f.PatientFactory())
    cancelled = book(clinic, local(clinic, 7, 10), f.PatientFactory())
    services.appointment_cancel(appointment=cancelled)
    kept = reminders(later).get(scheduled_for=later.start - dt.timedelta(hours=48))
    frozen_clock.move_to(local(clinic, 2, 11))  # 72 hours before `soon` has passed, 48 hours not yet

    set_offsets(offsets=[(48 * 60, "email"), (72 * 60, "email"), (15, "email")])  # 2 h out, 72 h and 15 min in
    assert services.reminders_replan() == 2

    pending = {
        a: [a.start - n.scheduled_for for n in reminders(a, status=NotificationStatus.PENDING)] for a in (soon, later)
    }
    assert pending[later] == [dt.timedelta(hours=72), dt.timedelta(hours=48), dt.timedelta(minutes=15)]
    # `soon`: its 48-hour reminder stays pending as it was; 72 hours has passed, so it is not added.
    assert pending[soon] == [dt.timedelta(hours=48), dt.timedelta(minutes=15)]
    assert reminders(later).get(scheduled_for=later.start - dt.timedelta(hours=48)).pk == kept.pk
    assert (
        reminders(later, scheduled_for=later.start - dt.timedelta(hours=2)).get().status == NotificationStatus.CANCELLED
    )
    assert not reminders(cancelled, status=NotificationStatus.PENDING).exists()

    for before in (dt.timedelta(hours=72), dt.timedelta(hours=48), dt.timedelta(minutes=15)):
        frozen_clock.move_to(later.start - before + dt.timedelta(seconds=5))
        dispatch.outbox_dispatch()
    assert reminders(later, status=NotificationStatus.SENT).count() == 3  # 72 h, 48 h and 15 min, each once


def test_the_extra_demo_offset_still_adds_one_email_minutes_before(clinic, patient, settings, frozen_clock):
    settings.REMINDER_EXTRA_OFFSET_MINUTES = 5
    appt = booked(clinic, local(clinic, 0, 9), patient)  # booked at 08:00 for 09:00
    extra = reminders(appt).get(key__endswith=":5m:email")
    assert extra.scheduled_for == appt.start - dt.timedelta(minutes=5) and extra.not_after == appt.start
    frozen_clock.move_to(extra.scheduled_for - dt.timedelta(seconds=30))
    dispatch.outbox_dispatch()
    assert mail.outbox == []
    frozen_clock.move_to(extra.scheduled_for + dt.timedelta(seconds=30))
    dispatch.outbox_dispatch()
    dispatch.outbox_dispatch()
    (email,) = mail.outbox
    assert "09:00 GMT" in email.body


def test_an_offset_removed_and_added_back_is_pending_again_and_sent_once(clinic, patient, frozen_clock):
    appt = booked(clinic, local(clinic, 5, 10), patient)
    set_offsets(offsets=[(48 * 60, "email")])
    services.reminders_replan()
    assert reminders(appt, status=NotificationStatus.PENDING).count() == 1
    set_offsets(offsets=[(48 * 60, "email"), (120, "sms")])  # the SMS falls back to email: no SMS consent
    services.reminders_replan()
    assert [appt.start - n.scheduled_for for n in reminders(appt, status=NotificationStatus.PENDING)] == [
        dt.timedelta(hours=48),
        dt.timedelta(hours=2),
    ]
    frozen_clock.move_to(appt.start - dt.timedelta(hours=2) + dt.timedelta(seconds=5))
    dispatch.outbox_dispatch()
    dispatch.outbox_dispatch()
    assert len(mail.outbox) == 1 and reminders(appt, status=NotificationStatus.SENT).count() == 1
