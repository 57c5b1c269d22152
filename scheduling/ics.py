"""iCalendar files: one appointment (download, email attachment), a series, a practitioner's feed.

- DTSTART/DTEND carry TZID = the location's IANA zone (with its VTIMEZONE), so calendars show the
  clinic's local time whatever the viewer's zone.
- UID is the appointment's `ics_uid` (stable across reschedules); SEQUENCE its `sequence`.
- A cancelled appointment is METHOD:CANCEL with STATUS:CANCELLED.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from email.utils import parseaddr

import icalendar
from django.conf import settings
from django.utils import timezone

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


def _event(appt: Appointment, *, summary: str, stamp: dt.datetime, description: str = "") -> icalendar.Event:
    tz = appt.location.tz
    ev = icalendar.Event()
    ev.add("uid", f"{appt.ics_uid}@{UID_DOMAIN}")
    ev.add("sequence", appt.sequence)
    ev.add("dtstamp", stamp.astimezone(dt.UTC))
    ev.add("dtstart", appt.start.astimezone(tz))
    ev.add("dtend", appt.end.astimezone(tz))
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
    if appts:
        first = min(a.start for a in appts)
        last = max(a.end for a in appts)
        cal.add_missing_timezones(
            first_date=first.date() - dt.timedelta(days=366), last_date=last.date() + dt.timedelta(days=366)
        )
    return cal.to_ical()


def patient_summary(appt: Appointment) -> str:
    # "Session 3 of 6" comes from the plans app's one-to-one (scheduling cannot import plans).
    session = getattr(appt, "plan_session", None)
    course = f" ({session.progress_label})" if session is not None else ""
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
