"""When reminders go out: pure functions of an appointment's start, the policy offsets and the
location's zone (no database), so the DST and quiet-hours rules are tested on their own.

Offsets (clinic.reminder_offsets: minutes before, and a channel) count real elapsed time before
the start (a 48-hour reminder is 48 hours before, also across a DST change, so its local clock
time may differ by an hour from the appointment's).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from clinic.reminder_offsets import DEFAULT_OFFSETS, EMAIL, SMS, Offset, offset_problem

__all__ = ["DEFAULT_OFFSETS", "EMAIL", "SMS", "Offset", "PlannedReminder", "offset_problem", "plan_reminders"]

QUIET_START = dt.time(21, 0)
QUIET_END = dt.time(8, 0)


@dataclass(frozen=True)
class PlannedReminder:
    offset: Offset  # as planned: its channel is the one actually used
    send_at: dt.datetime
    not_after: dt.datetime

    @property
    def channel(self) -> str:
        return self.offset.channel

    @property
    def key_part(self) -> str:
        return f"{self.offset.label}:{self.offset.channel}"


def send_window(offset: dt.timedelta) -> dt.timedelta:
    """How late a reminder may still go out: a quarter of its offset, between 10 minutes and 6 hours."""
    return max(dt.timedelta(minutes=10), min(offset / 4, dt.timedelta(hours=6)))


def in_quiet_hours(moment: dt.datetime, tz: ZoneInfo) -> bool:
    t = moment.astimezone(tz).time()
    return t >= QUIET_START or t < QUIET_END


def out_of_quiet_hours(moment: dt.datetime, tz: ZoneInfo, *, before: dt.datetime | None = None) -> dt.datetime:
    """Move an SMS sent between 21:00 and 08:00 local time to 08:00. When 08:00 would be too late
    (after `before`, e.g. the appointment itself), send it at 20:00 the evening before instead."""
    if not in_quiet_hours(moment, tz):
        return moment
    local = moment.astimezone(tz)
    day = local.date() if local.time() < QUIET_END else local.date() + dt.timedelta(days=1)
    # Built from the wall clock, so 08:00 is 08:00 also on a DST change day.
    morning = dt.datetime.combine(day, QUIET_END, tzinfo=tz).astimezone(dt.UTC)
    if before is None or morning < before:
        return morning
    evening = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(20, 0), tzinfo=tz).astimezone(dt.UTC)
    return evening


def plan_reminders(
    *,
    start: dt.datetime,
    tz: ZoneInfo,
    offsets: list[Offset],
    now: dt.datetime,
    sms_allowed: bool,
    email_allowed: bool,
) -> list[PlannedReminder]:
    """The reminders still worth sending for an appointment at `start`, booked or moved at `now`.

    Each offset goes on its own channel; a patient who cannot get that channel (no consent, no
    address) gets it on the other one if they can, and not at all otherwise. Two offsets that end
    up the same (same time, same channel) are sent once.

    A reminder whose moment has already passed is not planned at all: a booking
    made 10 hours ahead gets no 48-hour reminder (its confirmation covers it).
    """
    start = start.astimezone(dt.UTC)  # aware arithmetic in a local zone is wall-clock, not elapsed time
    allowed = {EMAIL: email_allowed, SMS: sms_allowed}
    usable = set()
    for o in offsets:
        if not allowed.get(o.channel):
            other = SMS if o.channel == EMAIL else EMAIL
            if not allowed[other]:
                continue
            o = Offset(o.minutes, other)
        usable.add(o)
    planned = []
    for o in sorted(usable, reverse=True):
        offset = dt.timedelta(minutes=o.minutes)
        send_at = start - offset
        if o.channel == SMS:
            send_at = out_of_quiet_hours(send_at, tz, before=start)
        if send_at <= now:
            continue
        planned.append(PlannedReminder(o, send_at, min(send_at + send_window(offset), start)))
    return planned
