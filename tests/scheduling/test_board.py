"""The front-desk board: blocks at their local times (DST days too), empty cells that book or
move, flags, in-place actions that never undo someone else's change, arrivals, the day sheet."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from clinic.models import Role
from scheduling.models import Appointment, AppointmentStatus, Notification, NotificationKind, NotificationStatus
from tests import factories as f

NY = ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)  # Tuesday 10 March, 08:00 in New York
URL = reverse("scheduling:schedule")


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ny(db):
    f.policy(min_notice_hours=0, max_advance_days=60, cancellation_window_hours=24)
    return f.bookable_setup(tz="America/New_York", weekdays=range(7))


def book(setup, *, hour: int, minute: int = 0, day: dt.date = dt.date(2026, 3, 10), **kw):
    start = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=setup.location.tz)
    kw.setdefault("room", setup.rooms[0])
    kw.setdefault("practitioner", setup.practitioner)
    return f.AppointmentFactory(start=start, location=setup.location, service=setup.service, **kw)


def day_page(client, setup, day="2026-03-10", **extra) -> str:
    response = client.get(URL, {"location": setup.location.pk, "day": day, **extra})
    assert response.status_code == 200
    return response.content.decode()


def empty_cells(html: str) -> list[str]:
    return re.findall(r'data-testid="empty-cell" data-time="([0-9:]+)"', html)


def cell_link(html: str, time: str) -> str:
    m = re.search(r'data-testid="empty-cell" data-time="' + time + r'">\s*<a[^>]*href="([^"]+)"', html)
    assert m, f"no empty cell at {time}"
    return htmllib.unescape(m.group(1))


def state(html: str, appt) -> str:
    block = html.split(f'id="appt-{appt.pk}"')[1]
    return re.search(r'name="seen" value="([0-9a-f]+)"', block).group(1)


def second_desk() -> Client:
    c = Client()
    c.force_login(f.UserFactory(role=Role.FRONT_DESK, full_name="Second Desk"))
    return c


# --- local times, DST ------------------------------------------------------------------------


def test_blocks_sit_at_their_local_times_on_the_dst_change_day(front_desk_client, db):
    f.policy(min_notice_hours=0)
    london = f.bookable_setup(tz="Europe/London", weekdays=[6])
    with time_machine.travel(dt.datetime(2026, 3, 28, 12, tzinfo=dt.UTC), tick=False):
        front_desk_client.force_login(f.UserFactory(role=Role.FRONT_DESK))
        # Sunday 29 March 2026: clocks go forward at 01:00 UTC. 09:00 BST is 08:00 UTC.
        early = book(london, hour=9, day=dt.date(2026, 3, 29), patient=f.PatientFactory(full_name="Early Eve"))
        late = book(london, hour=16, day=dt.date(2026, 3, 29), patient=f.PatientFactory(full_name="Late Len"))
        assert early.start.astimezone(dt.UTC).hour == 8
        html = day_page(front_desk_client, london, day="2026-03-29")

    cells = empty_cells(html)
    assert "09:00–09:45" in html and "16:00–16:45" in html
    assert "09:00" not in cells and "09:30" not in cells and "09:45" in cells  # the visit covers 09:00-09:45
    assert "16:00" not in cells and "16:45" in cells
    assert cells[0] == "09:45" and cells[-1] == "16:45"  # the rows stay in local wall-clock time
    assert html.index("Early Eve") < html.index("09:45 · free") < html.index("Late Len")
    assert cell_link(html, "10:00").endswith("start=2026-03-29T09%3A00%3A00%2B00%3A00")  # 10:00 BST
    assert late.pk


def test_a_cancelled_appointment_frees_its_cell(front_desk_client, ny):
    appt = book(ny, hour=10)
    before = day_page(front_desk_client, ny)
    assert "10:00" not in empty_cells(before) and "10:30" not in empty_cells(before)

    response = front_desk_client.post(
        reverse("scheduling:desk_board_action", args=[appt.pk, "cancel"]),
        {"reason": "Patient is unwell", "seen": state(before, appt)},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert 'data-status="cancelled"' in response.content.decode()
    after = day_page(front_desk_client, ny)
    assert "10:00" in empty_cells(after) and "10:30" in empty_cells(after)


def test_cancelling_in_place_needs_a_reason(front_desk_client, ny):
    appt = book(ny, hour=10)
    response = front_desk_client.post(
        reverse("scheduling:desk_board_action", args=[appt.pk, "cancel"]), {"reason": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 409 and "Say why it is cancelled" in response.content.decode()
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.BOOKED


# --- empty cells book, or move ---------------------------------------------------------------


def test_an_empty_cell_books_that_practitioner_at_that_time(front_desk_client, ny):
    caller = f.PatientFactory(full_name="Cell Caller")
    link = cell_link(day_page(front_desk_client, ny), "11:15")

    find = front_desk_client.get(link)  # first: who is calling? (the time is carried along)
    assert find.status_code == 200 and 'name="start"' in find.content.decode()
    chosen = front_desk_client.get(link + f"&patient={caller.pk}&service={ny.service.pk}")
    assert chosen.status_code == 302 and "/desk/book/confirm/" in chosen["Location"]
    confirm = front_desk_client.get(chosen["Location"])
    assert confirm.status_code == 200
    booked = front_desk_client.post(
        reverse("scheduling:desk_book_confirm"),
        {
            "patient": caller.pk,
            "service": ny.service.pk,
            "location": ny.location.pk,
            "practitioner": ny.practitioner.pk,
            "start": "2026-03-10T11:15:00-04:00",
        },
    )

    assert booked.status_code == 302
    appt = Appointment.objects.get(patient=caller)
    assert appt.practitioner == ny.practitioner
    assert appt.start == dt.datetime(2026, 3, 10, 11, 15, tzinfo=NY)
    assert "11:15" not in empty_cells(day_page(front_desk_client, ny))


def test_an_empty_cell_of_the_rooms_view_books_that_room_at_that_time(front_desk_client, ny):
    caller = f.PatientFactory(full_name="Room Caller")
    room = ny.rooms[1]
    book(ny, hour=11, room=ny.rooms[0])  # the practitioner is busy 11:00-11:45 (in the other room)
    html = day_page(front_desk_client, ny, by="room")
    lane = html.split(f'aria-label="{room.name}"')[1].split("</section>")[0]
    assert "11:15" in empty_cells(lane)
    link = cell_link(lane, "12:00")
    assert f"room={room.pk}" in link and "practitioner=" not in link

    find = front_desk_client.get(link)  # who is calling? (the room and time are carried along)
    assert f'name="room" value="{room.pk}"' in find.content.decode()
    busy = front_desk_client.get(cell_link(lane, "11:15") + f"&patient={caller.pk}&service={ny.service.pk}")
    assert busy.status_code == 200 and 'data-testid="room-refused"' in busy.content.decode()  # nobody free then
    chosen = front_desk_client.get(link + f"&patient={caller.pk}&service={ny.service.pk}")
    assert chosen.status_code == 302 and "/desk/book/confirm/" in chosen["Location"]
    confirm = front_desk_client.get(chosen["Location"]).content.decode()
    assert re.search(rf'<option value="{room.pk}" selected>', confirm)
    assert ny.practitioner.user.full_name in confirm
    booked = front_desk_client.post(
        reverse("scheduling:desk_book_confirm"),
        {
            "patient": caller.pk,
            "service": ny.service.pk,
            "location": ny.location.pk,
            "practitioner": ny.practitioner.pk,
            "start": "2026-03-10T12:00:00-04:00",
            "room": room.pk,
        },
    )

    assert booked.status_code == 302
    appt = Appointment.objects.get(patient=caller)
    assert appt.room == room and appt.start == dt.datetime(2026, 3, 10, 12, tzinfo=NY)
    lane = day_page(front_desk_client, ny, by="room").split(f'aria-label="{room.name}"')[1].split("</section>")[0]
    assert "12:00" not in empty_cells(lane) and "Room Caller" in lane


def test_a_room_from_another_location_is_not_booked_and_not_a_500(front_desk_client, ny):
    other = f.bookable_setup(tz="Europe/London")
    html = front_desk_client.get(
        reverse("scheduling:desk_book"),
        {
            "patient": f.PatientFactory().pk,
            "service": ny.service.pk,
            "location": ny.location.pk,
            "room": other.rooms[0].pk,
            "start": "2026-03-10T12:00:00-04:00",
        },
    )
    assert html.status_code == 200 and 'data-testid="chosen-start"' in html.content.decode()  # not sent to confirm


def test_the_book_page_keeps_the_chosen_time_until_the_service_is_picked(front_desk_client, ny):
    caller = f.PatientFactory()
    link = cell_link(day_page(front_desk_client, ny), "11:15")
    html = front_desk_client.get(link + f"&patient={caller.pk}").content.decode()
    assert 'data-testid="chosen-start"' in html and 'name="start" value="2026-03-10T15:15:00+00:00"' in html


def test_moving_picks_the_new_time_on_the_board(front_desk_client, ny):
    appt = book(ny, hour=10)
    html = day_page(front_desk_client, ny, move=appt.pk)
    assert 'data-testid="moving"' in html and "Move here" in html
    link = cell_link(html, "14:00")
    assert link.startswith(reverse("scheduling:desk_reschedule", args=[appt.pk]))

    page = front_desk_client.get(link).content.decode()
    assert re.search(r'value="2026-03-10T18:00:00\+00:00"[^>]*checked', page)  # 14:00 in New York, chosen
    moved = front_desk_client.post(link, {"start": "2026-03-10T14:00:00-04:00", "reason": "Patient asked"})
    assert moved.status_code == 302
    appt.refresh_from_db()
    assert appt.start == dt.datetime(2026, 3, 10, 14, tzinfo=NY)


def test_moving_on_the_rooms_view_picks_the_new_time_and_room(front_desk_client, ny):
    appt = book(ny, hour=10)
    room = ny.rooms[1]
    html = day_page(front_desk_client, ny, by="room", move=appt.pk)
    lane = html.split(f'aria-label="{room.name}"')[1].split("</section>")[0]
    link = cell_link(lane, "14:00")
    assert link.startswith(reverse("scheduling:desk_reschedule", args=[appt.pk])) and f"room={room.pk}" in link

    page = front_desk_client.get(link).content.decode()
    assert re.search(rf'<option value="{room.pk}" selected>', page)
    moved = front_desk_client.post(link, {"start": "2026-03-10T14:00:00-04:00", "room": room.pk, "reason": "Quieter"})
    assert moved.status_code == 302
    appt.refresh_from_db()
    assert appt.start == dt.datetime(2026, 3, 10, 14, tzinfo=NY) and appt.room == room


def test_past_times_are_not_offered(front_desk_client, ny):
    with time_machine.travel(dt.datetime(2026, 3, 10, 16, 0, tzinfo=dt.UTC), tick=False):  # 12:00 in New York
        cells = empty_cells(day_page(front_desk_client, ny))
    assert "11:45" not in cells and "12:15" in cells


# --- two desks, one appointment --------------------------------------------------------------


def test_the_second_of_two_desks_gets_a_clear_message_and_the_fresh_state(front_desk_client, ny):
    appt = book(ny, hour=7, minute=30)  # started 30 minutes ago: check-in and no-show both possible
    other = second_desk()
    mine, theirs = day_page(front_desk_client, ny), day_page(other, ny)

    first = front_desk_client.post(
        reverse("scheduling:desk_board_action", args=[appt.pk, "check-in"]),
        {"seen": state(mine, appt)},
        HTTP_HX_REQUEST="true",
    )
    second = other.post(
        reverse("scheduling:desk_board_action", args=[appt.pk, "no-show"]),
        {"seen": state(theirs, appt)},
        HTTP_HX_REQUEST="true",
    )

    assert first.status_code == 200 and "is checked in" in first.content.decode()
    body = second.content.decode()
    assert second.status_code == 409
    assert "Someone else changed this appointment" in body and "checked in" in body
    assert 'data-status="checked_in"' in body  # the fresh state, not the stale one
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.CHECKED_IN


def test_a_stale_cancel_does_not_cancel_a_visit_someone_else_moved(front_desk_client, ny):
    appt = book(ny, hour=10)
    stale = state(day_page(front_desk_client, ny), appt)
    other = second_desk()
    other.post(
        reverse("scheduling:desk_reschedule", args=[appt.pk]),
        {"start": "2026-03-10T15:00:00-04:00", "reason": "Patient asked"},
    )

    response = front_desk_client.post(
        reverse("scheduling:desk_board_action", args=[appt.pk, "cancel"]),
        {"seen": stale, "reason": "Called to cancel"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 409 and "15:00" in response.content.decode()
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.BOOKED


def test_without_javascript_the_action_comes_back_to_the_board_with_a_message(front_desk_client, ny):
    appt = book(ny, hour=9)
    here = f"{URL}?location={ny.location.pk}&day=2026-03-10"
    response = front_desk_client.post(
        reverse("scheduling:desk_board_action", args=[appt.pk, "check-in"]), {"next": here}, follow=True
    )
    assert response.redirect_chain[-1][0] == here
    assert "is checked in" in response.content.decode()


def test_an_unknown_action_is_not_found(front_desk_client, ny):
    appt = book(ny, hour=9)
    assert front_desk_client.post(reverse("scheduling:desk_board_action", args=[appt.pk, "delete"])).status_code == 404


# --- flags -----------------------------------------------------------------------------------


def test_blocks_show_session_flags_without_clinical_detail(front_desk_client, ny):
    newcomer = f.PatientFactory(full_name="New Nina")
    regular = f.PatientFactory(full_name="Regular Rob")
    book(ny, hour=9, day=dt.date(2026, 3, 3), patient=regular, status=AppointmentStatus.COMPLETED)
    first = book(ny, hour=9, patient=newcomer)
    again = book(ny, hour=11, patient=regular)
    Notification.objects.create(
        kind=NotificationKind.BOOKING_CONFIRMED,
        recipient="rob@example.org",
        patient=regular,
        appointment=again,
        status=NotificationStatus.FAILED,
    )

    html = day_page(front_desk_client, ny)
    nina = html.split(f'id="appt-{first.pk}"')[1].split("</li>")[0]
    rob = html.split(f'id="appt-{again.pk}"')[1].split("</li>")[0]

    assert 'data-testid="flag-first-visit"' in nina and 'data-testid="flag-first-visit"' not in rob
    assert 'data-testid="flag-reminder-failed"' in rob and 'data-testid="flag-reminder-failed"' not in nina
    assert 'data-status="missing"' in nina  # intake missing


# --- arrivals and the day sheet --------------------------------------------------------------


def test_todays_arrivals_in_time_order(front_desk_client, ny):
    book(ny, hour=11, patient=f.PatientFactory(full_name="Second Sam"))
    book(ny, hour=9, patient=f.PatientFactory(full_name="First Fran"))
    book(ny, hour=9, day=dt.date(2026, 3, 11), patient=f.PatientFactory(full_name="Tomorrow Tom"))
    book(
        ny,
        hour=10,
        patient=f.PatientFactory(full_name="Gone Gail"),
        status=AppointmentStatus.CANCELLED,
        cancelled_at=NOW,
    )

    html = front_desk_client.get(reverse("scheduling:desk_arrivals"), {"location": ny.location.pk}).content.decode()

    assert html.index("First Fran") < html.index("Second Sam")
    assert "Tomorrow Tom" not in html and "Gone Gail" not in html
    assert 'data-testid="check-in"' in html


def test_the_day_sheet_is_one_practitioners_day_for_paper(front_desk_client, ny):
    other = f.bookable_setup(location=ny.location, weekdays=range(7), service=ny.service, rooms=0)
    book(ny, hour=9, patient=f.PatientFactory(full_name="Mine Mo"))
    book(ny, hour=9, practitioner=other.practitioner, room=ny.rooms[1], patient=f.PatientFactory(full_name="Not Ned"))

    html = front_desk_client.get(
        reverse("scheduling:desk_day_sheet", args=[ny.practitioner.pk]),
        {"location": ny.location.pk, "day": "2026-03-10"},
    ).content.decode()

    assert "Mine Mo" in html and "Not Ned" not in html
    assert "09:00–09:45" in html and "@media print" in html


@pytest.mark.parametrize("per_day", [1, 8])
def test_the_week_view_stays_within_a_fixed_number_of_queries(
    front_desk_client, ny, django_assert_max_num_queries, per_day
):
    # Someone with appointments here but no working hours here is a lane too (one more query).
    visitor = f.bookable_setup(weekdays=[], service=ny.service, rooms=0)
    for day in range(9, 16):
        for hour in range(9, 9 + per_day):
            book(ny, hour=hour, day=dt.date(2026, 3, day), patient=f.PatientFactory())
    book(ny, hour=20, practitioner=visitor.practitioner, room=ny.rooms[1])
    day_page(front_desk_client, ny)  # the desk is already signed in (the idle timer writes the session once)
    with django_assert_max_num_queries(10):
        html = day_page(front_desk_client, ny, view="week")
    assert html.count('data-testid="appointment"') == 7 * per_day + 1
    assert visitor.practitioner.user.full_name in html


def test_a_week_block_shows_patient_service_status_session_and_flags(front_desk_client, ny):
    from plans.models import PlanSession, PlanTemplate, TreatmentPlan

    regular = f.PatientFactory(full_name="Regular <Rob>")
    book(ny, hour=9, day=dt.date(2026, 3, 3), patient=regular, status=AppointmentStatus.COMPLETED)
    again = book(ny, hour=11, patient=regular)
    Notification.objects.create(
        kind=NotificationKind.BOOKING_CONFIRMED,
        recipient="rob@example.org",
        patient=regular,
        appointment=again,
        status=NotificationStatus.FAILED,
    )
    plan = TreatmentPlan.objects.create(
        patient=regular,
        practitioner=ny.practitioner,
        template=PlanTemplate.objects.get(name="Sciatica - acute"),
        acuity="acute",
        start_date=dt.date(2026, 3, 3),
        planned_sessions=6,
        cadence=[7],
        status="active",
        created_by=ny.practitioner.user,
    )
    PlanSession.objects.create(plan=plan, number=2, appointment=again, of_total=6)
    newcomer = book(ny, hour=9, day=dt.date(2026, 3, 12), patient=f.PatientFactory(full_name="New Nina"))
    flagged = f.PatientFactory(full_name="Flagged Fred")
    f.SafetyFlagFactory(patient=flagged)
    held = book(ny, hour=14, patient=flagged, status=AppointmentStatus.CHECKED_IN, checked_in_at=NOW)

    html = day_page(front_desk_client, ny, view="week")
    block = {a.pk: html.split(f'data-appointment="{a.pk}"')[1].split("</li>")[0] for a in (again, newcomer, held)}

    rob = block[again.pk]
    assert "11:00 Regular &lt;Rob&gt;" in rob and ny.service.name in rob
    assert 'data-status="booked"' in rob and "Session 2 of 6" in rob
    assert 'data-testid="flag-reminder-failed"' in rob and 'data-testid="flag-first-visit"' not in rob
    assert f'href="{reverse("scheduling:desk_appointment", args=[again.pk])}"' in rob
    nina = block[newcomer.pk]
    assert 'data-testid="flag-first-visit"' in nina and "Intake missing" in nina
    fred = block[held.pk]
    assert "Checked in" in fred and "Needs review" in fred
    assert "red_flag" not in html and "cauda" not in html.lower()  # nothing clinical on the desk's board


def test_a_week_block_in_the_repeated_hour_carries_its_zone(front_desk_client, db):
    f.policy(min_notice_hours=0)
    clinic = f.bookable_setup(tz="America/New_York", start=dt.time(0, 0), end=dt.time(23, 0))
    # Sunday 1 November 2026: 01:30 happens twice in New York, first EDT then EST.
    first = dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC)
    for start, name in ((first, "Daylight Dan"), (first + dt.timedelta(hours=1), "Standard Stan")):
        f.AppointmentFactory(
            start=start,
            location=clinic.location,
            service=clinic.service,
            practitioner=clinic.practitioner,
            room=clinic.rooms[0],
            patient=f.PatientFactory(full_name=name),
        )

    html = day_page(front_desk_client, clinic, day="2026-11-01", view="week")

    assert "01:30 EDT Daylight Dan" in html and "01:30 EST Standard Stan" in html


@pytest.mark.parametrize(
    "junk",
    [
        {"reason": "x\x00y", "seen": "\x00"},
        {"reason": "z" * 10_000, "seen": "a" * 10_000},
        {"next": "https://evil.example/"},
    ],
)
def test_junk_posted_to_the_board_never_gives_a_500(front_desk_client, ny, junk):
    appt = book(ny, hour=10)
    response = front_desk_client.post(reverse("scheduling:desk_board_action", args=[appt.pk, "cancel"]), junk)
    assert response.status_code == 302 and "evil" not in response["Location"]


@pytest.mark.parametrize("params", [{"day": "9999-12-31"}, {"move": "\x00"}, {"move": "99999999999999999999"}])
def test_junk_on_the_board_query_string_is_ignored(front_desk_client, ny, params):
    assert front_desk_client.get(URL, {"location": ny.location.pk, **params}).status_code == 200


def test_junk_day_sheet_parameters_fall_back_to_today(front_desk_client, ny):
    url = reverse("scheduling:desk_day_sheet", args=[ny.practitioner.pk])
    assert front_desk_client.get(url, {"location": "x\x00", "day": "0001-01-01"}).status_code == 200
    assert front_desk_client.get(url, {"location": "99999999999999999999999"}).status_code in (200, 404)
