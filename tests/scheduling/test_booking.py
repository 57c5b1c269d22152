"""Booking through the services: the re-check, rooms, capacity, policy, series, first available."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from clinic.models import ServiceKind
from patients.queries import patient_treatment_booking_hold
from scheduling import services
from scheduling.models import Appointment, AppointmentStatus
from tests import factories as f
from tests.scheduling.helpers import book, local


def test_a_booking_holds_the_room_for_the_service_and_its_buffer(clinic, front_desk_user):
    appt = book(clinic, local(clinic, 2, 10), booked_by=front_desk_user, front_desk_notes="Prefers the quiet room")
    assert appt.status == AppointmentStatus.BOOKED
    assert appt.end - appt.start == dt.timedelta(minutes=45)
    assert appt.busy_until - appt.end == dt.timedelta(minutes=15)
    assert appt.room in clinic.rooms
    assert appt.booked_by == front_desk_user
    assert appt.sequence == 0


def test_the_same_time_twice_is_taken_with_the_nearest_free_times(clinic):
    book(clinic, local(clinic, 2, 10))
    with pytest.raises(services.SlotTaken) as caught:
        book(clinic, local(clinic, 2, 10))
    assert caught.value.message == "That time was just taken."
    # 10:00–10:45 + 15 min buffer holds the practitioner until 11:00; 09:00 ends exactly at 10:00.
    assert caught.value.alternatives == [local(clinic, 2, 9), local(clinic, 2, 11), local(clinic, 2, 11, 15)]
    assert Appointment.objects.count() == 1


def test_the_buffer_blocks_the_next_start(clinic):
    book(clinic, local(clinic, 2, 10))
    with pytest.raises(services.SlotTaken):
        book(clinic, local(clinic, 2, 10, 45))  # inside the cleaning buffer
    assert book(clinic, local(clinic, 2, 11)).start == local(clinic, 2, 11)
    assert Appointment.objects.count() == 2


def test_capacity_two_fills_both_rooms_then_is_full(db):
    f.policy(min_notice_hours=0)
    clinic = f.bookable_setup(rooms=2, capacity=2)
    start = local(clinic, 2, 10)
    a, b = book(clinic, start), book(clinic, start)
    assert {a.room, b.room} == set(clinic.rooms)
    with pytest.raises(services.SlotTaken):
        book(clinic, start)


def test_capacity_two_but_one_room_books_one(db):
    f.policy(min_notice_hours=0)
    clinic = f.bookable_setup(rooms=1, capacity=2)
    book(clinic, local(clinic, 2, 10))
    with pytest.raises(services.SlotTaken):
        book(clinic, local(clinic, 2, 10))


def test_another_practitioner_cannot_take_an_occupied_room(clinic):
    other = f.bookable_setup(location=clinic.location, service=clinic.service, rooms=0).practitioner
    first = book(clinic, local(clinic, 2, 10), room=clinic.rooms[0])
    with pytest.raises(services.SlotTaken) as caught:
        book(clinic, local(clinic, 2, 10, 30), practitioner=other, room=clinic.rooms[0])
    assert clinic.rooms[0].name in caught.value.message
    second = book(clinic, local(clinic, 2, 10, 30), practitioner=other)
    assert second.room != first.room


def test_the_database_refuses_an_overlapping_room_even_without_the_service(clinic):
    """The last line of defence (SQLite trigger here, exclusion constraint on PostgreSQL)."""
    from django.db import IntegrityError, transaction

    a = book(clinic, local(clinic, 2, 10))
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            practitioner=f.PractitionerFactory(),
            patient=f.PatientFactory(),
            service=clinic.service,
            location=clinic.location,
            room=a.room,
            start=a.start + dt.timedelta(minutes=50),  # inside the buffer
            end=a.start + dt.timedelta(minutes=95),
            busy_until=a.start + dt.timedelta(minutes=110),
        )


def test_minimum_notice_applies_to_patients_and_the_front_desk_may_override_it(clinic):
    f.policy(min_notice_hours=12)
    start = local(clinic, 1, 11)
    with time_machine.travel(start - dt.timedelta(hours=3), tick=False):
        with pytest.raises(services.SlotUnavailable) as caught:
            book(clinic, start)
        assert "minimum booking notice" in caught.value.message  # the desk is told it can override
        assert caught.value.alternatives and all(a >= start + dt.timedelta(hours=9) for a in caught.value.alternatives)
        assert book(clinic, start, override_notice=True).start == start


def test_maximum_advance_applies(clinic):
    f.policy(max_advance_days=10)
    with pytest.raises(services.SlotUnavailable) as caught:
        book(clinic, local(clinic, 12, 10))
    assert "10 days in advance" in caught.value.message


def test_outside_working_hours_is_refused(clinic):
    with pytest.raises(services.SlotUnavailable) as caught:
        book(clinic, local(clinic, 2, 16, 30))  # would end at 17:15
    assert caught.value.message == "The practitioner does not work at that time."
    assert not isinstance(caught.value, services.SlotTaken)


def test_time_off_is_refused(clinic):
    f.TimeOffFactory(practitioner=clinic.practitioner, start=local(clinic, 2, 8), end=local(clinic, 2, 13))
    with pytest.raises(services.SlotTaken):
        book(clinic, local(clinic, 2, 10))
    after = book(clinic, local(clinic, 2, 13))
    assert after.start == local(clinic, 2, 13) and after.status == AppointmentStatus.BOOKED


def test_no_booking_on_or_after_licence_expiry(clinic):
    expiry = local(clinic, 3, 0).date()
    clinic.practitioner.licence_expiry = expiry
    clinic.practitioner.save()
    before = book(clinic, local(clinic, 2, 10))
    assert before.start == local(clinic, 2, 10)
    with pytest.raises(services.SlotUnavailable) as caught:
        book(clinic, local(clinic, 3, 10))
    assert "cannot be booked on that date" in caught.value.message


def test_off_grid_times_are_allowed_for_the_front_desk(clinic):
    assert book(clinic, local(clinic, 2, 10, 10)).start == local(clinic, 2, 10, 10)


def test_first_available_books_whoever_is_free(clinic):
    other = f.bookable_setup(location=clinic.location, service=clinic.service, rooms=0).practitioner
    book(clinic, local(clinic, 2, 10))
    appt = services.appointment_book_first_available(
        patient=f.PatientFactory(), service=clinic.service, location=clinic.location, start=local(clinic, 2, 10)
    )
    assert appt.practitioner == other
    with pytest.raises(services.SlotTaken) as caught:
        services.appointment_book_first_available(
            patient=f.PatientFactory(), service=clinic.service, location=clinic.location, start=local(clinic, 2, 10)
        )
    assert caught.value.alternatives


def test_a_series_books_every_session_or_none(clinic):
    patient = f.PatientFactory()
    starts = [local(clinic, d, 10) for d in (2, 9, 16, 23)]
    book(clinic, starts[3])  # the fourth session's time is taken
    with pytest.raises(services.SlotTaken) as caught:
        services.appointment_book_series(
            patient=patient,
            service=clinic.service,
            practitioner=clinic.practitioner,
            location=clinic.location,
            starts=starts,
        )
    assert caught.value.message.startswith("Session 4 (")
    assert "Nothing was booked" in caught.value.message
    assert not Appointment.objects.filter(patient=patient).exists()

    booked = services.appointment_book_series(
        patient=patient,
        service=clinic.service,
        practitioner=clinic.practitioner,
        location=clinic.location,
        starts=starts[:3],
    )
    assert [a.start for a in booked] == starts[:3]


def test_an_archived_record_gets_no_series(clinic):
    patient = f.PatientFactory(archived=True)
    with pytest.raises(services.NotAllowed):
        services.appointment_book_series(
            patient=patient,
            service=clinic.service,
            practitioner=clinic.practitioner,
            location=clinic.location,
            starts=[local(clinic, 2, 10), local(clinic, 9, 10)],
            notify=False,
        )
    assert not Appointment.objects.exists()


def test_a_series_cannot_overlap_itself(clinic):
    with pytest.raises(services.SlotTaken):
        services.appointment_book_series(
            patient=f.PatientFactory(),
            service=clinic.service,
            practitioner=clinic.practitioner,
            location=clinic.location,
            starts=[local(clinic, 2, 10), local(clinic, 2, 10, 30)],
        )
    assert Appointment.objects.count() == 0


# --- who may book what online --------------------------------------------------------------


def test_a_new_patient_may_only_book_an_initial_consultation(clinic, initial_service, patient):
    refused = services.patient_may_self_book(patient, clinic.service)
    assert not refused and "initial consultation" in refused.reason
    assert services.patient_may_self_book(patient, initial_service)


def test_one_initial_consultation_at_a_time(clinic, initial_service, patient):
    book(clinic, local(clinic, 2, 10), patient=patient, service=initial_service)
    decision = services.patient_may_self_book(patient, initial_service)
    assert not decision and "already have an initial consultation" in decision.reason


def test_after_the_first_visit_follow_ups_are_allowed(clinic, initial_service, patient):
    f.AppointmentFactory(
        patient=patient,
        service=initial_service,
        practitioner=clinic.practitioner,
        location=clinic.location,
        room=clinic.rooms[0],
        start=timezone.now() - dt.timedelta(days=7),
        status=AppointmentStatus.COMPLETED,
    )
    assert services.patient_may_self_book(patient, clinic.service)


def test_services_not_bookable_online_are_refused(clinic, patient):
    phone_only = f.ServiceFactory(name="Home visit", kind=ServiceKind.INITIAL, bookable_online=False)
    decision = services.patient_may_self_book(patient, phone_only)
    assert not decision and "call the clinic" in decision.reason


def test_an_intake_hold_refuses_online_booking(clinic, initial_service, patient):
    f.SafetyFlagFactory(patient=patient)  # a red flag not yet reviewed
    decision = services.patient_may_self_book(patient, initial_service)
    assert not decision and decision.reason == patient_treatment_booking_hold(patient) != ""
    with pytest.raises(services.NotAllowed):
        services.appointment_self_book(
            patient=patient, service=initial_service, location=clinic.location, start=local(clinic, 2, 10)
        )
    assert not patient.appointments.exists()
    # the front desk can still book by phone
    by_phone = book(clinic, local(clinic, 2, 10), patient=patient, service=initial_service)
    assert by_phone.patient == patient and by_phone.service == initial_service
