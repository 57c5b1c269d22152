"""Changes to a booked appointment: move, cancel, arrival, no-show, completion, notes.

Whether an action is allowed is decided by scheduling.rules (the same functions hide the desk's
buttons), on the row locked inside the service's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from clinic.models import PractitionerProfile, Room, User

from ..models import Appointment, AppointmentChange, AppointmentStatus, NotificationKind
from ..queries import cancellation_is_late
from ..rules import cancel_refusal, check_in_refusal, complete_refusal, confirm_refusal, move_refusal, no_show_refusal
from .booking import audit_appointment
from .errors import NotAllowed
from .locking import lock_practitioners, locked_appointment, secure_slot
from .notifications import notify_patient
from .policy import patient_booking_check
from .waitlist import offer_freed_on_commit


@transaction.atomic
def appointment_reschedule(
    *,
    appointment: Appointment,
    start: dt.datetime,
    changed_by: User | None = None,
    room: Room | None = None,
    practitioner: PractitionerProfile | None = None,
    reason: str = "",
    override_notice: bool = False,
    online: bool = False,
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
    patient_booking_check(
        patient=appointment.patient,
        service=appointment.service,
        online=online,
        moving_appointment_id=appointment.pk,
    )
    lock_practitioners(appointment.practitioner_id, new_practitioner.pk)
    appt = locked_appointment(appointment)
    if refusal := move_refusal(appt, now, override_notice=override_notice):
        raise NotAllowed(refusal)
    if start == appt.start and new_practitioner.pk == appt.practitioner_id and room in (None, appt.room):
        # Nothing would change, yet the patient would be emailed "moved" and the history and
        # the .ics SEQUENCE would record a move that did not happen.
        raise NotAllowed("The appointment is already at that time. Choose a different time.")
    old = (appt.start, appt.end, appt.room_id, appt.practitioner_id, appt.location_id)
    appt.sequence += 1
    secure_slot(
        appointment=appt,
        service=appt.service,
        location=appt.location,
        practitioner=new_practitioner,
        start=start,
        room=room,
        now=now,
        override_notice=override_notice,
        online=online,
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
    old_local = old[0].astimezone(appt.location.tz)
    audit_appointment(
        appt, action="appointment.move", actor=changed_by, detail=f"from {old_local:%Y-%m-%d %H:%M}; {reason}"[:120]
    )
    if notify:
        notify_patient(
            kind=NotificationKind.BOOKING_RESCHEDULED,
            patient=appt.patient,
            appointment=appt,
            payload={"old_start": old[0].isoformat()},
        )
    offer_freed_on_commit(practitioner_id=old[3], location_id=old[4], start=old[0], end=old[1])
    return appt


@transaction.atomic
def appointment_cancel(
    *,
    appointment: Appointment,
    cancelled_by: User | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
    notify: bool = True,
) -> Appointment:
    """Cancel a booked appointment. Inside the policy window it is allowed but flagged late.

    The row is kept (nothing clinical is deleted); the time is freed at once and offered to the
    waitlist after commit. SEQUENCE goes up so calendars apply the METHOD:CANCEL.
    """
    now = now or timezone.now()
    appt = locked_appointment(appointment)
    if refusal := cancel_refusal(appt, now):
        raise NotAllowed(refusal)
    appt.late_cancel = cancellation_is_late(appt, now=now)
    appt.status = AppointmentStatus.CANCELLED
    appt.cancelled_at = now
    appt.cancelled_by = cancelled_by
    appt.cancellation_reason = reason[:255]
    appt.sequence += 1
    appt.full_clean(exclude=["practitioner", "patient", "service", "location", "room", "booked_by", "cancelled_by"])
    appt.save()
    audit_appointment(
        appt,
        action="appointment.cancel",
        actor=cancelled_by,
        detail=("late; " if appt.late_cancel else "") + appt.cancellation_reason,
    )
    if notify:
        notify_patient(kind=NotificationKind.BOOKING_CANCELLED, patient=appt.patient, appointment=appt)
    offer_freed_on_commit(
        practitioner_id=appt.practitioner_id, location_id=appt.location_id, start=appt.start, end=appt.end
    )
    return appt


@transaction.atomic
def appointment_check_in(
    *, appointment: Appointment, by: User | None = None, now: dt.datetime | None = None
) -> Appointment:
    """The patient has arrived. Allowed on the appointment's local day only."""
    now = now or timezone.now()
    appt = locked_appointment(appointment)
    if refusal := check_in_refusal(appt, now):
        raise NotAllowed(refusal)
    appt.status = AppointmentStatus.CHECKED_IN
    appt.checked_in_at = now
    appt.checked_in_by = by
    appt.save(update_fields=["status", "checked_in_at", "checked_in_by", "updated_at"])
    audit_appointment(appt, action="appointment.check_in", actor=by)
    _attended(appt)
    return appt


@transaction.atomic
def appointment_confirm_attendance(
    *, appointment: Appointment, via: str, by: User | None = None, now: dt.datetime | None = None
) -> Appointment:
    """The patient confirms they will come: the one home for the link, the SMS reply "C" and the desk.

    Confirming again is not an error (a patient may click twice); the first confirmation's time is kept.
    """
    now = now or timezone.now()
    appt = locked_appointment(appointment)
    if refusal := confirm_refusal(appt, now):
        raise NotAllowed(refusal)
    if appt.attendance_confirmed_at is None:
        appt.attendance_confirmed_at = now
        appt.attendance_confirmed_via = via
        appt.save(update_fields=["attendance_confirmed_at", "attendance_confirmed_via", "updated_at"])
        audit_appointment(appt, action="appointment.confirm_attendance", actor=by)
    return appt


@transaction.atomic
def appointment_mark_no_show(
    *, appointment: Appointment, by: User | None = None, now: dt.datetime | None = None
) -> Appointment:
    """The patient did not come. Only once the start time has passed; frees the rest of the time."""
    now = now or timezone.now()
    appt = locked_appointment(appointment)
    if refusal := no_show_refusal(appt, now):
        raise NotAllowed(refusal)
    appt.status = AppointmentStatus.NO_SHOW
    # Kept apart from updated_at, which later note edits move: the desk chases no-shows by date.
    appt.no_show_at = now
    appt.no_show_by = by
    appt.save(update_fields=["status", "no_show_at", "no_show_by", "updated_at"])
    audit_appointment(appt, action="appointment.no_show", actor=by)
    return appt


@transaction.atomic
def appointment_complete(*, appointment: Appointment, by: User | None = None) -> Appointment:
    """The visit took place (the plans app calls this when the visit is recorded)."""
    appt = locked_appointment(appointment)
    if refusal := complete_refusal(appt):
        raise NotAllowed(refusal)
    appt.status = AppointmentStatus.COMPLETED
    appt.save(update_fields=["status", "updated_at"])
    audit_appointment(appt, action="appointment.complete", actor=by)
    _attended(appt)
    return appt


# Called in the transaction of a check-in or completion with the appointment's id. The plans app registers its
# outcome summaries here (plans/apps.py: an attended plan session moves them); scheduling never imports plans.
ATTENDED_HOOKS: list[Callable[[int], None]] = []


def on_appointment_attended(hook: Callable[[int], None]) -> None:
    if hook not in ATTENDED_HOOKS:
        ATTENDED_HOOKS.append(hook)


def _attended(appt: Appointment) -> None:
    for hook in ATTENDED_HOOKS:
        hook(appt.pk)


@transaction.atomic
def appointment_update_notes(*, appointment: Appointment, front_desk_notes: str, by: User | None = None) -> Appointment:
    """The desk's notes on the appointment (staff only, never clinical)."""
    appt = locked_appointment(appointment)
    appt.front_desk_notes = front_desk_notes
    appt.full_clean(exclude=["practitioner", "patient", "service", "location", "room", "booked_by", "cancelled_by"])
    appt.save(update_fields=["front_desk_notes", "updated_at"])
    audit_appointment(appt, action="appointment.notes", actor=by)
    return appt
