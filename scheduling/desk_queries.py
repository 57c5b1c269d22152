"""Reads for the front desk: the day/week schedule, what the desk may book and whether a chosen time
is still free (the time picker itself is scheduling.picker), one appointment.

Every list here loads in a fixed number of queries, whatever the number of appointments: the
appointments come with their patient, service, room and practitioner joined, the intake badges in
one batch (patients.queries.intake_statuses), working hours and time off in one query each.

Times are grouped and shown in the location's zone: a "day" is the location's local day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from clinic.models import Location, PractitionerProfile, Room, Service, TimeOff, WorkingHours
from patients.queries import intake_statuses

from . import availability as av
from . import queries, rules
from .desk_board import with_board_flags
from .models import Appointment, AppointmentStatus


def local_today(location: Location, now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(location.tz).date()


def day_bounds(location: Location, first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[local midnight of `first`, local midnight after `last`) as aware datetimes (DST-safe)."""
    tz = location.tz
    return (
        dt.datetime.combine(first, dt.time.min, tzinfo=tz),
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def week_start(day: dt.date) -> dt.date:
    """The Monday of `day`'s week."""
    return day - dt.timedelta(days=day.weekday())


def with_plan_progress(qs: QuerySet[Appointment]) -> QuerySet[Appointment]:
    """Join the plans app's session row when it exists, so "session 3 of 6" costs no query per row.

    scheduling must not import plans; the plans app adds a one-to-one `plan_session` on Appointment
    and the template partial scheduling/desk/_plan_progress.html shows it. Until then this is a no-op.
    """
    if any(f.name == "plan_session" for f in Appointment._meta.get_fields()):
        return qs.select_related("plan_session")
    return qs


def attach_intake_status(appointments: Iterable[Appointment]) -> None:
    """Put `.intake_status` on each appointment's patient in one batch, for the front-desk badge
    ({% intake_status_badge %} reads it instead of querying per row). No clinical content."""
    appointments = list(appointments)
    statuses = intake_statuses({a.patient_id for a in appointments})
    for a in appointments:
        a.patient.intake_status = statuses.get(a.patient_id)


_PK = 987654321  # a placeholder id: each URL is reversed once per call, then filled in per appointment


def _url_pattern(name: str, *args: str) -> tuple[str, str]:
    prefix, suffix = reverse(name, args=[_PK, *args]).split(str(_PK))
    return prefix, suffix


def annotate_actions(appointments: Iterable[Appointment], now: dt.datetime) -> None:
    """Which buttons each appointment gets: the rules the services enforce (scheduling.rules), and
    their URLs (`.urls`), reversed once for the whole board instead of ~5 {% url %} per block."""
    patterns = {
        "page": _url_pattern("scheduling:desk_appointment"),
        "move": _url_pattern("scheduling:desk_reschedule"),
        "check_in": _url_pattern("scheduling:desk_board_action", "check-in"),
        "no_show": _url_pattern("scheduling:desk_board_action", "no-show"),
        "cancel": _url_pattern("scheduling:desk_board_action", "cancel"),
    }
    for a in appointments:
        a.can_check_in = not rules.check_in_refusal(a, now)
        a.can_no_show = not rules.no_show_refusal(a, now)
        a.can_cancel = not rules.cancel_refusal(a, now)
        a.can_change = not rules.move_refusal(a, now) and a.can_cancel
        a.urls = {key: f"{prefix}{a.pk}{suffix}" for key, (prefix, suffix) in patterns.items()}


# --- the schedule ----------------------------------------------------------------------------


@dataclass
class Cell:
    """One practitioner (or room) on one local day: hours, time off and appointments."""

    hours: list[tuple[dt.time, dt.time]] = field(default_factory=list)
    off: list[str] = field(default_factory=list)
    off_spans: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)
    appointments: list = field(default_factory=list)  # Appointment, or desk_week.Block on the week view

    @property
    def hours_label(self) -> str:
        """ "09:00–13:00, 14:00–18:00" (wall-clock times at the location)."""
        return ", ".join(f"{s:%H:%M}–{e:%H:%M}" for s, e in self.hours)


@dataclass
class Lane:
    """A row of the week view or a card of the day view."""

    key: str
    title: str
    practitioner: PractitionerProfile | None = None
    room: Room | None = None
    cells: dict[dt.date, Cell] = field(default_factory=dict)

    def cell(self, day: dt.date) -> Cell:
        return self.cells.setdefault(day, Cell())

    row: list[tuple[dt.date, Cell]] = field(default_factory=list)

    @property
    def first_cell(self) -> Cell:
        """The day view's only cell."""
        return self.row[0][1]


def _off_label(start: dt.datetime, end: dt.datetime, day: dt.date, tz, reason: str) -> str:
    day_start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    day_end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    if start <= day_start and end >= day_end:
        label = "Off all day"
    else:
        a = max(start, day_start).astimezone(tz)
        b = min(end, day_end).astimezone(tz)
        label = f"Off {a:%H:%M}–{'24:00' if b >= day_end else f'{b:%H:%M}'}"
    return f"{label} ({reason})" if reason else label


def _merged(spans: list[tuple[dt.time, dt.time]]) -> list[tuple[dt.time, dt.time]]:
    out: list[tuple[dt.time, dt.time]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def schedule(
    *,
    location: Location,
    first: dt.date,
    last: dt.date,
    practitioner_id: int | None = None,
    by: str = "practitioner",
    include_cancelled: bool = False,
    compact_urls: str | None = None,
) -> dict:
    """The schedule of `location` from `first` to `last` (local dates, inclusive).

    Lanes are practitioners (who work here on any of the days, or have an appointment here) or,
    with by="room", the location's rooms. Queries: appointments with the board's flags (1), intake
    badges (1), hours (1), time off (1), rooms (1, by room only), practitioners who booked here
    without working hours here (1, only when there are any); independent of the number of
    appointments.

    With `compact_urls` (the appointment page's URL prefix), the appointments are the week view's
    formatted blocks (scheduling.desk_week), not model instances; by practitioner only.
    """
    tz = location.tz
    start, end = day_bounds(location, first, last)
    days = _days(first, last)
    weekdays = {d.weekday() for d in days}

    qs = queries.appointments_between(
        start=start,
        end=end,
        location=location,
        practitioner_id=practitioner_id,
        include_cancelled=include_cancelled,
    )
    appts: list[Any]  # Appointment, or desk_week.Block with compact_urls
    if compact_urls is not None:
        from .desk_week import week_blocks  # desk_week imports desk_board, which needs this module lazily

        if by == "room":
            raise ValueError("The compact blocks are laid out by practitioner.")
        appts = cast(list[Any], week_blocks(qs, tz=tz, url_prefix=compact_urls))
    else:
        appts = list(with_board_flags(with_plan_progress(qs)))
        attach_intake_status(appts)

    hours_qs = WorkingHours.objects.filter(location=location, practitioner__active=True, weekday__in=weekdays)
    if practitioner_id is not None:
        hours_qs = hours_qs.filter(practitioner_id=practitioner_id)
    hours = list(hours_qs.select_related("practitioner__user").order_by("start"))

    practitioners: dict[int, PractitionerProfile] = {}
    for h in hours:
        practitioners.setdefault(h.practitioner_id, h.practitioner)
    if compact_urls is None:
        for a in appts:
            practitioners.setdefault(a.practitioner_id, a.practitioner)
    elif missing := {a.practitioner_id for a in appts} - set(practitioners):
        practitioners.update(PractitionerProfile.objects.select_related("user").in_bulk(missing))

    lanes: dict[str, Lane] = {}
    if by == "room":
        rooms = {r.pk: r for r in Room.objects.filter(location=location, active=True).order_by("name")}
        rooms.update({a.room_id: a.room for a in appts if a.room_id not in rooms})
        for r in sorted(rooms.values(), key=lambda r: r.name):
            lanes[f"r{r.pk}"] = Lane(key=f"r{r.pk}", title=r.name, room=r)
        for a in appts:
            lanes[f"r{a.room_id}"].cell(a.start.astimezone(tz).date()).appointments.append(a)
        # A room can be booked while anyone works at the location: its empty cells span those hours.
        for d in days:
            open_hours = _merged([(h.start, h.end) for h in hours if h.weekday == d.weekday()])
            for lane in lanes.values():
                lane.cell(d).hours = list(open_hours)
    else:
        for p in sorted(practitioners.values(), key=lambda p: p.user.full_name):
            lanes[f"p{p.pk}"] = Lane(key=f"p{p.pk}", title=p.user.full_name, practitioner=p)
        for a in appts:
            lanes[f"p{a.practitioner_id}"].cell(a.start.astimezone(tz).date()).appointments.append(a)
        for h in hours:
            for d in days:
                if d.weekday() == h.weekday:
                    lanes[f"p{h.practitioner_id}"].cell(d).hours.append((h.start, h.end))
        if practitioners:
            for off in TimeOff.objects.filter(
                practitioner_id__in=list(practitioners), start__lt=end, end__gt=start
            ).order_by("start"):
                for d in days:
                    d0, d1 = day_bounds(location, d, d)
                    if off.start < d1 and off.end > d0:
                        cell = lanes[f"p{off.practitioner_id}"].cell(d)
                        cell.off.append(_off_label(off.start, off.end, d, tz, off.reason))
                        cell.off_spans.append((off.start, off.end))
    for lane in lanes.values():
        lane.row = [(d, lane.cell(d)) for d in days]
    return {
        "days": days,
        "lanes": list(lanes.values()),
        "appointments": appts,
        "count": sum(1 for a in appts if a.status != AppointmentStatus.CANCELLED),
    }


# --- booking for a caller --------------------------------------------------------------------


def desk_services() -> QuerySet[Service]:
    """Everything the desk may book, including services that are not bookable online."""
    return Service.objects.filter(active=True).order_by("kind", "name")


def slot_check(
    *,
    service: Service,
    location: Location,
    practitioner: PractitionerProfile,
    start: dt.datetime,
    override_notice: bool = False,
    exclude_appointment_id: int | None = None,
    now: dt.datetime | None = None,
) -> tuple[str | None, list[Room]]:
    """Is `start` still bookable with `practitioner`? (problem code or None, the rooms free then).

    For the confirm page: it shows the free rooms to choose from, or says at once that the time
    has gone. The booking service re-checks under the lock anyway.
    """
    now = now or timezone.now()
    day = start.astimezone(location.tz).date()
    inputs = queries.availability_inputs(
        service=service,
        location=location,
        date_from=day,
        date_to=day,
        practitioner_ids=[practitioner.pk],
        now=now,
        override_notice=override_notice,
        exclude_appointment_id=exclude_appointment_id,
    )
    schedule_ = inputs.by_id().get(practitioner.pk)
    if schedule_ is None:
        return av.Problem.OUTSIDE_HOURS, []
    problem, free = av.check_start(schedule_, rules=inputs.rules, rooms=inputs.rooms, start=start)
    rooms = {r.pk: r for r in Room.objects.filter(pk__in=free)} if free else {}
    return problem, [rooms[i] for i in free if i in rooms]


def free_practitioner_at(
    *,
    service: Service,
    location: Location,
    start: dt.datetime,
    room: Room,
    override_notice: bool = False,
    now: dt.datetime | None = None,
) -> PractitionerProfile | None:
    """Who can see the caller at `start` in `room` (booked from an empty cell of the rooms view):
    the first practitioner, by name, who offers `service` here and is free then with that room free."""
    now = now or timezone.now()
    day = start.astimezone(location.tz).date()
    inputs = queries.availability_inputs(
        service=service,
        location=location,
        date_from=day,
        date_to=day,
        practitioner_ids=None,
        now=now,
        override_notice=override_notice,
    )
    free = []
    for pid, schedule_ in inputs.by_id().items():
        problem, rooms = av.check_start(schedule_, rules=inputs.rules, rooms=inputs.rooms, start=start)
        if problem is None and room.pk in rooms:
            free.append(pid)
    if not free:
        return None
    return PractitionerProfile.objects.select_related("user").filter(pk__in=free).order_by("user__full_name").first()


# --- one appointment -------------------------------------------------------------------------


def desk_appointment(pk: int) -> Appointment:
    """An appointment with everything its desk page shows (raises Appointment.DoesNotExist)."""
    return (
        with_board_flags(with_plan_progress(Appointment.objects.all()))
        .select_related(
            "service",
            "location",
            "room",
            "practitioner__user",
            "patient",
            "booked_by",
            "cancelled_by",
            "checked_in_by",
            "no_show_by",
        )
        .prefetch_related("changes__changed_by", "changes__old_practitioner__user", "changes__new_practitioner__user")
        .get(pk=pk)
    )


def appointment_history(appt: Appointment) -> list[dict]:
    """What happened to the appointment, oldest first: booked, moved, checked in, cancelled, emails."""
    tz = appt.location.tz
    events: list[dict] = [
        {
            "at": appt.created_at,
            "what": "Booked",
            "by": appt.booked_by,
            "detail": "",
        }
    ]
    for c in appt.changes.all():
        detail = f"{c.old_start.astimezone(tz):%a %d %b %H:%M} → {c.new_start.astimezone(tz):%a %d %b %H:%M}"
        if c.old_practitioner_id != c.new_practitioner_id:
            detail += f", {c.old_practitioner.user.full_name} → {c.new_practitioner.user.full_name}"
        if c.reason:
            detail += f" ({c.reason})"
        events.append({"at": c.changed_at, "what": "Moved", "by": c.changed_by, "detail": detail})
    if appt.checked_in_at:
        events.append({"at": appt.checked_in_at, "what": "Checked in", "by": appt.checked_in_by, "detail": ""})
    if appt.no_show_at:
        events.append({"at": appt.no_show_at, "what": "Marked as no-show", "by": appt.no_show_by, "detail": ""})
    if appt.cancelled_at:
        detail = appt.cancellation_reason
        if appt.late_cancel:
            detail = f"late cancellation{'; ' + detail if detail else ''}"
        events.append({"at": appt.cancelled_at, "what": "Cancelled", "by": appt.cancelled_by, "detail": detail})
    for n in appt.notifications.all():
        state = n.get_status_display().lower()
        if n.last_error and n.status != "sent":
            state += f": {n.last_error}"
        events.append({"at": n.created_at, "what": f"Email: {n.get_kind_display()}", "by": None, "detail": state})
    for e in events:
        e["local"] = e["at"].astimezone(tz)
    return sorted(events, key=lambda e: e["at"])
