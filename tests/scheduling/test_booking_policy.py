"""The per-patient rules are one function, applied on every path that books or moves, under a lock
on the patient row inside the booking transaction."""

from __future__ import annotations

import pytest

from scheduling import services
from scheduling.models import Appointment, AppointmentStatus, WaitlistOffer
from scheduling.services import policy
from tests import factories as f
from tests.scheduling.helpers import book, local


def initials_of(patient) -> list[Appointment]:
    return list(patient.appointments.filter(service__kind="initial", status=AppointmentStatus.BOOKED))


def test_the_rule_is_read_again_after_the_patient_lock(clinic, initial_service, patient, monkeypatch):
    """Another tab's initial consultation commits while this confirmation waits for the lock: the
    check made after the lock sees it (on SQLite the IMMEDIATE transaction is the lock)."""
    real_lock = policy.lock_patient

    def lock_after_the_other_tab_committed(p):
        f.AppointmentFactory(
            patient=p,
            service=initial_service,
            practitioner=clinic.practitioner,
            location=clinic.location,
            room=clinic.rooms[1],
            start=local(clinic, 5, 10),
        )
        return real_lock(p)

    monkeypatch.setattr(policy, "lock_patient", lock_after_the_other_tab_committed)
    assert services.patient_may_self_book(patient, initial_service)  # what the confirm page saw

    with pytest.raises(services.NotAllowed) as caught:
        services.appointment_self_book(
            patient=patient, service=initial_service, location=clinic.location, start=local(clinic, 2, 10)
        )
    assert "already have an initial consultation" in caught.value.message
    # (the simulated other tab wrote inside this transaction, so its row rolled back with it)
    assert not patient.appointments.filter(start=local(clinic, 2, 10)).exists()


def test_a_new_patient_claiming_a_waitlist_offer_does_not_get_a_second_initial_consultation(
    clinic, initial_service, patient, django_capture_on_commit_callbacks
):
    day = local(clinic, 3, 0).date()
    services.waitlist_join(patient=patient, service=initial_service, location=clinic.location, earliest=day, latest=day)
    # Meanwhile they book an initial consultation the normal way, on day 4.
    services.appointment_self_book(
        patient=patient, service=initial_service, location=clinic.location, start=local(clinic, 4, 10)
    )
    # Someone else's day-3 initial consultation is cancelled: the freed time is offered.
    other = book(clinic, local(clinic, 3, 11), service=initial_service, notify=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=other, notify=False)
    offer = WaitlistOffer.objects.get(entry__patient=patient)

    with pytest.raises(services.NotAllowed) as caught:
        services.waitlist_claim(offer=offer, user=patient.user)
    assert "already have an initial consultation" in caught.value.message
    assert [a.start for a in initials_of(patient)] == [local(clinic, 4, 10)]


def test_the_desk_cannot_book_a_second_initial_consultation_for_a_new_patient(clinic, initial_service, patient):
    first = book(clinic, local(clinic, 2, 10), patient=patient, service=initial_service)
    with pytest.raises(services.NotAllowed) as caught:
        book(clinic, local(clinic, 6, 10), patient=patient, service=initial_service)
    assert caught.value.message.startswith(f"{patient.full_name} already has an initial consultation booked")
    assert initials_of(patient) == [first]
    # but it can move the one they have, and book the follow-up sessions (the desk may book any service)
    moved = services.appointment_reschedule(appointment=first, start=local(clinic, 6, 10), notify=False)
    assert moved.start == local(clinic, 6, 10)
    follow_up = book(clinic, local(clinic, 9, 10), patient=patient)
    assert follow_up.service == clinic.service


def test_a_patient_may_move_their_initial_consultation_online(clinic, initial_service, patient):
    first = services.appointment_self_book(
        patient=patient, service=initial_service, location=clinic.location, start=local(clinic, 2, 10)
    )
    moved = services.appointment_reschedule(
        appointment=first, start=local(clinic, 3, 10), changed_by=patient.user, online=True, notify=False
    )
    assert moved.start == local(clinic, 3, 10) and initials_of(patient) == [moved]


def test_a_series_of_initial_consultations_for_a_new_patient_is_refused(clinic, initial_service, patient):
    with pytest.raises(services.NotAllowed) as caught:
        services.appointment_book_series(
            patient=patient,
            service=initial_service,
            practitioner=clinic.practitioner,
            location=clinic.location,
            starts=[local(clinic, 2, 10), local(clinic, 9, 10)],
        )
    assert "one initial consultation at a time" in caught.value.message
    assert not patient.appointments.exists()


def test_an_archived_record_is_refused_on_every_path(clinic, initial_service):
    archived = f.PatientFactory(archived=True)
    with pytest.raises(services.NotAllowed, match="archived"):
        book(clinic, local(clinic, 2, 10), patient=archived)
    with pytest.raises(services.NotAllowed, match="closed"):
        services.appointment_self_book(
            patient=archived, service=initial_service, location=clinic.location, start=local(clinic, 2, 10)
        )
    assert not Appointment.objects.exists()
