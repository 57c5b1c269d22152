"""Daylight-saving change days: a 09:00–17:00 practitioner is offered 09:00 local, not 08:00 or 10:00,
and the booking's page, email and .ics all say the same local time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from scheduling import availability as av
from scheduling import queries, services
from tests import factories as f

# (zone, change day, what happens). All are Sundays (weekday 6).
CHANGE_DAYS = [
    ("America/New_York", dt.date(2026, 3, 8), "clocks go forward"),
    ("America/New_York", dt.date(2026, 11, 1), "clocks go back"),
    ("Europe/London", dt.date(2026, 3, 29), "clocks go forward"),
    ("Europe/London", dt.date(2026, 10, 25), "clocks go back"),
    ("Australia/Sydney", dt.date(2026, 4, 5), "clocks go back"),
    ("Australia/Sydney", dt.date(2026, 10, 4), "clocks go forward"),
]
IDS = [f"{tz}-{day}" for tz, day, _ in CHANGE_DAYS]


def _offsets_differ(tz: str, day: dt.date) -> bool:
    z = ZoneInfo(tz)
    before = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(12), tzinfo=z).utcoffset()
    after = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(12), tzinfo=z).utcoffset()
    return before != after


@pytest.mark.parametrize(("tz", "day", "what"), CHANGE_DAYS, ids=IDS)
def test_the_dates_really_are_change_days(tz, day, what):
    assert _offsets_differ(tz, day), f"{day} is not a DST change in {tz}"


@pytest.mark.parametrize(("tz", "day", "what"), CHANGE_DAYS, ids=IDS)
def test_pure_function_offers_nine_local_on_the_change_day_and_around_it(tz, day, what):
    zone = ZoneInfo(tz)
    p = av.PractitionerSchedule(
        id=1, blocks=tuple(av.Block(wd, dt.time(9), dt.time(17)) for wd in range(7)), licence_expiry=None
    )
    rules = av.Rules(
        tz=tz,
        duration_minutes=45,
        buffer_minutes=15,
        now=dt.datetime.combine(day - dt.timedelta(days=5), dt.time(0), tzinfo=zone),
        max_advance=dt.timedelta(days=30),
    )
    starts = av.bookable_starts(
        p, rules=rules, rooms={1: []}, date_from=day - dt.timedelta(days=1), date_to=day + dt.timedelta(days=1)
    )
    by_day: dict[dt.date, list[dt.datetime]] = {}
    for s in starts:
        local = s.astimezone(zone)
        by_day.setdefault(local.date(), []).append(local)
    assert sorted(by_day) == [day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)]
    for d, local_starts in by_day.items():
        assert local_starts[0].time() == dt.time(9, 0), d
        assert local_starts[-1].time() == dt.time(16, 15), d
        assert len(local_starts) == 30, d  # 09:00..16:15 every 15 minutes: no hour lost or gained


@pytest.mark.parametrize(("tz", "day", "what"), CHANGE_DAYS, ids=IDS)
def test_booking_email_ics_and_page_show_the_same_local_time(
    tz, day, what, patient, patient_client, django_capture_on_commit_callbacks
):
    zone = ZoneInfo(tz)
    with time_machine.travel(dt.datetime.combine(day - dt.timedelta(days=6), dt.time(8), tzinfo=zone), tick=False):
        f.policy(min_notice_hours=12, max_advance_days=60)
        clinic = f.bookable_setup(tz=tz, weekdays=[6])
        inputs = queries.availability_inputs(
            service=clinic.service, location=clinic.location, date_from=day, date_to=day
        )
        first = inputs.starts()[clinic.practitioner.pk][0]
        assert first.astimezone(zone).time() == dt.time(9, 0)
        assert first == dt.datetime.combine(day, dt.time(9), tzinfo=zone)

        with django_capture_on_commit_callbacks(execute=True):
            appt = services.appointment_book(
                patient=patient,
                service=clinic.service,
                practitioner=clinic.practitioner,
                location=clinic.location,
                start=first,
            )

        # the email
        (email,) = mail.outbox
        label = f"{day:%A} {day.day} {day:%B %Y}, 09:00"
        assert label in email.subject
        assert label in email.body
        assert label in email.alternatives[0][0]

        # the attached .ics and the downloaded one
        attached = next(content for name, content, _ in email.attachments if name.endswith(".ics"))
        downloaded = patient_client.get(reverse("scheduling:appointment_ics", args=[appt.pk])).content
        for raw in (attached, downloaded):
            event = icalendar.Calendar.from_ical(raw).events[0]
            assert event["DTSTART"].params["TZID"] == tz
            assert event.start.replace(tzinfo=None) == dt.datetime.combine(day, dt.time(9))
            assert event.start == first
            assert event.end == first + dt.timedelta(minutes=45)

        # the patient's page
        page = patient_client.get(reverse("scheduling:appointment_detail", args=[appt.pk])).content.decode()
        assert label in page
