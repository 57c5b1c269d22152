"""The .ics files, parsed back with icalendar and checked field by field, and the private feed."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.urls import reverse

from scheduling import ics, services
from tests import factories as f
from tests.scheduling.helpers import local


def parse(raw: bytes) -> tuple[icalendar.Calendar, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(raw)
    return cal, cal.events[0]


def test_appointment_ics_field_by_field(db):
    f.policy(min_notice_hours=0)
    clinic = f.bookable_setup(tz="America/New_York")
    clinic.location.name = "Midtown"
    clinic.location.address = "10 W 45th St\nNew York"
    clinic.location.save()
    patient = f.PatientFactory()
    appt = services.appointment_book(
        patient=patient,
        service=clinic.service,
        practitioner=clinic.practitioner,
        location=clinic.location,
        start=local(clinic, 3, 9, 30),
        notify=False,
    )
    cal, ev = parse(ics.appointment_ics(appt))
    assert cal["VERSION"] == "2.0"
    assert cal["PRODID"] == ics.PRODID
    assert cal["METHOD"] == "PUBLISH"
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["America/New_York"]
    assert ev["UID"] == f"{appt.ics_uid}@acuclinic"
    assert ev["SEQUENCE"] == 0
    assert ev["DTSTART"].params["TZID"] == "America/New_York"
    assert ev.start.replace(tzinfo=None) == dt.datetime.combine(local(clinic, 3, 0).date(), dt.time(9, 30))
    assert ev.start == appt.start and ev.end == appt.end
    assert str(ev["SUMMARY"]) == f"{clinic.service.name} with {clinic.practitioner.user.full_name} — Acuclinic"
    assert str(ev["LOCATION"]) == "Midtown, 10 W 45th St, New York"
    assert ev["STATUS"] == "CONFIRMED"
    assert str(ev["ORGANIZER"]).startswith("mailto:")
    assert ev["DTSTAMP"].dt.tzinfo is not None

    moved = services.appointment_reschedule(appointment=appt, start=local(clinic, 4, 11), notify=False)
    _, ev2 = parse(ics.appointment_ics(moved))
    assert ev2["UID"] == ev["UID"]
    assert ev2["SEQUENCE"] == 1
    assert ev2.start == local(clinic, 4, 11)

    cancelled = services.appointment_cancel(appointment=moved, notify=False)
    cal3, ev3 = parse(ics.appointment_ics(cancelled))
    assert cal3["METHOD"] == "CANCEL"
    assert ev3["STATUS"] == "CANCELLED"
    assert ev3["UID"] == ev["UID"]
    assert ev3["SEQUENCE"] == 2


def test_download_is_a_calendar_attachment(clinic, patient, patient_client):
    appt = f.AppointmentFactory(
        patient=patient,
        practitioner=clinic.practitioner,
        service=clinic.service,
        location=clinic.location,
        room=clinic.rooms[0],
    )
    response = patient_client.get(reverse("scheduling:appointment_ics", args=[appt.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    assert parse(response.content)[1]["UID"] == f"{appt.ics_uid}@acuclinic"


def test_private_feed_shows_the_practitioners_appointments_and_rotating_revokes_it(clinic, practitioner_client):
    profile = clinic.practitioner
    patient = f.PatientFactory(full_name="Jane Q Public")
    appt = services.appointment_book(
        patient=patient,
        service=clinic.service,
        practitioner=profile,
        location=clinic.location,
        start=local(clinic, 3, 10),
        notify=False,
    )
    url = reverse("scheduling:practitioner_feed", args=[profile.calendar_token])
    response = practitioner_client.get(url)
    assert response.status_code == 200
    cal = icalendar.Calendar.from_ical(response.content)
    (ev,) = cal.events
    assert ev["UID"] == f"{appt.ics_uid}@acuclinic"
    assert "Jane P." in str(ev["SUMMARY"]) and "Public" not in str(ev["SUMMARY"])  # minimal patient detail

    old = profile.calendar_token
    new = services.practitioner_calendar_token_rotate(practitioner=profile)
    assert new != old
    assert practitioner_client.get(url).status_code == 404
    assert practitioner_client.get(reverse("scheduling:practitioner_feed", args=[new])).status_code == 200


def test_practitioner_page_rotates_the_link(practitioner, practitioner_client):
    old = practitioner.calendar_token
    page = practitioner_client.get(reverse("scheduling:practitioner_calendar")).content.decode()
    assert old in page
    response = practitioner_client.post(reverse("scheduling:practitioner_calendar_rotate"))
    assert response.status_code == 302
    practitioner.refresh_from_db()
    assert practitioner.calendar_token != old
    assert practitioner_client.get(reverse("scheduling:practitioner_feed", args=[old])).status_code == 404


# --- the VTIMEZONE -----------------------------------------------------------------------------

ZONES = [
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "America/Chicago",
    "Europe/Berlin",
    "Australia/Adelaide",
    "Pacific/Auckland",
    "America/Santiago",
    "Australia/Lord_Howe",  # a half-hour change
    "Asia/Kolkata",  # no change at all
]


def real_transitions(zone: ZoneInfo, start: dt.datetime, end: dt.datetime) -> list[tuple]:
    """(UTC instant, offset before, offset after) of each change in [start, end), walking the clock
    an hour at a time and then a minute at a time (every zone here changes on a whole minute)."""
    out = []
    u = start
    while u < end:
        nxt = u + dt.timedelta(hours=1)
        if nxt.astimezone(zone).utcoffset() != u.astimezone(zone).utcoffset():
            while (u + dt.timedelta(minutes=1)).astimezone(zone).utcoffset() == u.astimezone(zone).utcoffset():
                u += dt.timedelta(minutes=1)
            at = u + dt.timedelta(minutes=1)
            out.append((at, u.astimezone(zone).utcoffset(), at.astimezone(zone).utcoffset()))
        u = nxt
    return out


def onsets(raw: bytes, tzid: str) -> list[tuple]:
    """Each onset (DTSTART or RDATE) of the file's VTIMEZONE as (UTC instant, TZOFFSETFROM,
    TZOFFSETTO, TZNAME, kind): an onset is local time read with TZOFFSETFROM (RFC 5545 section 3.6.5)."""
    (vtz,) = [c for c in icalendar.Calendar.from_ical(raw).walk("VTIMEZONE") if c["TZID"] == tzid]
    out = []
    for sub in vtz.subcomponents:
        rdates = sub.get("RDATE", [])
        starts = [sub["DTSTART"].dt] + [d.dt for r in (rdates if isinstance(rdates, list) else [rdates]) for d in r.dts]
        offset_from, offset_to = sub["TZOFFSETFROM"].td, sub["TZOFFSETTO"].td
        for start in starts:
            assert start.tzinfo is None  # a local time, never UTC or with a TZID
            at = (start - offset_from).replace(tzinfo=dt.UTC)
            out.append((at, offset_from, offset_to, str(sub["TZNAME"]), sub.name))
    return sorted(out)


@pytest.mark.parametrize("tz", ZONES)
def test_the_vtimezone_changes_at_zoneinfos_instants(db, tz):
    zone = ZoneInfo(tz)
    start = dt.datetime(2026, 6, 15, 10, tzinfo=zone)
    appt = f.AppointmentFactory(location=f.LocationFactory(timezone=tz), start=start)
    (opening, *changes) = onsets(ics.appointment_ics(appt), tz)

    # The file covers a year either side of the appointment, opening with the observance then in force.
    at, offset_from, offset_to, name, _kind = opening
    assert at <= start - dt.timedelta(days=365)
    assert offset_from == offset_to == at.astimezone(zone).utcoffset() and name == at.astimezone(zone).tzname()
    # Every real change in that year either side is in the file, at the right instant...
    real = real_transitions(zone, at, start + dt.timedelta(days=365))
    assert real == [(i, b, a) for i, b, a, _, _ in changes[: len(real)]]
    # ...and every onset in the file is a real change, named and classed as zoneinfo has it.
    for at, offset_from, offset_to, name, kind in changes:
        assert (at - dt.timedelta(seconds=1)).astimezone(zone).utcoffset() == offset_from
        after = at.astimezone(zone)
        assert after.utcoffset() == offset_to and after.tzname() == name
        assert kind == ("DAYLIGHT" if after.dst() else "STANDARD")
    if tz == "Asia/Kolkata":
        assert changes == []
    else:
        assert len(changes) >= 4


def test_new_yorks_spring_change_is_written_at_two_oclock_before_the_change(db):
    """RFC 5545's own example: DTSTART 02:00 with TZOFFSETFROM -0500, i.e. 07:00 UTC (the bug: 03:00)."""
    appt = f.AppointmentFactory(
        location=f.LocationFactory(timezone="America/New_York"),
        start=dt.datetime(2026, 3, 10, 10, tzinfo=ZoneInfo("America/New_York")),
    )
    raw = ics.appointment_ics(appt)
    spring = (dt.datetime(2026, 3, 8, 7, tzinfo=dt.UTC), dt.timedelta(hours=-5), dt.timedelta(hours=-4), "EDT")
    assert (*spring, "DAYLIGHT") in onsets(raw, "America/New_York")
    assert b"DTSTART:20260308T020000" in raw


def test_a_time_in_the_second_pass_of_the_repeated_hour_is_written_in_utc(db):
    """With a TZID, a repeated local time means its first occurrence (RFC 5545 section 3.3.5), so
    01:30 CST on the day the clocks go back is written as 07:30Z; 01:30 CDT keeps the TZID."""
    zone = ZoneInfo("America/Chicago")
    location = f.LocationFactory(timezone="America/Chicago")
    first = dt.datetime(2026, 11, 1, 1, 30, tzinfo=zone).astimezone(dt.UTC)
    second = first + dt.timedelta(hours=1)
    service = f.ServiceFactory(duration_minutes=15)
    for start, tzid in ((first, "America/Chicago"), (second, None)):
        appt = f.AppointmentFactory(location=location, service=service, start=start)
        event = icalendar.Calendar.from_ical(ics.appointment_ics(appt)).events[0]
        assert event["DTSTART"].params.get("TZID") == tzid
        assert event.start.astimezone(dt.UTC) == start
        assert event.end.astimezone(dt.UTC) == start + dt.timedelta(minutes=15)


def test_a_feed_across_locations_has_one_vtimezone_per_zone_before_the_events(practitioner, db):
    for tz in ("Europe/London", "America/Chicago"):
        f.AppointmentFactory(practitioner=practitioner, location=f.LocationFactory(timezone=tz))
    raw = ics.practitioner_feed_ics(
        practitioner.appointments.select_related("location", "service", "room", "patient"), name="Feed"
    )
    cal = icalendar.Calendar.from_ical(raw)
    assert [c.name for c in cal.subcomponents] == ["VTIMEZONE", "VTIMEZONE", "VEVENT", "VEVENT"]
    assert sorted(str(c["TZID"]) for c in cal.walk("VTIMEZONE")) == ["America/Chicago", "Europe/London"]
