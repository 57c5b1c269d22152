"""Changes to a booked appointment: move, cancel, arrival, no-show, completion, notes."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from clinic.models import ClinicPolicy, PractitionerProfile, Room

from ..models import (
    Appointment,
    AppointmentChange,
    AppointmentStatus,
    NotificationKind,
)
from .errors import NotAllowed
from .locking import _lock_practitioners, _locked, _secure_slot
from .notifications import _notify
from .waitlist import _offer_freed_on_commit


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
