"""Daylight-saving change days: a 09:00–17:00 practitioner is offered 09:00 local, not 08:00 or 10:00,
and the booking's page, email and .ics all say the same local time. Around the change itself:
a working block is cut at the jump when clocks go forward, and when they go back the repeated
hour's times are offered once each, labelled with their zone, and book the instant they name.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from clinic.models import ServiceKind
from scheduling import availability as av
from scheduling import queries, services
from scheduling.emails import local_when
from scheduling.models import Appointment
from scheduling.templatetags.local_time import format_local
from tests import factories as f

FORWARD, BACK = "clocks go forward", "clocks go back"
# (zone, change day, what happens). Sundays, except Santiago's autumn change at Saturday midnight.
CHANGE_DAYS = [
    ("America/New_York", dt.date(2026, 3, 8), FORWARD),
    ("America/New_York", dt.date(2026, 11, 1), BACK),
    ("Europe/London", dt.date(2026, 3, 29), FORWARD),
    ("Europe/London", dt.date(2026, 10, 25), BACK),
    ("Australia/Sydney", dt.date(2026, 4, 5), BACK),
    ("Australia/Sydney", dt.date(2026, 10, 4), FORWARD),
    ("America/Chicago", dt.date(2026, 3, 8), FORWARD),
    ("America/Chicago", dt.date(2026, 11, 1), BACK),
    ("Europe/Berlin", dt.date(2026, 3, 29), FORWARD),
    ("Europe/Berlin", dt.date(2026, 10, 25), BACK),
    ("Australia/Adelaide", dt.date(2026, 4, 5), BACK),  # half-hour offsets: +10:30 -> +09:30
    ("Australia/Adelaide", dt.date(2026, 10, 4), FORWARD),
    ("Pacific/Auckland", dt.date(2026, 4, 5), BACK),
    ("Pacific/Auckland", dt.date(2026, 9, 27), FORWARD),
    ("America/Santiago", dt.date(2026, 4, 4), BACK),  # 24:00 -> 23:00, a Saturday; no letter abbreviation
    ("America/Santiago", dt.date(2026, 9, 6), FORWARD),  # 00:00 -> 01:00
]
IDS = [f"{tz}-{day}" for tz, day, _ in CHANGE_DAYS]
FORWARD_DAYS = [c for c in CHANGE_DAYS if c[2] == FORWARD]
BACK_DAYS = [c for c in CHANGE_DAYS if c[2] == BACK]
STEP = dt.timedelta(minutes=15)


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
        clinic = f.bookable_setup(tz=tz, weekdays=[day.weekday()])
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


# --- around the change itself ------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    zone: ZoneInfo
    at: dt.datetime  # the UTC instant the clocks change
    before: dt.timedelta  # the UTC offset until then
    after: dt.timedelta

    def wall(self, offset: dt.timedelta) -> dt.datetime:
        """The change's instant as a naive wall-clock time read with `offset`."""
        return (self.at + offset).replace(tzinfo=None)

    def skipped_or_repeated(self) -> tuple[dt.datetime, dt.datetime]:
        """The wall-clock hour skipped (clocks forward) or read twice (clocks back), [from, to)."""
        return (
            (self.wall(self.before), self.wall(self.after))
            if self.after > self.before
            else (
                self.wall(self.after),
                self.wall(self.before),
            )
        )


@functools.cache
def change(tz: str, day: dt.date) -> Change:
    """Found by walking the clock minute by minute, independently of the code under test."""
    zone = ZoneInfo(tz)
    u = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(12), tzinfo=zone).astimezone(dt.UTC)
    offset = u.astimezone(zone).utcoffset()
    while (u + dt.timedelta(minutes=1)).astimezone(zone).utcoffset() == offset:
        u += dt.timedelta(minutes=1)
    return Change(zone, u + dt.timedelta(minutes=1), offset, (u + dt.timedelta(minutes=1)).astimezone(zone).utcoffset())


def expected_label(s: dt.datetime, c: Change) -> str:
    """ "01:30", or "01:30 CST" when that wall-clock time is read twice that day."""
    local = s.astimezone(c.zone)
    start, end = c.skipped_or_repeated()
    if not (c.after < c.before and start <= local.replace(tzinfo=None) < end):
        return f"{local:%H:%M}"
    name = local.tzname()
    return f"{local:%H:%M} {name if name[0].isalpha() else 'UTC' + name}"


def utc_at(zone: ZoneInfo, day: dt.date, t: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, t, tzinfo=zone).astimezone(dt.UTC)


def pure_starts(tz: str, day: dt.date, start: dt.time, end: dt.time, duration: int = 15) -> list[dt.datetime]:
    zone = ZoneInfo(tz)
    p = av.PractitionerSchedule(id=1, blocks=(av.Block(day.weekday(), start, end),))
    rules = av.Rules(tz=tz, duration_minutes=duration, now=utc_at(zone, day - dt.timedelta(days=5), dt.time(0)))
    return av.bookable_starts(p, rules=rules, rooms={1: []}, date_from=day, date_to=day)


def test_a_0100_to_0230_block_on_a_spring_forward_day_ends_when_the_clocks_jump():
    """The issue's example: it used to offer 03:00 and 03:15, after the block's end."""
    day, zone = dt.date(2026, 3, 8), ZoneInfo("America/Chicago")
    starts = pure_starts("America/Chicago", day, dt.time(1), dt.time(2, 30))
    assert [format_local(s, zone) for s in starts] == ["01:00", "01:15", "01:30", "01:45"]
    assert starts[-1] + dt.timedelta(minutes=15) == change("America/Chicago", day).at  # 03:00 CDT, the jump


@pytest.mark.parametrize(("tz", "day", "what"), FORWARD_DAYS, ids=[f"{t}-{d}" for t, d, _ in FORWARD_DAYS])
def test_a_block_edge_in_the_skipped_hour_is_the_jump(tz, day, what):
    c = change(tz, day)
    skipped_from, skipped_to = c.skipped_or_repeated()
    middle = skipped_from + (skipped_to - skipped_from) / 2  # 02:30 in New York
    opens = max(skipped_from - dt.timedelta(hours=1), dt.datetime.combine(day, dt.time(0)))
    # Ends in the gap: nothing may end after the jump (Santiago's 00:00 opening is skipped too: no times).
    starts = pure_starts(tz, day, opens.time(), middle.time())
    first = c.at if opens >= skipped_from else utc_at(c.zone, day, opens.time())
    assert starts == [first + k * STEP for k in range(int((c.at - first) / STEP))]
    assert all(s + STEP <= c.at for s in starts)
    # Starts in the gap: the first time offered is the jump, which the clock reads as the gap's end.
    later = pure_starts(tz, day, middle.time(), (skipped_to + dt.timedelta(hours=1)).time())
    assert later[0] == c.at and later[0].astimezone(c.zone).replace(tzinfo=None) == skipped_to
    assert later[-1] == utc_at(c.zone, day, (skipped_to + dt.timedelta(hours=1)).time()) - STEP


@pytest.mark.parametrize(("tz", "day", "what"), BACK_DAYS, ids=[f"{t}-{d}" for t, d, _ in BACK_DAYS])
def test_the_repeated_hour_is_offered_once_each_with_distinct_labels(tz, day, what):
    c = change(tz, day)
    repeated_from, repeated_to = c.skipped_or_repeated()
    opens = repeated_from - dt.timedelta(hours=1)
    closes = min(repeated_to + dt.timedelta(hours=1), dt.datetime.combine(day, dt.time(23, 45)))
    starts = pure_starts(tz, day, opens.time(), closes.time())
    # Every real quarter hour from the opening to the first time the clock reads the closing time.
    bs, be = utc_at(c.zone, day, opens.time()), utc_at(c.zone, day, closes.time())
    assert starts == [bs + k * STEP for k in range(int((be - bs) / STEP))]
    labels = [format_local(s, c.zone) for s in starts]
    assert len(set(labels)) == len(labels)
    assert labels == [expected_label(s, c) for s in starts]
    zoned = {label.split(" ", 1)[1] for label in labels if " " in label}
    if repeated_to.date() == day:  # both passes are inside the block (not Santiago's, which ends at 24:00)
        assert len(zoned) == 2, labels
    else:
        assert len(zoned) == 1, labels


def test_an_email_time_in_the_repeated_hour_keeps_its_zone():
    """Django's "T" format drops the zone exactly here ("01:45 " instead of "01:45 CDT")."""
    zone = ZoneInfo("America/Chicago")
    first = dt.datetime(2026, 11, 1, 1, 45, tzinfo=zone)
    second = first.replace(fold=1)
    assert local_when(first, zone) == "Sunday 1 November 2026, 01:45 CDT"
    assert local_when(second, zone) == "Sunday 1 November 2026, 01:45 CST"
    assert (
        format_local(first, zone) == "01:45 CDT"
        and format_local(dt.datetime(2026, 11, 2, 1, 45, tzinfo=zone), zone) == "01:45"
    )


def test_zones_without_a_letter_abbreviation_read_as_utc_offsets():
    """Lord Howe's clocks go back half an hour (02:00 +11 -> 01:30 +1030): both passes of 01:45."""
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    first_pass = dt.datetime(2026, 4, 4, 14, 45, tzinfo=dt.UTC)
    assert format_local(first_pass, lord_howe) == "01:45 UTC+11"
    assert format_local(first_pass + dt.timedelta(minutes=30), lord_howe) == "01:45 UTC+10:30"
    assert format_local(first_pass, "America/Santiago", zone=True) == "11:45 UTC-03"


def _slots(page: str) -> list[tuple[str, dt.datetime, str]]:
    """(link, instant, label) of each time button on the booking page."""
    found = re.findall(r'<a class="btn btn-outline-primary" href="([^"]+)" data-start="([^"]+)">([^<]+)</a>', page)
    return [(html.unescape(url), dt.datetime.fromisoformat(iso), label) for url, iso, label in found]


@pytest.mark.parametrize(("tz", "day", "what"), CHANGE_DAYS, ids=IDS)
def test_booking_a_time_at_the_change_from_the_page(
    tz, day, what, patient, patient_client, django_capture_on_commit_callbacks
):
    """The patient's picker around the change: labels, the booked instant, the email and the .ics."""
    c = change(tz, day)
    edge_from, edge_to = c.skipped_or_repeated()
    if what == FORWARD:  # the block shape: from an hour before the jump into the skipped hour
        opens = max(edge_from - dt.timedelta(hours=1), dt.datetime.combine(day, dt.time(0)))
        closes = edge_from + (edge_to - edge_from) / 2
    else:  # across the repeated hour
        opens = edge_from - dt.timedelta(hours=1)
        closes = min(edge_to + dt.timedelta(hours=1), dt.datetime.combine(day, dt.time(23, 45)))
    with time_machine.travel(utc_at(c.zone, day - dt.timedelta(days=6), dt.time(8)), tick=False):
        f.policy(min_notice_hours=12, max_advance_days=60)
        clinic = f.bookable_setup(
            tz=tz,
            weekdays=[day.weekday()],
            start=opens.time(),
            end=closes.time(),
            kind=ServiceKind.INITIAL,
            duration=30,
            buffer=0,
        )
        query = {"service": clinic.service.pk, "location": clinic.location.pk, "practitioner": "", "day": day}
        page = patient_client.get(reverse("scheduling:book"), query).content.decode()
        slots = _slots(page)
        if not slots:  # Santiago's clocks jump at midnight: a 00:00-00:30 block lies wholly in the gap
            assert opens >= edge_from and "No free times on this day" in page
            return
        labels = [label for _, _, label in slots]
        assert len(set(labels)) == len(labels)
        assert labels == [expected_label(s, c) for _, s, _ in slots]
        if what == FORWARD:
            assert all(s + dt.timedelta(minutes=30) <= c.at for _, s, _ in slots)
        # The latest time in the repeated hour (its second pass where the block reaches it), or the last.
        url, start, label = max((slot for slot in slots if " " in slot[2]), default=slots[-1], key=lambda x: x[1])
        when = f"{day:%A} {day.day} {day:%B %Y}, {format_local(start, c.zone, zone=True)}"
        assert when in patient_client.get(url).content.decode()

        with django_capture_on_commit_callbacks(execute=True):
            response = patient_client.post(
                reverse("scheduling:book_confirm"),
                {"service": clinic.service.pk, "location": clinic.location.pk, "practitioner": "", "start": start},
            )
        assert response.status_code == 302
        appt = Appointment.objects.get(patient=patient)
        assert appt.start == start

        (email,) = mail.outbox
        until = f"until {expected_label(start + dt.timedelta(minutes=30), c)},"
        for text in (email.subject, email.body, email.alternatives[0][0]):
            assert when in text
        assert until in email.body
        ics_file = next(content for name, content, _ in email.attachments if name.endswith(".ics"))
        event = icalendar.Calendar.from_ical(ics_file).events[0]
        # Compared in UTC: Python never finds a repeated-hour time equal to one in another zone (PEP 495).
        assert event.start.astimezone(dt.UTC) == start
        assert event.end.astimezone(dt.UTC) == start + dt.timedelta(minutes=30)
        assert when in patient_client.get(reverse("scheduling:appointment_detail", args=[appt.pk])).content.decode()


def test_the_desk_and_the_reschedule_pickers_label_the_repeated_hour(patient, patient_client, front_desk_client):
    zone, day = ZoneInfo("America/Chicago"), dt.date(2026, 11, 1)
    with time_machine.travel(utc_at(zone, day - dt.timedelta(days=6), dt.time(8)), tick=False):
        f.policy(min_notice_hours=12, max_advance_days=60)
        clinic = f.bookable_setup(tz="America/Chicago", start=dt.time(0), end=dt.time(3), duration=30, buffer=0)
        params = {"patient": patient.pk, "service": clinic.service.pk, "location": clinic.location.pk, "day": day}
        desk = front_desk_client.get(reverse("scheduling:desk_book"), params).content.decode()
        appt = services.appointment_book(
            patient=patient,
            service=clinic.service,
            practitioner=clinic.practitioner,
            location=clinic.location,
            start=utc_at(zone, day + dt.timedelta(days=7), dt.time(0)),
            notify=False,
        )
        url = reverse("scheduling:appointment_reschedule", args=[appt.pk])
        moving = patient_client.get(url, {"day": day}).content.decode()
    second_pass = dt.datetime(2026, 11, 1, 1, 30, tzinfo=zone, fold=1).astimezone(dt.UTC)
    for page in (desk, moving):
        assert ">01:30 CDT<" in page and ">01:30 CST<" in page and ">00:30<" in page
        assert f'data-start="{second_pass.isoformat()}"' in page


def test_the_schedule_my_day_and_the_desks_appointment_page_label_the_repeated_hour(
    front_desk_client, practitioner, practitioner_client
):
    zone, day = ZoneInfo("America/Chicago"), dt.date(2026, 11, 1)
    first = dt.datetime(2026, 11, 1, 1, 30, tzinfo=zone).astimezone(dt.UTC)  # 01:30 CDT
    with time_machine.travel(utc_at(zone, day, dt.time(8)), tick=False):
        clinic = f.bookable_setup(tz="America/Chicago", practitioner=practitioner, duration=30, buffer=0)
        early, late = (
            f.AppointmentFactory(
                start=start,
                location=clinic.location,
                service=clinic.service,
                practitioner=practitioner,
                room=clinic.rooms[0],
            )
            for start in (first, first + dt.timedelta(hours=1))
        )
        url = reverse("scheduling:schedule")
        day_view = front_desk_client.get(url, {"location": clinic.location.pk, "day": day}).content.decode()
        week_view = front_desk_client.get(url, {"location": clinic.location.pk, "day": day, "view": "week"})
        my_day = practitioner_client.get(reverse("plans:my_day")).content.decode()
        desk_page = front_desk_client.get(reverse("scheduling:desk_appointment", args=[early.pk])).content.decode()
    # 01:30 CDT + 30 minutes is 01:00 CST; the second appointment is 01:30 CST-02:00.
    for page in (day_view, my_day):
        assert "01:30 CDT–01:00 CST" in page and "01:30 CST–02:00" in page
    assert ">01:30 CDT " in week_view.content.decode() and ">01:30 CST " in week_view.content.decode()
    assert "Sunday 1 November 2026, 01:30 CDT, until 01:00 CST" in desk_page
    assert late.start == first + dt.timedelta(hours=1)
