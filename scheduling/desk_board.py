"""The front-desk board: flags on each block, the time grid of a day with its empty cells, the
state token that keeps a stale page from undoing someone else's change, and today's arrivals.

The flags are columns of the appointments' own query (with_board_flags), whatever the number of
appointments; the grid is pure. Nothing clinical: a red flag shows only as the intake badge's "Needs review".
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from clinic.models import Location, User

from . import services
from .models import Appointment, AppointmentStatus, Notification, NotificationStatus
from .services.locking import locked_appointment

SLOT_MINUTES = 15
ACTIVE = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN, AppointmentStatus.COMPLETED)


# --- flags -----------------------------------------------------------------------------------


VISIT_STATUSES = ACTIVE + (AppointmentStatus.NO_SHOW,)  # what makes a later visit not the first


def with_board_flags(qs: QuerySet[Appointment]) -> QuerySet[Appointment]:
    """The board's flags as two EXISTS columns of the appointments' own query (no extra query):

    - `seen_before`: the patient had a visit (not cancelled) before this one, so it is not their
      first visit at the clinic (is_first_visit);
    - `reminder_failed`: an email or reminder of the appointment failed to go out. Any outbox row
      of the appointment in the FAILED state counts, so reminders written to the same outbox show
      up here without a change.

    Both are index lookups per row: (patient, start) and the notification's appointment key.
    """
    earlier = Appointment.objects.filter(
        patient=OuterRef("patient_id"), start__lt=OuterRef("start"), status__in=VISIT_STATUSES
    )
    failed = Notification.objects.filter(appointment=OuterRef("pk"), status=NotificationStatus.FAILED)
    return qs.annotate(seen_before=Exists(earlier), reminder_failed=Exists(failed))


def is_first_visit(status: str, seen_before: bool) -> bool:
    """The patient's first (not cancelled) visit at the clinic."""
    return status != AppointmentStatus.CANCELLED and not seen_before


def attach_flags(appointments: Iterable[Appointment]) -> None:
    """`.first_visit` and `.state` on appointments read through with_board_flags (no query)."""
    for a in appointments:  # display attributes for the templates (setattr: not model fields)
        setattr(a, "first_visit", is_first_visit(a.status, a.seen_before))  # type: ignore[attr-defined]  # noqa: B010
        setattr(a, "state", state_token(a))  # noqa: B010


# --- a stale page never undoes someone else's change ------------------------------------------


def state_token(appt: Appointment) -> str:
    """What the page saw of the appointment: status, time and practitioner (not the notes, whose
    edit does not make a check-in wrong)."""
    raw = f"{appt.pk}|{appt.status}|{appt.start.isoformat()}|{appt.practitioner_id}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _stale_message(appt: Appointment) -> str:
    return (
        "Someone else changed this appointment after your page was loaded: it is now "
        f"{appt.get_status_display().lower()} at {timezone.localtime(appt.start, appt.location.tz):%H:%M}. "
        "Nothing was changed; this is how it stands now."
    )


@transaction.atomic
def appointment_desk_action(
    *, appointment: Appointment, action: str, seen: str, by: User, reason: str = ""
) -> Appointment:
    """Check in, mark a no-show or cancel, only if the appointment is as the page showed it.

    The row is locked first, so of two desks acting at once the second sees the first's change
    and gets NotAllowed with the reason; the services then apply their own rules (scheduling.rules).
    """
    appt = locked_appointment(appointment)
    if seen and seen != state_token(appt):
        raise services.NotAllowed(_stale_message(appt))
    if action == "check-in":
        return services.appointment_check_in(appointment=appt, by=by)
    if action == "no-show":
        return services.appointment_mark_no_show(appointment=appt, by=by)
    if action == "cancel":
        return services.appointment_cancel(appointment=appt, cancelled_by=by, reason=reason)
    raise services.NotAllowed("Unknown action.")


# --- the day's time grid ---------------------------------------------------------------------


@dataclass
class Slot:
    """One row of a practitioner's day: a local wall-clock time, what starts then, and whether the
    cell is empty (inside working hours, no appointment or time off over it)."""

    start: dt.datetime
    appointments: list[Appointment] = field(default_factory=list)
    free: bool = False
    time: str = ""  # "09:15": the row's wall-clock time (formatted once, not by a filter per use)
    busy: bool = False
    url: str = ""  # an empty cell's link: book (or move) at this time
    move_query: str = ""  # ...and what dropping a dragged block here sends to its reschedule page


def day_slots(
    *,
    day: dt.date,
    tz,
    hours: list[tuple[dt.time, dt.time]],
    appointments: list[Appointment],
    off: list[tuple[dt.datetime, dt.datetime]] = (),  # type: ignore[assignment]
    step: int = SLOT_MINUTES,
) -> list[Slot]:
    """The rows of one lane on one local day, from its first working hour (or appointment) to its last.

    Times are wall-clock times in `tz` turned into instants one by one, so on a DST change day the
    rows stay 09:00, 09:15, ... and an appointment stored in UTC lands on its local row.
    """
    local_starts = [a.start.astimezone(tz) for a in appointments]
    lo = [h[0] for h in hours] + [s.time() for s in local_starts if s.date() == day]
    hi = [h[1] for h in hours] + [
        a.end.astimezone(tz).time() if a.end.astimezone(tz).date() == day else dt.time(23, 59) for a in appointments
    ]
    if not lo:
        return []
    first = min(lo).replace(minute=min(lo).minute - min(lo).minute % step, second=0, microsecond=0)
    last = max(hi)
    rows: list[Slot] = []
    minutes = first.hour * 60 + first.minute
    end_minutes = last.hour * 60 + last.minute
    active = [a for a in appointments if a.status != AppointmentStatus.CANCELLED]
    while minutes < end_minutes:
        wall = dt.time(minutes // 60, minutes % 60)
        start = dt.datetime.combine(day, wall, tzinfo=tz)
        start = start.astimezone(dt.UTC).astimezone(tz)  # a wall time that does not exist moves on
        slot_end = start + dt.timedelta(minutes=step)
        slot = Slot(start=start, time=f"{start:%H:%M}")
        slot.appointments = [
            a for a, s in zip(appointments, local_starts, strict=True) if s.date() == day and _row_of(s, step) == wall
        ]
        slot.busy = any(a.start < slot_end and a.end > start for a in active)
        in_hours = any(h0 <= wall and (minutes + step) <= h1.hour * 60 + h1.minute for h0, h1 in hours)
        off_now = any(o0 < slot_end and o1 > start for o0, o1 in off)
        slot.free = in_hours and not slot.busy and not off_now
        rows.append(slot)
        minutes += step
    return rows


def _row_of(local: dt.datetime, step: int) -> dt.time:
    return dt.time(local.hour, local.minute - local.minute % step)


# --- today's arrivals ------------------------------------------------------------------------


def arrivals(*, location: Location, now: dt.datetime | None = None) -> list[Appointment]:
    """Today's (local) visits at `location` that are not cancelled, in time order, with the
    patient, practitioner, service and room joined, the intake badge and the flags attached."""
    from .desk_queries import attach_intake_status, day_bounds, local_today, with_plan_progress

    today = local_today(location, now)
    start, end = day_bounds(location, today, today)
    appts = list(
        with_board_flags(
            with_plan_progress(
                Appointment.objects.filter(location=location, start__gte=start, start__lt=end)
                .exclude(status=AppointmentStatus.CANCELLED)
                .select_related("patient", "service", "room", "practitioner__user", "location")
                .order_by("start", "id")
            )
        )
    )
    attach_intake_status(appts)
    attach_flags(appts)
    return appts
