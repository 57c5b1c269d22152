"""Every write in scheduling: booking, rescheduling, cancelling, arrivals, the waitlist, emails.

Public API (all keyword-only; each raises a BookingError subclass with a user-facing `.message`):

    patient_may_self_book(patient, service) -> SelfBookDecision
    patient_self_book_decisions(patient, services) -> dict[service pk, SelfBookDecision]
    appointment_book(*, patient, service, practitioner, location, start, room=None, booked_by=None,
                     front_desk_notes="", override_notice=False, now=None, notify=True) -> Appointment
    appointment_book_first_available(*, patient, service, location, start, practitioner_ids=None,
                     booked_by=None, now=None, notify=True) -> Appointment
    appointment_self_book(*, patient, service, location, start, practitioner=None, user, now=None)
                     -> Appointment        # the patient-facing path: policy check + (first-available) booking
    appointment_book_series(*, patient, service, practitioner, location, starts, booked_by=None,
                     override_notice=False, now=None, notify=True) -> list[Appointment]
    appointment_reschedule(*, appointment, start, changed_by=None, room=None, practitioner=None,
                     reason="", override_notice=False, now=None, notify=True) -> Appointment
    appointment_cancel(*, appointment, cancelled_by=None, reason="", now=None, notify=True) -> Appointment
    appointment_check_in(*, appointment, by=None, now=None) -> Appointment
    appointment_mark_no_show(*, appointment, by=None, now=None) -> Appointment
    appointment_complete(*, appointment, by=None, now=None) -> Appointment
    appointment_update_notes(*, appointment, front_desk_notes) -> Appointment
    waitlist_join(*, patient, service, location, earliest, latest, practitioner=None, created_by=None,
                  note="") -> WaitlistEntry
    waitlist_withdraw(*, entry) -> WaitlistEntry
    waitlist_offer_freed_time(*, practitioner_id, location_id, start, end, now=None) -> list[WaitlistOffer]
    waitlist_claim(*, offer, user=None, now=None) -> Appointment
    practitioner_calendar_token_rotate(*, practitioner) -> str
    notification_send(*, notification_id) -> bool

How double booking is prevented: every write that takes time locks the practitioner row
(SELECT ... FOR UPDATE on PostgreSQL; on SQLite the IMMEDIATE transaction already holds the
single write lock), then re-computes availability for that practitioner and the location's rooms
inside the transaction, then inserts. On PostgreSQL the room exclusion constraint is the last
line: two different practitioners racing for the same room both pass the re-check, one insert
waits for the other and fails; we then try the next free room, and only when none is left raise
SlotTaken, which carries the nearest free times.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from clinic.models import ClinicPolicy, Location, PractitionerProfile, Room, Service, ServiceKind
from patients.models import Patient
from patients.queries import email_verification_hold, patient_treatment_booking_hold

from . import availability as av
from .models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentChange,
    AppointmentStatus,
    Notification,
    NotificationKind,
    NotificationStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistOfferStatus,
    WaitlistStatus,
)
from .queries import availability_inputs, nearest_free

log = logging.getLogger(__name__)


# --- domain errors -------------------------------------------------------------------------


class BookingError(Exception):
    """A booking rule said no. `message` is safe to show to the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(BookingError):
    """The action is not allowed at all (policy, state), whatever the time."""


class SlotUnavailable(BookingError):
    """This time cannot be booked. `alternatives`: nearest free starts (UTC), `tz`: for display."""

    def __init__(self, message: str, *, alternatives: Sequence[dt.datetime] = (), tz: str = "UTC"):
        super().__init__(message)
        self.alternatives = list(alternatives)
        self.tz = tz

    @property
    def local_alternatives(self) -> list[dt.datetime]:
        from zoneinfo import ZoneInfo

        return [a.astimezone(ZoneInfo(self.tz)) for a in self.alternatives]


class SlotTaken(SlotUnavailable):
    """Somebody else holds the time (practitioner at capacity or no room free)."""

    def __init__(self, message: str = "That time was just taken.", **kw):
        super().__init__(message, **kw)


_PROBLEM_MESSAGES = {
    av.Problem.TOO_SOON: "That time is too soon to book online; please choose a later time or call us.",
    av.Problem.TOO_FAR: "That time is too far ahead; bookings open {days} days in advance.",
    av.Problem.LICENCE: "This practitioner cannot be booked on that date.",
    av.Problem.OUTSIDE_HOURS: "The practitioner does not work at that time.",
    av.Problem.PRACTITIONER_BUSY: "That time was just taken.",
    av.Problem.NO_ROOM: "That time was just taken.",
}
_TAKEN = (av.Problem.PRACTITIONER_BUSY, av.Problem.NO_ROOM)


# --- self-booking policy -------------------------------------------------------------------


@dataclass(frozen=True)
class SelfBookDecision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def patient_is_new(patient: Patient) -> bool:
    """New until they have attended a visit (a completed or checked-in appointment)."""
    return not patient.appointments.filter(
        status__in=(AppointmentStatus.COMPLETED, AppointmentStatus.CHECKED_IN)
    ).exists()


def patient_self_book_decisions(patient: Patient, services: Sequence[Service]) -> dict[int, SelfBookDecision]:
    """`patient_may_self_book` for several services at once (service pk → decision).

    The patient-level facts (archived, intake hold, new or not, an initial consultation already
    booked) are read once, so the booking page costs the same whatever the number of services.
    """
    if patient.archived:
        closed = SelfBookDecision(False, "Your record is closed; please call the clinic.")
        return {s.pk: closed for s in services}
    hold = patient_treatment_booking_hold(patient) or email_verification_hold(patient)
    is_new = patient_is_new(patient)
    initial_booked = (
        is_new
        and patient.appointments.filter(service__kind=ServiceKind.INITIAL, status=AppointmentStatus.BOOKED).exists()
    )
    out: dict[int, SelfBookDecision] = {}
    for service in services:
        if not service.active or not service.bookable_online:
            out[service.pk] = SelfBookDecision(
                False, f"{service.name} cannot be booked online. Please call the clinic to book it."
            )
        elif hold:
            out[service.pk] = SelfBookDecision(False, hold)
        elif is_new and service.kind != ServiceKind.INITIAL:
            out[service.pk] = SelfBookDecision(
                False, "New patients start with an initial consultation. Please book that first."
            )
        elif initial_booked:
            out[service.pk] = SelfBookDecision(
                False,
                "You already have an initial consultation booked. "
                "You can move it from My appointments; further sessions are booked after it.",
            )
        else:
            out[service.pk] = SelfBookDecision(True)
    return out


def patient_may_self_book(patient: Patient, service: Service) -> SelfBookDecision:
    """May this patient book `service` online? The one place that decides it.

    - the service must be active and bookable online;
    - the intake's safety screening may put online booking on hold (patients.services);
    - a new patient (no visit attended yet) may only book an initial consultation, one at a time.
    """
    return patient_self_book_decisions(patient, [service])[service.pk]


# --- locking and re-checking ---------------------------------------------------------------


def _lock_practitioners(*ids: int) -> None:
    """Serialise every booking of these practitioners (id order, so two locks never deadlock)."""
    for pid in sorted(set(ids)):
        list(PractitionerProfile.objects.select_for_update(no_key=True).filter(pk=pid).values_list("pk", flat=True))


def _local_day(start: dt.datetime, location: Location) -> dt.date:
    return start.astimezone(location.tz).date()


def _alternatives(
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


def _unavailable(
    problem: str, *, policy: ClinicPolicy, service, location, start, practitioner_ids, now, override_notice, exclude
) -> SlotUnavailable:
    alts = _alternatives(
        service=service,
        location=location,
        start=start,
        practitioner_ids=practitioner_ids,
        now=now,
        override_notice=override_notice,
        exclude_appointment_id=exclude,
    )
    message = _PROBLEM_MESSAGES.get(problem, "That time cannot be booked.").format(days=policy.max_advance_days)
    cls = SlotTaken if problem in _TAKEN else SlotUnavailable
    return cls(message, alternatives=alts, tz=location.timezone)


def _secure_slot(
    *,
    appointment: Appointment,
    service: Service,
    location: Location,
    practitioner: PractitionerProfile,
    start: dt.datetime,
    room: Room | None,
    now: dt.datetime,
    override_notice: bool,
    prefer_room_id: int | None = None,
) -> Appointment:
    """Re-check `start` for `appointment` (new or moved) and save it into a free room.

    The caller holds the practitioner lock. Raises SlotUnavailable/SlotTaken.
    """
    exclude = appointment.pk
    day = _local_day(start, location)
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
    common = dict(
        policy=inputs.policy,
        service=service,
        location=location,
        start=start,
        practitioner_ids=[practitioner.pk],
        now=now,
        override_notice=override_notice,
        exclude=exclude,
    )
    if schedule is None:
        raise _unavailable(av.Problem.OUTSIDE_HOURS, **common)
    problem, free = av.check_start(schedule, rules=inputs.rules, rooms=inputs.rooms, start=start)
    if problem:
        raise _unavailable(problem, **common)
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
    raise _unavailable(av.Problem.NO_ROOM, **common)


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


# --- booking -------------------------------------------------------------------------------


def _refuse_archived(patient: Patient) -> None:
    # The desk's booking steps refuse an archived record, but a confirm page opened before the
    # record was archived (or reached with the back button) still posts here.
    if patient.archived:
        raise NotAllowed(f"{patient.full_name}'s record is archived. Restore it before booking.")


@transaction.atomic
def appointment_book(
    *,
    patient: Patient,
    service: Service,
    practitioner: PractitionerProfile,
    location: Location,
    start: dt.datetime,
    room: Room | None = None,
    booked_by=None,
    front_desk_notes: str = "",
    override_notice: bool = False,
    now: dt.datetime | None = None,
    notify: bool = True,
) -> Appointment:
    """Book one appointment, or raise SlotTaken/SlotUnavailable (with alternatives) or NotAllowed.

    `room=None` picks the first free room of the location. `override_notice` (front desk only)
    drops the minimum notice. Does NOT apply the self-booking policy; patient-facing code calls
    `appointment_self_book` instead. Emails the patient after commit when `notify`.
    """
    now = now or timezone.now()
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    _refuse_archived(patient)
    _lock_practitioners(practitioner.pk)
    appt = _secure_slot(
        appointment=Appointment(patient=patient, booked_by=booked_by, front_desk_notes=front_desk_notes),
        service=service,
        location=location,
        practitioner=practitioner,
        start=start,
        room=room,
        now=now,
        override_notice=override_notice,
    )
    if notify:
        _notify(kind=NotificationKind.BOOKING_CONFIRMED, patient=patient, appointment=appt)
    return appt


@transaction.atomic
def appointment_book_first_available(
    *,
    patient: Patient,
    service: Service,
    location: Location,
    start: dt.datetime,
    practitioner_ids: Sequence[int] | None = None,
    booked_by=None,
    now: dt.datetime | None = None,
    notify: bool = True,
) -> Appointment:
    """Book `start` with whichever practitioner (of `practitioner_ids`, or any) is free then.

    Each practitioner is tried under its own lock and re-check, so "any practitioner" can never
    double-book one of them. Raises SlotTaken with alternatives across all of them.
    """
    now = now or timezone.now()
    day = _local_day(start, location)
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
                now=now,
                notify=notify,
            )
        except SlotUnavailable:
            continue
    ids = practitioner_ids if practitioner_ids is not None else [p.id for p in inputs.practitioners]
    raise SlotTaken(
        alternatives=_alternatives(service=service, location=location, start=start, practitioner_ids=ids, now=now),
        tz=location.timezone,
    )


def appointment_self_book(
    *,
    patient: Patient,
    service: Service,
    location: Location,
    start: dt.datetime,
    practitioner: PractitionerProfile | None = None,
    user=None,
    now: dt.datetime | None = None,
) -> Appointment:
    """What a patient's "Confirm" does: the self-booking policy, then the booking.

    practitioner=None is "first available".
    """
    decision = patient_may_self_book(patient, service)
    if not decision:
        raise NotAllowed(decision.reason)
    if practitioner is None:
        return appointment_book_first_available(
            patient=patient, service=service, location=location, start=start, booked_by=user, now=now
        )
    return appointment_book(
        patient=patient,
        service=service,
        practitioner=practitioner,
        location=location,
        start=start,
        booked_by=user,
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
    booked_by=None,
    override_notice: bool = False,
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
    _refuse_archived(patient)
    _lock_practitioners(practitioner.pk)
    booked: list[Appointment] = []
    for number, start in enumerate(sorted(starts), start=1):
        try:
            appt = _secure_slot(
                appointment=Appointment(patient=patient, booked_by=booked_by),
                service=service,
                location=location,
                practitioner=practitioner,
                start=start,
                room=None,
                now=now,
                override_notice=override_notice,
            )
        except SlotUnavailable as exc:
            when = start.astimezone(location.tz)
            exc.message = f"Session {number} ({when:%a %d %b %H:%M}): {exc.message} Nothing was booked."
            exc.args = (exc.message,)
            raise
        booked.append(appt)
    if notify:
        _notify(
            kind=NotificationKind.BOOKING_SERIES,
            patient=patient,
            appointment=booked[0],
            payload={"appointment_ids": [a.pk for a in booked]},
        )
    return booked


# --- changes -------------------------------------------------------------------------------


def _locked(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("service", "location", "practitioner", "patient", "room")
        .get(pk=appointment.pk)
    )


@transaction.atomic
def appointment_reschedule(
    *,
    appointment: Appointment,
    start: dt.datetime,
    changed_by=None,
    room: Room | None = None,
    practitioner: PractitionerProfile | None = None,
    reason: str = "",
    override_notice: bool = False,
    now: dt.datetime | None = None,
    notify: bool = True,
) -> Appointment:
    """Move a booked appointment to `start` (optionally another room or practitioner).

    Atomic: the row is updated in place inside one transaction after the new time passed the
    re-check, so the old time is released only when the new one is secured; on any failure the
    appointment is untouched. Keeps the .ics UID, bumps SEQUENCE, writes AppointmentChange, emails
    the patient, and offers the freed time to the waitlist after commit.
    """
    now = now or timezone.now()
    new_practitioner = practitioner or appointment.practitioner
    _lock_practitioners(appointment.practitioner_id, new_practitioner.pk)
    appt = _locked(appointment)
    if appt.status != AppointmentStatus.BOOKED:
        raise NotAllowed(f"Only booked appointments can be moved; this one is {appt.get_status_display().lower()}.")
    if appt.start <= now and not override_notice:
        raise NotAllowed("This appointment has already started; it can no longer be moved.")
    if start == appt.start and new_practitioner.pk == appt.practitioner_id and room in (None, appt.room):
        # Nothing would change, yet the patient would be emailed "moved" and the history and
        # the .ics SEQUENCE would record a move that did not happen.
        raise NotAllowed("The appointment is already at that time. Choose a different time.")
    old = (appt.start, appt.end, appt.room_id, appt.practitioner_id, appt.location_id)
    appt.sequence += 1
    _secure_slot(
        appointment=appt,
        service=appt.service,
        location=appt.location,
        practitioner=new_practitioner,
        start=start,
        room=room,
        now=now,
        override_notice=override_notice,
        prefer_room_id=old[2],
    )
    AppointmentChange.objects.create(
        appointment=appt,
        changed_at=now,
        changed_by=changed_by,
        reason=reason[:255],
        old_start=old[0],
        old_end=old[1],
        old_room_id=old[2],
        old_practitioner_id=old[3],
        new_start=appt.start,
        new_end=appt.end,
        new_room_id=appt.room_id,
        new_practitioner_id=appt.practitioner_id,
    )
    if notify:
        _notify(
            kind=NotificationKind.BOOKING_RESCHEDULED,
            patient=appt.patient,
            appointment=appt,
            payload={"old_start": old[0].isoformat()},
        )
    _offer_freed_on_commit(practitioner_id=old[3], location_id=old[4], start=old[0], end=old[1])
    return appt


def cancellation_is_late(appointment: Appointment, *, now: dt.datetime | None = None) -> bool:
    """Would cancelling now be a late cancellation (inside the policy window)?"""
    now = now or timezone.now()
    window = dt.timedelta(hours=ClinicPolicy.get().cancellation_window_hours)
    return appointment.start - now < window


@transaction.atomic
def appointment_cancel(
    *,
    appointment: Appointment,
    cancelled_by=None,
    reason: str = "",
    now: dt.datetime | None = None,
    notify: bool = True,
) -> Appointment:
    """Cancel a booked appointment. Inside the policy window it is allowed but flagged late.

    The row is kept (nothing clinical is deleted); the time is freed at once and offered to the
    waitlist after commit. SEQUENCE goes up so calendars apply the METHOD:CANCEL.
    """
    now = now or timezone.now()
    appt = _locked(appointment)
    if appt.status != AppointmentStatus.BOOKED:
        raise NotAllowed(f"This appointment is {appt.get_status_display().lower()}; it cannot be cancelled.")
    if appt.start <= now:
        raise NotAllowed("This appointment has already started. The front desk can mark it as a no-show.")
    appt.late_cancel = cancellation_is_late(appt, now=now)
    appt.status = AppointmentStatus.CANCELLED
    appt.cancelled_at = now
    appt.cancelled_by = cancelled_by
    appt.cancellation_reason = reason[:255]
    appt.sequence += 1
    appt.full_clean(exclude=["practitioner", "patient", "service", "location", "room", "booked_by", "cancelled_by"])
    appt.save()
    if notify:
        _notify(kind=NotificationKind.BOOKING_CANCELLED, patient=appt.patient, appointment=appt)
    _offer_freed_on_commit(
        practitioner_id=appt.practitioner_id, location_id=appt.location_id, start=appt.start, end=appt.end
    )
    return appt


def _transition(appt: Appointment, *, allowed_from: tuple[str, ...], to: str, what: str) -> None:
    if appt.status not in allowed_from:
        raise NotAllowed(f"Cannot {what}: the appointment is {appt.get_status_display().lower()}.")
    appt.status = to


@transaction.atomic
def appointment_check_in(*, appointment: Appointment, by=None, now: dt.datetime | None = None) -> Appointment:
    """The patient has arrived. Allowed on the appointment's local day only."""
    now = now or timezone.now()
    appt = _locked(appointment)
    if now.astimezone(appt.location.tz).date() != appt.local_start.date():
        raise NotAllowed("Patients can only be checked in on the day of their appointment.")
    _transition(appt, allowed_from=(AppointmentStatus.BOOKED,), to=AppointmentStatus.CHECKED_IN, what="check in")
    appt.checked_in_at = now
    appt.checked_in_by = by
    appt.save(update_fields=["status", "checked_in_at", "checked_in_by", "updated_at"])
    return appt


@transaction.atomic
def appointment_mark_no_show(*, appointment: Appointment, by=None, now: dt.datetime | None = None) -> Appointment:
    """The patient did not come. Only once the start time has passed; frees the rest of the time."""
    now = now or timezone.now()
    appt = _locked(appointment)
    if now < appt.start:
        raise NotAllowed("A no-show can only be recorded after the appointment's start time.")
    _transition(appt, allowed_from=(AppointmentStatus.BOOKED,), to=AppointmentStatus.NO_SHOW, what="mark a no-show")
    # Kept apart from updated_at, which later note edits move: the desk chases no-shows by date.
    appt.no_show_at = now
    appt.no_show_by = by
    appt.save(update_fields=["status", "no_show_at", "no_show_by", "updated_at"])
    return appt


@transaction.atomic
def appointment_complete(*, appointment: Appointment, by=None, now: dt.datetime | None = None) -> Appointment:
    """The visit took place (the plans app calls this when the visit is recorded)."""
    appt = _locked(appointment)
    _transition(
        appt,
        allowed_from=(AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN),
        to=AppointmentStatus.COMPLETED,
        what="complete the visit",
    )
    appt.save(update_fields=["status", "updated_at"])
    return appt


@transaction.atomic
def appointment_update_notes(*, appointment: Appointment, front_desk_notes: str) -> Appointment:
    appt = _locked(appointment)
    appt.front_desk_notes = front_desk_notes
    appt.save(update_fields=["front_desk_notes", "updated_at"])
    return appt


# --- waitlist ------------------------------------------------------------------------------


@transaction.atomic
def waitlist_join(
    *,
    patient: Patient,
    service: Service,
    location: Location,
    earliest: dt.date,
    latest: dt.date,
    practitioner: PractitionerProfile | None = None,
    created_by=None,
    note: str = "",
) -> WaitlistEntry:
    if latest < earliest:
        raise NotAllowed("The last day must be on or after the first day.")
    entry = WaitlistEntry(
        patient=patient,
        service=service,
        location=location,
        practitioner=practitioner,
        earliest=earliest,
        latest=latest,
        created_by=created_by,
        note=note[:255],
    )
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def waitlist_withdraw(*, entry: WaitlistEntry) -> WaitlistEntry:
    entry.status = WaitlistStatus.WITHDRAWN
    entry.save(update_fields=["status"])
    return entry


def _offer_freed_on_commit(*, practitioner_id: int, location_id: int, start: dt.datetime, end: dt.datetime) -> None:
    from .tasks import offer_freed_time

    offer_freed_time.delay_on_commit(practitioner_id, location_id, start.isoformat(), end.isoformat())


MAX_OFFERS_PER_FREED_TIME = 5


@transaction.atomic
def waitlist_offer_freed_time(
    *, practitioner_id: int, location_id: int, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
) -> list[WaitlistOffer]:
    """A time was freed: offer it to the first few matching waitlisted patients.

    A patient matches when they wait for this practitioner (or any), at this location, with a
    date range holding the freed local date, for a service the practitioner offers. Each gets
    the first bookable start of *their* service inside the freed time (re-computed, so the offer
    is real right now); whoever books it first gets it, through the normal booking path.
    """
    now = now or timezone.now()
    location = Location.objects.get(pk=location_id)
    day = _local_day(start, location)
    entries = (
        WaitlistEntry.objects.filter(
            status=WaitlistStatus.WAITING,
            location_id=location_id,
            earliest__lte=day,
            latest__gte=day,
            service__practitioners__pk=practitioner_id,
        )
        .filter(Q(practitioner__isnull=True) | Q(practitioner_id=practitioner_id))
        .select_related("service", "patient")
        .order_by("created_at")
    )
    offers: list[WaitlistOffer] = []
    cache: dict[int, dt.datetime | None] = {}
    for entry in entries:
        if len(offers) >= MAX_OFFERS_PER_FREED_TIME:
            break
        if entry.service_id not in cache:
            inputs = availability_inputs(
                service=entry.service,
                location=location,
                date_from=day,
                date_to=day,
                practitioner_ids=[practitioner_id],
                now=now,
            )
            fits = [s for s in inputs.starts().get(practitioner_id, []) if start <= s < end]
            cache[entry.service_id] = fits[0] if fits else None
        offer_start = cache[entry.service_id]
        if offer_start is None:
            continue
        offer, created = WaitlistOffer.objects.get_or_create(
            entry=entry, practitioner_id=practitioner_id, start=offer_start, defaults={"offered_at": now}
        )
        if created:
            _notify(kind=NotificationKind.WAITLIST_OFFER, patient=entry.patient, waitlist_offer=offer)
            offers.append(offer)
    return offers


def waitlist_claim(*, offer: WaitlistOffer, user=None, now: dt.datetime | None = None) -> Appointment:
    """Book an offered time through appointment_book (lock + re-check): first come, first served.

    When someone else was first, the offer is marked taken (the entry stays on the waitlist)
    and SlotTaken is raised.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            offer = (
                WaitlistOffer.objects.select_for_update(of=("self",))
                .select_related("entry__service", "entry__location", "entry__patient", "practitioner")
                .get(pk=offer.pk)
            )
            entry = offer.entry
            if offer.status != WaitlistOfferStatus.OPEN or entry.status != WaitlistStatus.WAITING:
                raise NotAllowed("This offer has already been used.")
            # The safety screening may have put the patient on hold after they joined the list.
            hold = patient_treatment_booking_hold(entry.patient)
            if hold:
                raise NotAllowed(hold)
            appt = appointment_book(
                patient=entry.patient,
                service=entry.service,
                practitioner=offer.practitioner,
                location=entry.location,
                start=offer.start,
                booked_by=user,
                now=now,
            )
            offer.status = WaitlistOfferStatus.CLAIMED
            offer.appointment = appt
            offer.save(update_fields=["status", "appointment"])
            entry.status = WaitlistStatus.BOOKED
            entry.save(update_fields=["status"])
            return appt
    except SlotUnavailable as exc:
        WaitlistOffer.objects.filter(pk=offer.pk, status=WaitlistOfferStatus.OPEN).update(
            status=WaitlistOfferStatus.TAKEN
        )
        reason = (
            "Sorry, someone else booked this time first."
            if isinstance(exc, SlotTaken)
            else "Sorry, this time can no longer be booked online."
        )
        raise SlotTaken(f"{reason} You are still on the waitlist.", tz=offer.entry.location.timezone) from None


# --- calendar feed -------------------------------------------------------------------------


@transaction.atomic
def practitioner_calendar_token_rotate(*, practitioner: PractitionerProfile) -> str:
    """Replace the private feed token; the old feed URL stops working at once."""
    practitioner.calendar_token = secrets.token_urlsafe(24)
    practitioner.save(update_fields=["calendar_token"])
    return practitioner.calendar_token


# --- emails --------------------------------------------------------------------------------


def _notify(
    *,
    kind: str,
    patient: Patient,
    appointment: Appointment | None = None,
    waitlist_offer: WaitlistOffer | None = None,
    payload: dict | None = None,
) -> Notification | None:
    """Write the outbox row in the caller's transaction; queue the send for after commit.

    A patient without an email address, or who said no to email, gets none (the front desk
    phones them); the booking itself is unaffected.
    """
    if not patient.email or not patient.consent_email:
        return None
    n = Notification.objects.create(
        kind=kind,
        recipient=patient.email,
        patient=patient,
        appointment=appointment,
        waitlist_offer=waitlist_offer,
        payload=payload or {},
    )
    from .tasks import send_notification

    send_notification.delay_on_commit(n.pk)
    return n


class TransientSendError(Exception):
    """Sending failed in a way worth retrying (the task retries with backoff)."""


MAX_SEND_ATTEMPTS = 5


def notification_send(*, notification_id: int) -> bool:
    """Send one outbox email, exactly once. Returns True if this call sent it.

    The claim is a conditional UPDATE (pending → sending): a second delivery of the same task
    finds nothing to claim and does nothing.
    """
    from .emails import build_email

    claimed = Notification.objects.filter(pk=notification_id, status=NotificationStatus.PENDING).update(
        status=NotificationStatus.SENDING, attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    n = Notification.objects.select_related("appointment", "waitlist_offer").get(pk=notification_id)
    try:
        build_email(n).send(fail_silently=False)
    except Exception as exc:
        failed = n.attempts >= MAX_SEND_ATTEMPTS
        Notification.objects.filter(pk=n.pk).update(
            status=NotificationStatus.FAILED if failed else NotificationStatus.PENDING,
            last_error=f"{type(exc).__name__}: {exc}"[:500],
        )
        if failed:
            log.error("giving up on notification %s after %s attempts", n.pk, n.attempts)
            return False
        raise TransientSendError(str(exc)) from exc
    Notification.objects.filter(pk=n.pk).update(status=NotificationStatus.SENT, sent_at=timezone.now(), last_error="")
    return True


__all__ = [
    "ACTIVE_STATUSES",
    "BookingError",
    "NotAllowed",
    "SlotTaken",
    "SlotUnavailable",
    "SelfBookDecision",
    "patient_may_self_book",
    "patient_self_book_decisions",
    "patient_is_new",
    "appointment_book",
    "appointment_book_first_available",
    "appointment_self_book",
    "appointment_book_series",
    "appointment_reschedule",
    "appointment_cancel",
    "appointment_check_in",
    "appointment_mark_no_show",
    "appointment_complete",
    "appointment_update_notes",
    "cancellation_is_late",
    "waitlist_join",
    "waitlist_withdraw",
    "waitlist_offer_freed_time",
    "waitlist_claim",
    "practitioner_calendar_token_rotate",
    "notification_send",
]
