"""iCalendar files: one appointment (download, email attachment), a series, a practitioner's feed.

- DTSTART/DTEND carry TZID = the location's IANA zone (with its VTIMEZONE), so calendars show the
  clinic's local time whatever the viewer's zone. A time in the second pass of a repeated hour
  (01:30 CST after 01:30 CDT) is written in UTC instead: RFC 5545 §3.3.5 reads a repeated local
  time with a TZID as its first occurrence.
- The VTIMEZONE is built here from zoneinfo (`vtimezone`), one observance per transition. Each
  DTSTART is the onset's wall-clock time read with the offset in force *before* it (TZOFFSETFROM,
  RFC 5545 §3.6.5): New York's spring change is 02:00 -0500, not 03:00. icalendar's own
  generator (`add_missing_timezones`) writes the after-change time there, an hour late.
- UID is the appointment's `ics_uid` (stable across reschedules); SEQUENCE its `sequence`.
- A cancelled appointment is METHOD:CANCEL with STATUS:CANCELLED.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone

from .availability import wall_instant
from .models import Appointment, AppointmentStatus

PRODID = "-//Acuclinic//Booking//EN"
UID_DOMAIN = "acuclinic"


def _organizer() -> icalendar.vCalAddress:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "noreply@localhost"
    org = icalendar.vCalAddress(f"mailto:{address}")
    org.params["CN"] = icalendar.vText(settings.CLINIC_NAME)
    return org


def _calendar(method: str) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    return cal


def _transitions(tz: ZoneInfo, start: int, end: int) -> list[int]:
    """Epoch seconds in [start, end) at which the zone's offset, abbreviation or DST flag changes."""

    def state(ts: int) -> tuple:
        local = dt.datetime.fromtimestamp(ts, tz)
        return local.utcoffset(), local.tzname(), local.dst()

    out: list[int] = []
    day = 86400  # zones change at most once in a day
    ts, current = start, state(start)
    while ts < end:
        nxt = min(ts + day, end)
        if state(nxt) != current:
            lo, hi = ts, nxt
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if state(mid) == current else (lo, mid)
            out.append(hi)
            current = state(hi)
            nxt = hi
        ts = nxt
    return out


def _offset(local: dt.datetime) -> dt.timedelta:
    return local.utcoffset() or dt.timedelta(0)


def _observance(local: dt.datetime, offset_from: dt.timedelta) -> icalendar.Component:
    sub = icalendar.TimezoneDaylight() if local.dst() else icalendar.TimezoneStandard()
    sub.add("dtstart", (local.astimezone(dt.UTC) + offset_from).replace(tzinfo=None))
    sub.add("tzoffsetfrom", offset_from)
    sub.add("tzoffsetto", _offset(local))
    sub.add("tzname", local.tzname())
    return sub


def vtimezone(tz: ZoneInfo, first: dt.date, last: dt.date) -> icalendar.Timezone:
    """A VTIMEZONE for `tz` covering the local days first..last: the observance in force at the
    start of `first`, then one per transition, each onset written as local time at the offset it
    changes from."""
    component = icalendar.Timezone()
    component.add("tzid", tz.key)
    start = wall_instant(first, dt.time(0), tz)
    end = wall_instant(last + dt.timedelta(days=1), dt.time(0), tz)
    opening = dt.datetime.fromtimestamp(start, tz)
    component.add_component(_observance(opening, _offset(opening)))
    for ts in _transitions(tz, start, end):
        before = _offset(dt.datetime.fromtimestamp(ts - 1, tz))
        component.add_component(_observance(dt.datetime.fromtimestamp(ts, tz), before))
    return component


def _ics_time(value: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    local = value.astimezone(tz)
    if local.fold and local.replace(fold=0).utcoffset() != local.utcoffset():
        return value.astimezone(dt.UTC)  # the second 01:30 of a repeated hour: see the module docstring
    return local


def _event(appt: Appointment, *, summary: str, stamp: dt.datetime, description: str = "") -> icalendar.Event:
    tz = appt.location.tz
    ev = icalendar.Event()
    ev.add("uid", f"{appt.ics_uid}@{UID_DOMAIN}")
    ev.add("sequence", appt.sequence)
    ev.add("dtstamp", stamp.astimezone(dt.UTC))
    ev.add("dtstart", _ics_time(appt.start, tz))
    ev.add("dtend", _ics_time(appt.end, tz))
    ev.add("summary", summary)
    ev.add("location", f"{appt.location.name}, {appt.location.address}".replace("\n", ", "))
    if description:
        ev.add("description", description)
    ev.add("organizer", _organizer())
    cancelled = appt.status == AppointmentStatus.CANCELLED
    ev.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    ev.add("transp", "OPAQUE")
    return ev


def _finish(cal: icalendar.Calendar, appts: list[Appointment]) -> bytes:
    # Each zone's block covers its events with a year either side, as calendar programs expect.
    spans: dict[str, tuple[ZoneInfo, dt.datetime, dt.datetime]] = {}
    for a in appts:
        tz = a.location.tz
        _, first, last = spans.get(tz.key, (tz, a.start, a.end))
        spans[tz.key] = (tz, min(first, a.start), max(last, a.end))
    margin = dt.timedelta(days=366)
    # Time zones first: some calendar programs read the file in one pass.
    cal.subcomponents[:0] = [
        vtimezone(tz, first.astimezone(tz).date() - margin, last.astimezone(tz).date() + margin)
        for tz, first, last in sorted(spans.values(), key=lambda s: s[0].key)
    ]
    return cal.to_ical()


def patient_summary(appt: Appointment) -> str:
    course = f" ({appt.session_label})" if appt.session_label else ""
    return f"{appt.service.name}{course} with {appt.practitioner.user.full_name} — {settings.CLINIC_NAME}"


def appointment_ics(appt: Appointment, *, now: dt.datetime | None = None) -> bytes:
    """The patient's .ics for one appointment (CANCEL when cancelled)."""
    cancelled = appt.status == AppointmentStatus.CANCELLED
    cal = _calendar("CANCEL" if cancelled else "PUBLISH")
    cal.add_component(
        _event(
            appt,
            summary=patient_summary(appt),
            stamp=now or timezone.now(),
            description=f"Phone {appt.location.phone}" if appt.location.phone else "",
        )
    )
    return _finish(cal, [appt])


def series_ics(appts: Iterable[Appointment], *, now: dt.datetime | None = None) -> bytes:
    appts = list(appts)
    cal = _calendar("PUBLISH")
    stamp = now or timezone.now()
    for a in appts:
        cal.add_component(_event(a, summary=patient_summary(a), stamp=stamp))
    return _finish(cal, appts)


def feed_summary(appt: Appointment) -> str:
    # Feeds end up in third-party calendar services: first name and initial only, no clinical detail.
    parts = appt.patient.full_name.split()
    who = f"{parts[0]} {parts[-1][0]}." if len(parts) > 1 else (parts[0] if parts else "Patient")
    return f"{appt.service.name} · {who} · {appt.room.name}"


def practitioner_feed_ics(appts: Iterable[Appointment], *, name: str, now: dt.datetime | None = None) -> bytes:
    """A subscribable feed: active and cancelled appointments (cancelled ones as STATUS:CANCELLED)."""
    appts = list(appts)
    cal = _calendar("PUBLISH")
    cal.add("x-wr-calname", f"{settings.CLINIC_NAME} — {name}")
    stamp = now or timezone.now()
    for a in appts:
        cal.add_component(_event(a, summary=feed_summary(a), stamp=stamp))
    return _finish(cal, appts)
