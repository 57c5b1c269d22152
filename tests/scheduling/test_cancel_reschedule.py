"""Cancelling (in and out of the policy window) and rescheduling (atomic, with history)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from scheduling import queries, services
from scheduling.models import AppointmentChange, AppointmentStatus
from tests import factories as f
from tests.scheduling.helpers import local


@pytest.fixture
def appt(clinic, patient):
    return services.appointment_book(
        patient=patient,
        service=clinic.service,
        practitioner=clinic.practitioner,
        location=clinic.location,
        start=local(clinic, 3, 10),
        notify=False,
    )


def test_cancelling_outside_the_window_is_not_late(appt, patient):
    done = services.appointment_cancel(appointment=appt, cancelled_by=patient.user, reason="Feeling better")
    assert done.status == AppointmentStatus.CANCELLED
    assert done.late_cancel is False
    assert done.cancelled_by == patient.user
    assert done.cancellation_reason == "Feeling better"
    assert done.cancelled_at is not None
    assert done.sequence == 1


def test_cancelling_inside_the_window_is_allowed_and_flagged_late(appt, patient):
    with time_machine.travel(appt.start - dt.timedelta(hours=5), tick=False):
        assert queries.cancellation_is_late(appt)
        done = services.appointment_cancel(appointment=appt, cancelled_by=patient.user)
    assert done.status == AppointmentStatus.CANCELLED
    assert done.late_cancel is True


def test_the_window_edge_is_not_late(appt):
    with time_machine.travel(appt.start - dt.timedelta(hours=24), tick=False):
        assert not services.appointment_cancel(appointment=appt).late_cancel


def test_a_started_appointment_cannot_be_cancelled(appt):
    with time_machine.travel(appt.start + dt.timedelta(minutes=5), tick=False), pytest.raises(services.NotAllowed):
        services.appointment_cancel(appointment=appt)


def test_a_cancelled_time_can_be_booked_again(clinic, appt):
    services.appointment_cancel(appointment=appt)
    again = services.appointment_book(
        patient=f.PatientFactory(),
        service=clinic.service,
        practitioner=clinic.practitioner,
        location=clinic.location,
        start=appt.start,
        notify=False,
    )
    assert again.start == appt.start


def test_reschedule_moves_keeps_the_uid_bumps_the_sequence_and_keeps_history(clinic, appt, front_desk_user):
    new_start = local(clinic, 4, 14)
    moved = services.appointment_reschedule(
        appointment=appt, start=new_start, changed_by=front_desk_user, reason="Patient called"
    )
    assert moved.pk == appt.pk
    assert moved.start == new_start and moved.end == new_start + dt.timedelta(minutes=45)
    assert moved.ics_uid == appt.ics_uid
    assert moved.sequence == appt.sequence + 1
    (change,) = AppointmentChange.objects.filter(appointment=appt)
    assert (change.old_start, change.new_start) == (appt.start, new_start)
    assert change.changed_by == front_desk_user and change.reason == "Patient called"


def test_reschedule_by_a_quarter_hour_does_not_collide_with_itself(clinic, appt):
    moved = services.appointment_reschedule(appointment=appt, start=appt.start + dt.timedelta(minutes=15))
    assert moved.start == local(clinic, 3, 10, 15) and moved.room_id == appt.room_id


def test_reschedule_onto_a_taken_time_keeps_the_original(clinic, appt):
    taken = local(clinic, 4, 10)
    services.appointment_book(
        patient=f.PatientFactory(),
        service=clinic.service,
        practitioner=clinic.practitioner,
        location=clinic.location,
        start=taken,
        notify=False,
    )
    with pytest.raises(services.SlotTaken) as caught:
        services.appointment_reschedule(appointment=appt, start=taken)
    assert caught.value.message == "That time was just taken."
    assert caught.value.alternatives
    appt.refresh_from_db()
    assert appt.start == local(clinic, 3, 10)
    assert appt.status == AppointmentStatus.BOOKED
    assert appt.sequence == 0
    assert not AppointmentChange.objects.exists()


def test_moving_to_the_same_time_changes_nothing_and_sends_nothing(clinic, appt, mailoutbox):
    with pytest.raises(services.NotAllowed) as caught:
        services.appointment_reschedule(appointment=appt, start=appt.start)
    assert caught.value.message == "The appointment is already at that time. Choose a different time."
    appt.refresh_from_db()
    assert appt.sequence == 0
    assert not AppointmentChange.objects.exists()
    assert mailoutbox == []


def test_the_same_time_in_another_room_is_a_real_move(clinic, appt):
    other = next(r for r in clinic.rooms if r.pk != appt.room_id)
    moved = services.appointment_reschedule(appointment=appt, start=appt.start, room=other)
    assert moved.room == other and AppointmentChange.objects.count() == 1


def test_only_booked_appointments_move(appt, clinic):
    services.appointment_cancel(appointment=appt)
    with pytest.raises(services.NotAllowed):
        services.appointment_reschedule(appointment=appt, start=local(clinic, 5, 10))


def test_check_in_and_no_show(appt, front_desk_user):
    with time_machine.travel(appt.start - dt.timedelta(days=1), tick=False), pytest.raises(services.NotAllowed):
        services.appointment_check_in(appointment=appt, by=front_desk_user)
    with time_machine.travel(appt.start - dt.timedelta(minutes=10), tick=False):
        with pytest.raises(services.NotAllowed):
            services.appointment_mark_no_show(appointment=appt, by=front_desk_user)
        arrived = services.appointment_check_in(appointment=appt, by=front_desk_user)
    assert arrived.status == AppointmentStatus.CHECKED_IN and arrived.checked_in_at is not None
    with pytest.raises(services.NotAllowed):
        services.appointment_mark_no_show(appointment=appt, by=front_desk_user)


def test_a_no_show_frees_the_room(clinic, appt):
    with time_machine.travel(appt.start + dt.timedelta(minutes=10), tick=False):
        services.appointment_mark_no_show(appointment=appt)
        walk_in = services.appointment_book(
            patient=f.PatientFactory(),
            service=clinic.service,
            practitioner=clinic.practitioner,
            location=clinic.location,
            start=appt.start + dt.timedelta(minutes=15),
            room=appt.room,
            override_notice=True,
            notify=False,
        )
    assert walk_in.room == appt.room
