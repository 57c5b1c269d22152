"""Locking and re-checking: how a time is secured without double booking.

Every write that takes time locks the practitioner row (SELECT ... FOR UPDATE on PostgreSQL; on
SQLite the IMMEDIATE transaction already holds the single write lock), then re-computes
availability for that practitioner and the location's rooms inside the transaction, then inserts.
On PostgreSQL the room exclusion constraint is the last line: two different practitioners racing
for the same room both pass the re-check, one insert waits for the other and fails; we then try
the next free room, and only when none is left raise SlotTaken, which carries the nearest free
times.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Sequence

from django.db import IntegrityError, OperationalError, transaction

from clinic.models import ClinicPolicy, Location, PractitionerProfile, Room, Service
from patients.models import Patient

from .. import availability as av
from ..models import Appointment
from ..queries import availability_inputs, nearest_free
from .errors import TAKEN_PROBLEMS, NotAllowed, SlotTaken, SlotUnavailable, problem_message

log = logging.getLogger(__name__)

# Lock order, the same on every path so two bookings never deadlock: the patient, then the
# practitioners (by id), then the appointment row.


def lock_patient(patient: Patient) -> Patient:
    """Serialise every booking of this patient; returns the row as it is now, under the lock.

    The per-patient rules (one initial consultation at a time, archived records) are read after
    this, so four confirmations sent at once from four tabs are decided one after the other.
    """
    return Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)


def lock_practitioners(*ids: int) -> None:
    """Serialise every booking of these practitioners (id order, so two locks never deadlock)."""
    for pid in sorted(set(ids)):
        list(PractitionerProfile.objects.select_for_update(no_key=True).filter(pk=pid).values_list("pk", flat=True))


def local_day(start: dt.datetime, location: Location) -> dt.date:
    return start.astimezone(location.tz).date()


def nearest_starts(
    *,
    service: Service,
    location: Location,
    start: dt.datetime,
    practitioner_ids: Sequence[int] | None,
    now: dt.datetime,
    override_notice: bool = False,
    exclude_appointment_id: int | None = None,
    n: int = 3,
) -> list[dt.datetime]:
    """The n free starts nearest to `start`, looking from the day before to a week after."""
    pairs = nearest_free(
        service=service,
        location=location,
        start=start,
        practitioner_ids=practitioner_ids,
        now=now,
        override_notice=override_notice,
        exclude_appointment_id=exclude_appointment_id,
        n=n,
    )
    return [s for s, _ in pairs]


def unavailable(
    problem: str,
    *,
    policy: ClinicPolicy,
    service: Service,
    location: Location,
    start: dt.datetime,
    practitioner_ids: Sequence[int] | None,
    now: dt.datetime,
    override_notice: bool,
    exclude: int | None,
    online: bool,
) -> SlotUnavailable:
    alts = nearest_starts(
        service=service,
        location=location,
        start=start,
        practitioner_ids=practitioner_ids,
        now=now,
        override_notice=override_notice,
        exclude_appointment_id=exclude,
    )
    message = problem_message(problem, max_advance_days=policy.max_advance_days, desk=not online)
    cls = SlotTaken if problem in TAKEN_PROBLEMS else SlotUnavailable
    return cls(message, alternatives=alts, tz=location.timezone)


def secure_slot(
    *,
    appointment: Appointment,
    service: Service,
    location: Location,
    practitioner: PractitionerProfile,
    start: dt.datetime,
    room: Room | None,
    now: dt.datetime,
    override_notice: bool,
    online: bool = False,
    prefer_room_id: int | None = None,
) -> Appointment:
    """Re-check `start` for `appointment` (new or moved) and save it into a free room.

    The caller holds the practitioner lock. Raises SlotUnavailable/SlotTaken.
    """
    exclude = appointment.pk
    day = local_day(start, location)
    inputs = availability_inputs(
        service=service,
        location=location,
        date_from=day,
        date_to=day + dt.timedelta(days=1),
        practitioner_ids=[practitioner.pk],
        now=now,
        override_notice=override_notice,
        exclude_appointment_id=exclude,
    )
    schedule = inputs.by_id().get(practitioner.pk)
    fail = functools.partial(
        unavailable,
        policy=inputs.policy,
        service=service,
        location=location,
        start=start,
        practitioner_ids=[practitioner.pk],
        now=now,
        override_notice=override_notice,
        exclude=exclude,
        online=online,
    )
    if schedule is None:
        raise fail(av.Problem.OUTSIDE_HOURS)
    problem, free = av.check_start(schedule, rules=inputs.rules, rooms=inputs.rooms, start=start)
    if problem:
        raise fail(problem)
    if room is not None:
        if room.location_id != location.pk or not room.active:
            raise NotAllowed(f"{room.name} is not a room at {location.name}.")
        if room.pk not in free:
            raise SlotTaken(f"{room.name} is taken at that time.", alternatives=[], tz=location.timezone)
        candidates = [room.pk]
    else:
        candidates = sorted(free, key=lambda rid: rid != prefer_room_id)

    appointment.practitioner = practitioner
    appointment.service = service
    appointment.location = location
    appointment.start = start
    appointment.end = start + service.duration
    appointment.busy_until = appointment.end + service.buffer
    for rid in candidates:
        appointment.room_id = rid
        appointment.full_clean(exclude=["practitioner", "patient", "service", "location", "room", "booked_by"])
        if _save_into_room(appointment):
            return appointment
        log.info("room %s taken concurrently at %s; trying the next room", rid, start)
    raise fail(av.Problem.NO_ROOM)


def _is_deadlock(exc: OperationalError) -> bool:
    return getattr(exc.__cause__, "sqlstate", None) == "40P01"


def _save_into_room(appointment: Appointment, attempts: int = 3) -> bool:
    """Save inside a savepoint; False when the database says the room is taken.

    IntegrityError: the exclusion constraint (PostgreSQL) or trigger (SQLite) saw an overlapping
    appointment that another transaction committed a moment ago. Deadlock: two transactions
    inserted overlapping rows at the same instant and each waited for the other's exclusion
    check; PostgreSQL aborts one. The victim's savepoint is rolled back, which lets the other
    finish, and the retry then sees its row and gets the IntegrityError (or succeeds if the other
    rolled back). The savepoint keeps the outer transaction usable either way.
    """
    for _ in range(attempts):
        try:
            with transaction.atomic():
                appointment.save()
            return True
        except IntegrityError:
            return False
        except OperationalError as exc:
            if not _is_deadlock(exc):
                raise
            log.info("deadlock between overlapping inserts for room %s; retrying", appointment.room_id)
    return False


def locked_appointment(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("service", "location", "practitioner", "patient", "room")
        .get(pk=appointment.pk)
    )
