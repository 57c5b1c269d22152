"""The front desk's day and week schedule: who is where, when (in the clinic's time), and nothing clinical."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from clinic.models import Room
from tests import factories as f

NY = ZoneInfo("America/New_York")
# Tuesday 10 March 2026, 08:00 in New York (EDT since Sunday the 8th).
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
URL = reverse("scheduling:schedule")


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ny(db):
    f.policy(min_notice_hours=0, max_advance_days=60, cancellation_window_hours=24)
    return f.bookable_setup(tz="America/New_York", weekdays=range(5))


def book(setup, *, hour: int, minute: int = 0, day: dt.date = dt.date(2026, 3, 10), **kw):
    start = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=setup.location.tz)
    kw.setdefault("room", setup.rooms[0])
    kw.setdefault("practitioner", setup.practitioner)
    return f.AppointmentFactory(start=start, location=setup.location, service=setup.service, **kw)


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_day_shows_each_appointment_in_the_clinics_local_time_with_contact_details(front_desk_client, ny):
    patient = f.PatientFactory(full_name="Carla Caller", phone="+1 212 555 0101")
    book(ny, hour=10, patient=patient)  # 10:00 EDT = 14:00 UTC

    html = page(front_desk_client.get(URL, {"location": ny.location.pk, "day": "2026-03-10"}))

    assert "10:00–10:45" in html
    assert "14:00–14:45" not in html  # never the UTC (or London) time
    assert "Carla Caller" in html and "+1 212 555 0101" in html
    assert ny.service.name in html and ny.rooms[0].name in html
    assert 'data-status="booked"' in html
    assert 'data-testid="intake-status" data-status="missing"' in html
    assert "America/New_York" in html


def test_the_day_shows_working_hours_and_time_off(front_desk_client, ny):
    off_start = dt.datetime(2026, 3, 10, 13, 0, tzinfo=NY)
    f.TimeOffFactory(
        practitioner=ny.practitioner, start=off_start, end=off_start + dt.timedelta(hours=4), reason="Dentist"
    )

    html = page(front_desk_client.get(URL, {"location": ny.location.pk, "day": "2026-03-10"}))

    assert ny.practitioner.user.full_name in html
    assert "09:00–17:00" in html
    assert "Off 13:00–17:00 (Dentist)" in html
    assert "No appointments on this day yet." in html


def test_working_hours_keep_their_local_times_on_the_dst_change_day(front_desk_client, db):
    f.policy(min_notice_hours=0)
    london = f.bookable_setup(tz="Europe/London", weekdays=[6])
    # Sunday 29 March 2026: London goes from GMT to BST at 01:00 UTC.
    book(london, hour=9, day=dt.date(2026, 3, 29))

    html = page(front_desk_client.get(URL, {"location": london.location.pk, "day": "2026-03-29"}))

    assert "09:00–17:00" in html
    assert "09:00–09:45" in html  # stored as 08:00 UTC, shown as 09:00 BST


def test_the_week_puts_appointments_under_their_local_day(front_desk_client, ny):
    # 21:30 on Wednesday in New York is already Thursday in UTC: it belongs to Wednesday.
    late = book(ny, hour=21, minute=30, day=dt.date(2026, 3, 11), patient=f.PatientFactory(full_name="Late Larry"))
    book(ny, hour=9, day=dt.date(2026, 3, 13), patient=f.PatientFactory(full_name="Friday Fay"))

    html = page(front_desk_client.get(URL, {"location": ny.location.pk, "day": "2026-03-12", "view": "week"}))

    assert "week of 9 Mar–15 Mar 2026" in html
    cells = html.split('data-testid="lane"')[1].split("<td")
    wednesday, thursday, friday = cells[3], cells[4], cells[5]
    assert "21:30 Late Larry" in wednesday and "Late Larry" not in thursday
    assert "09:00 Friday Fay" in friday
    assert f'href="{reverse("scheduling:desk_appointment", args=[late.pk])}"' in html
    assert "2 appointments this week." in html


def test_previous_and_next_move_by_a_day_or_a_week(front_desk_client, ny):
    day = page(front_desk_client.get(URL, {"location": ny.location.pk, "day": "2026-03-10"}))
    week = page(front_desk_client.get(URL, {"location": ny.location.pk, "day": "2026-03-10", "view": "week"}))

    assert "day=2026-03-09" in day and "day=2026-03-11" in day
    assert "day=2026-03-03" in week and "day=2026-03-17" in week


def test_filtering_by_practitioner_leaves_the_others_out(front_desk_client, ny):
    other = f.bookable_setup(location=ny.location, weekdays=range(5), service=ny.service, rooms=0)
    book(ny, hour=10, patient=f.PatientFactory(full_name="Mine Only"))
    book(ny, hour=10, practitioner=other.practitioner, room=ny.rooms[1], patient=f.PatientFactory(full_name="Not Mine"))

    both = page(front_desk_client.get(URL, {"location": ny.location.pk, "day": "2026-03-10"}))
    one = page(
        front_desk_client.get(
            URL, {"location": ny.location.pk, "day": "2026-03-10", "practitioner": ny.practitioner.pk}
        )
    )

    assert "Mine Only" in both and "Not Mine" in both
    assert "Mine Only" in one and "Not Mine" not in one


def test_the_location_filter_shows_only_that_clinics_appointments(front_desk_client, ny):
    elsewhere = f.bookable_setup(tz="Europe/London", service=ny.service)
    book(ny, hour=10, patient=f.PatientFactory(full_name="In New York"))
    book(elsewhere, hour=10, patient=f.PatientFactory(full_name="In London"))

    html = page(front_desk_client.get(URL, {"location": elsewhere.location.pk, "day": "2026-03-10"}))

    assert "In London" in html and "In New York" not in html


def test_by_room_shows_one_column_per_room_with_the_practitioner(front_desk_client, ny):
    book(ny, hour=10, room=ny.rooms[1], patient=f.PatientFactory(full_name="Room Two Rita"))

    html = page(front_desk_client.get(URL, {"location": ny.location.pk, "day": "2026-03-10", "by": "room"}))

    lanes = html.split('data-testid="lane"')[1:]
    assert [r.name for r in ny.rooms] == sorted(r.name for r in Room.objects.filter(location=ny.location))
    assert ny.rooms[0].name in lanes[0] and "Room Two Rita" not in lanes[0]
    assert ny.rooms[1].name in lanes[1] and "Room Two Rita" in lanes[1]
    assert ny.practitioner.user.full_name in lanes[1]


def test_cancelled_appointments_are_hidden_unless_asked_for(front_desk_client, ny):
    book(
        ny,
        hour=11,
        status="cancelled",
        cancelled_at=NOW,
        late_cancel=True,
        patient=f.PatientFactory(full_name="Gone Gina"),
    )
    params = {"location": ny.location.pk, "day": "2026-03-10"}

    assert "Gone Gina" not in page(front_desk_client.get(URL, params))
    shown = page(front_desk_client.get(URL, {**params, "cancelled": "on"}))
    assert "Gone Gina" in shown and "Cancelled (late)" in shown


def test_bad_filters_are_ignored_not_a_crash(front_desk_client, ny):
    response = front_desk_client.get(URL, {"location": "99999", "day": "not-a-date", "view": "month", "by": "x"})

    html = page(response)
    assert ny.location.name in html


@pytest.mark.parametrize("view", ["day", "week"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_day_at_the_ends_of_the_calendar_gets_a_message_not_a_500(front_desk_client, ny, view, day):
    html = page(front_desk_client.get(URL, {"location": ny.location.pk, "day": day, "view": view}))

    assert "too far from today" in html
    assert "Tuesday 10 March 2026" in html or "10 Mar" in html  # today's schedule instead


def test_the_front_desk_sees_the_intake_status_but_never_the_safety_answers(front_desk_client, ny):
    patient = f.PatientFactory(full_name="Flagged Fred")
    f.SafetyFlagFactory(patient=patient, label="Unremitting night pain", patient_label="pain all night")
    appt = book(ny, hour=10, patient=patient)

    for url, params in [
        (URL, {"location": ny.location.pk, "day": "2026-03-10"}),
        (URL, {"location": ny.location.pk, "day": "2026-03-10", "view": "week"}),
        (reverse("scheduling:desk_appointment", args=[appt.pk]), {}),
    ]:
        html = page(front_desk_client.get(url, params))
        assert "Flagged Fred" in html
        assert "night pain" not in html.lower() and "pain all night" not in html
        assert "Red flag" not in html
    assert "Needs review" in page(front_desk_client.get(URL, {"location": ny.location.pk, "day": "2026-03-10"}))


def test_patients_are_refused_and_visitors_sent_to_log_in(client, patient_client, ny):
    assert patient_client.get(URL).status_code == 403
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("view", ["day", "week"])
@pytest.mark.parametrize("by", ["practitioner", "room"])
def test_the_number_of_queries_does_not_grow_with_the_appointments(
    front_desk_client, ny, django_assert_max_num_queries, view, by
):
    second = f.bookable_setup(location=ny.location, weekdays=range(5), service=ny.service, rooms=0)
    params = {"location": ny.location.pk, "day": "2026-03-10", "view": view, "by": by}
    book(ny, hour=16)
    # 14 for the schedule as before, +2 for the board's flags (first visit, failed messages).
    with django_assert_max_num_queries(16):
        page(front_desk_client.get(URL, params))

    rooms = ny.rooms
    for day in range(9, 14):
        for hour in range(9, 16):
            for i, prac in enumerate([ny.practitioner, second.practitioner]):
                book(ny, hour=hour, day=dt.date(2026, 3, day), practitioner=prac, room=rooms[i])
        f.TimeOffFactory(practitioner=second.practitioner, start=dt.datetime(2026, 3, day, 16, tzinfo=NY))
    with django_assert_max_num_queries(16):
        html = page(front_desk_client.get(URL, params))
    assert html.count('data-testid="appointment"') >= 14


@pytest.mark.parametrize(
    ("tz", "before", "after"),
    [
        # Saturday before the change, and the Sunday of the change (09:00 is after it), in one Mon–Sun week.
        ("America/New_York", dt.date(2026, 3, 7), dt.date(2026, 3, 8)),  # EST → EDT
        ("Australia/Sydney", dt.date(2026, 4, 4), dt.date(2026, 4, 5)),  # AEDT → AEST
        ("Europe/London", dt.date(2026, 10, 24), dt.date(2026, 10, 25)),  # BST → GMT
    ],
)
def test_a_week_across_a_dst_change_keeps_every_appointment_at_its_local_time(front_desk_client, db, tz, before, after):
    f.policy(min_notice_hours=0)
    clinic = f.bookable_setup(tz=tz)
    book(clinic, hour=9, day=before, patient=f.PatientFactory(full_name="Before Bo"))
    book(clinic, hour=9, day=after, patient=f.PatientFactory(full_name="After Al"))

    html = page(front_desk_client.get(URL, {"location": clinic.location.pk, "day": after.isoformat(), "view": "week"}))

    cells = html.split('data-testid="lane"')[1].split("<td")[1:]
    assert "09:00 Before Bo" in cells[before.weekday()]
    assert "09:00 After Al" in cells[after.weekday()]
    assert all("09:00–17:00" in c for c in cells)
