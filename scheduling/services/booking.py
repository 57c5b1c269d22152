"""Booking: one appointment, first available, the patient's self-booking, a series.

Each path takes the locks in the same order (patient, practitioner), applies the per-patient rules
(`policy.patient_booking_check`) under the patient lock, re-checks the time under the practitioner
lock, inserts, and writes its audit event and outbox row in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from clinic.audit import audit
from clinic.models import Location, PractitionerProfile, Room, Service, User
from patients.models import Patient

from ..models import Appointment, NotificationKind
from ..queries import availability_inputs
from ..templatetags.local_time import format_local
from .errors import NotAllowed, SlotTaken, SlotUnavailable
from .locking import local_day, lock_practitioners, nearest_starts, secure_slot
from .notifications import notify_patient
from .policy import patient_booking_check


def audit_appointment(appt: Appointment, *, action: str, actor: User | None, detail: str = "") -> None:
    """The audit event of a booking change, written in the caller's transaction."""
    when = appt.start.astimezone(appt.location.tz)
    audit(
        request=None,
        action=action,
        obj=appt,
        patient_id=appt.patient_id,
        actor=actor,
        detail=f"{appt.service.name}, {when:%Y-%m-%d %H:%M %Z}{'; ' + detail if detail else ''}",
    )


@transaction.atomic
def appointment_book(
    *,
    patient: Patient,
    service: Service,
    practitioner: PractitionerProfile,
    location: Location,
    start: dt.datetime,
    room: Room | None = None,
    booked_by: User | None = None,
    front_desk_notes: str = "",
    override_notice: bool = False,
    online: bool = False,
    now: dt.datetime | None = None,
    notify: bool = True,
) -> Appointment:
    """Book one appointment, or raise SlotTaken/SlotUnavailable (with alternatives) or NotAllowed.

    `room=None` picks the first free room of the location. `override_notice` (front desk only)
    drops the minimum notice. `online=True` is the patient booking for themselves: the online
    rules apply too (bookable online, safety hold, new patients start with an initial
    consultation). Emails the patient after commit when `notify`.
    """
    now = now or timezone.now()
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    patient = patient_booking_check(patient=patient, service=service, online=online)
    lock_practitioners(practitioner.pk)
    appt = secure_slot(
        appointment=Appointment(patient=patient, booked_by=booked_by, front_desk_notes=front_desk_notes),
        service=service,
        location=location,
        practitioner=practitioner,
        start=start,
        room=room,
        now=now,
        override_notice=override_notice,
        online=online,
    )
    audit_appointment(appt, action="appointment.book", actor=booked_by)
    if notify:
        notify_patient(kind=NotificationKind.BOOKING_CONFIRMED, patient=patient, appointment=appt)
    return appt


@transaction.atomic
def appointment_book_first_available(
    *,
    patient: Patient,
    service: Service,
    location: Location,
    start: dt.datetime,
    practitioner_ids: Sequence[int] | None = None,
    booked_by: User | None = None,
    online: bool = False,
    now: dt.datetime | None = None,
    notify: bool = True,
) -> Appointment:
    """Book `start` with whichever practitioner (of `practitioner_ids`, or any) is free then.

    Each practitioner is tried under its own lock and re-check, so "any practitioner" can never
    double-book one of them. Raises SlotTaken with alternatives across all of them.
    """
    now = now or timezone.now()
    patient = patient_booking_check(patient=patient, service=service, online=online)
    day = local_day(start, location)
    inputs = availability_inputs(
        service=service,
        location=location,
        date_from=day,
        date_to=day,
        practitioner_ids=practitioner_ids,
        now=now,
    )
    free_now = [pid for pid, starts in inputs.starts().items() if start in set(starts)]
    by_pk = {p.pk: p for p in PractitionerProfile.objects.filter(pk__in=free_now)}
    for pid in free_now:
        try:
            return appointment_book(
                patient=patient,
                service=service,
                practitioner=by_pk[pid],
                location=location,
                start=start,
                booked_by=booked_by,
                online=online,
                now=now,
                notify=notify,
            )
        except SlotUnavailable:
            continue
    ids = practitioner_ids if practitioner_ids is not None else [p.id for p in inputs.practitioners]
    raise SlotTaken(
        alternatives=nearest_starts(service=service, location=location, start=start, practitioner_ids=ids, now=now),
        tz=location.timezone,
    )


def appointment_self_book(
    *,
    patient: Patient,
    service: Service,
    location: Location,
    start: dt.datetime,
    practitioner: PractitionerProfile | None = None,
    user: User | None = None,
    now: dt.datetime | None = None,
) -> Appointment:
    """What a patient's "Confirm" does: the booking with the online rules. practitioner=None is
    "first available"."""
    if practitioner is None:
        return appointment_book_first_available(
            patient=patient, service=service, location=location, start=start, booked_by=user, online=True, now=now
        )
    return appointment_book(
        patient=patient,
        service=service,
        practitioner=practitioner,
        location=location,
        start=start,
        booked_by=user,
        online=True,
        now=now,
    )


@transaction.atomic
def appointment_book_series(
    *,
    patient: Patient,
    service: Service,
    practitioner: PractitionerProfile,
    location: Location,
    starts: Sequence[dt.datetime],
    booked_by: User | None = None,
    override_notice: bool = False,
    online: bool = False,
    now: dt.datetime | None = None,
    notify: bool = True,
) -> list[Appointment]:
    """Book several sessions: every one is re-checked; all are booked or none.

    Sessions of the same series cannot overlap each other (each is checked against the ones
    already inserted in this transaction). On a conflict the SlotUnavailable message names the
    session. One email lists them all, with one .ics holding every session.
    """
    now = now or timezone.now()
    if not starts:
        raise NotAllowed("Choose at least one session.")
    patient = patient_booking_check(patient=patient, service=service, online=online, count=len(starts))
    lock_practitioners(practitioner.pk)
    booked: list[Appointment] = []
    for number, start in enumerate(sorted(starts), start=1):
        try:
            appt = secure_slot(
                appointment=Appointment(patient=patient, booked_by=booked_by),
                service=service,
                location=location,
                practitioner=practitioner,
                start=start,
                room=None,
                now=now,
                override_notice=override_notice,
                online=online,
            )
        except SlotUnavailable as exc:
            when = format_local(start, location.tz, "D d M H:i")
            exc.message = f"Session {number} ({when}): {exc.message} Nothing was booked."
            exc.args = (exc.message,)
            raise
        audit_appointment(appt, action="appointment.book", actor=booked_by, detail=f"session {number} of a series")
        booked.append(appt)
    if notify:
        notify_patient(
            kind=NotificationKind.BOOKING_SERIES,
            patient=patient,
            appointment=booked[0],
            payload={"appointment_ids": [a.pk for a in booked]},
        )
    return booked
