"""Every booking change writes its audit event in the same transaction as the change."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from clinic.models import AuditEvent
from scheduling import services
from scheduling.models import Appointment, WaitlistEntry
from tests.scheduling.helpers import book, local, returning


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


def test_booking_moving_and_cancelling_are_audited_with_who_and_which_patient(
    clinic, patient, front_desk_user, django_capture_on_commit_callbacks
):
    appt = book(clinic, local(clinic, 2, 10), patient=patient, booked_by=front_desk_user, notify=False)
    (booked,) = events("appointment.book")
    assert (booked.actor, booked.patient_id) == (front_desk_user, patient.pk)
    assert (booked.object_type, booked.object_id) == ("scheduling.appointment", str(appt.pk))
    assert "10:00" in booked.detail

    services.appointment_reschedule(
        appointment=appt, start=local(clinic, 3, 11), changed_by=front_desk_user, reason="work", notify=False
    )
    (moved,) = events("appointment.move")
    assert moved.actor == front_desk_user and "11:00" in moved.detail and "work" in moved.detail

    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=appt, cancelled_by=patient.user, reason="unwell", notify=False)
    (cancelled,) = events("appointment.cancel")
    assert (cancelled.actor, cancelled.patient_id, cancelled.object_id) == (patient.user, patient.pk, str(appt.pk))


def test_arrival_no_show_and_completion_are_audited(clinic, front_desk_user, practitioner):
    arrives = book(clinic, local(clinic, 0, 10), notify=False)
    missed = book(clinic, local(clinic, 0, 11), notify=False)
    with time_machine.travel(local(clinic, 0, 11, 30)):
        services.appointment_check_in(appointment=arrives, by=front_desk_user)
        services.appointment_mark_no_show(appointment=missed, by=front_desk_user)
        services.appointment_complete(appointment=arrives, by=practitioner.user)
    assert [(e.object_id, e.actor) for e in events("appointment.check_in")] == [(str(arrives.pk), front_desk_user)]
    assert [(e.object_id, e.actor) for e in events("appointment.no_show")] == [(str(missed.pk), front_desk_user)]
    assert [(e.object_id, e.actor) for e in events("appointment.complete")] == [(str(arrives.pk), practitioner.user)]


def test_a_refused_change_leaves_no_audit_event(clinic):
    appt = book(clinic, local(clinic, 2, 10), notify=False)
    with pytest.raises(services.NotAllowed):
        services.appointment_check_in(appointment=appt)  # not today
    with pytest.raises(services.SlotTaken):
        book(clinic, local(clinic, 2, 10), notify=False)
    assert len(events("appointment.book")) == 1 and not events("appointment.check_in")
    assert Appointment.objects.count() == 1


def test_joining_the_waitlist_and_claiming_an_offer_are_audited(clinic, patient, django_capture_on_commit_callbacks):
    returning(clinic, patient)
    day = local(clinic, 3, 0).date()
    entry = services.waitlist_join(
        patient=patient,
        service=clinic.service,
        location=clinic.location,
        earliest=day,
        latest=day,
        created_by=patient.user,
    )
    (joined,) = events("waitlist.join")
    assert (joined.actor, joined.patient_id, joined.object_id) == (patient.user, patient.pk, str(entry.pk))

    other = book(clinic, local(clinic, 3, 11), notify=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=other, notify=False)
    offer = WaitlistEntry.objects.get(pk=entry.pk).offers.get()
    appt = services.waitlist_claim(offer=offer, user=patient.user)
    (claimed,) = events("waitlist.claim")
    assert (claimed.actor, claimed.patient_id, claimed.object_id) == (patient.user, patient.pk, str(appt.pk))
    assert AuditEvent.objects.filter(action="appointment.book", object_id=str(appt.pk), actor=patient.user).exists()


def test_views_leave_the_audit_to_the_services(clinic, front_desk_client, front_desk_user):
    appt = book(clinic, local(clinic, 0, 10), notify=False)
    with time_machine.travel(local(clinic, 0, 9, 50)):
        front_desk_client.post(reverse("scheduling:desk_check_in", args=[appt.pk]))
    (checked_in,) = events("appointment.check_in")
    assert checked_in.actor == front_desk_user
    assert dt.timedelta(0) <= checked_in.at - local(clinic, 0, 9, 50) < dt.timedelta(minutes=1)
