"""The front desk runs a morning from the board: books a caller from an empty cell, checks a
patient in and marks a no-show, in place (htmx), with no page reload for the actions; moves a visit
by dragging it onto a free cell (a time taken meanwhile gets the reschedule page's clear message)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from clinic.models import Role, ServiceKind
from scheduling.models import Appointment, AppointmentStatus
from tests import factories as f

LONDON = ZoneInfo("Europe/London")


def _at(local: dt.datetime) -> dt.datetime:
    return local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)


def test_the_desk_books_from_an_empty_cell_checks_in_and_marks_a_no_show(page, login):
    now = dt.datetime.now(LONDON)
    if not 3 <= now.hour <= 20:
        pytest.skip("needs free time before and after now on today's London board")
    f.policy(min_notice_hours=0, max_advance_days=60, cancellation_window_hours=24)
    clinic = f.bookable_setup(
        tz="Europe/London", rooms=2, start=dt.time(0, 0), end=dt.time(23, 45), kind=ServiceKind.INITIAL
    )
    f.UserFactory(role=Role.FRONT_DESK, email="desk@example.org", full_name="Dee Desk")
    caller = f.PatientFactory(full_name="Dana Caller", phone="07700 900111")
    arriving = f.AppointmentFactory(
        start=_at(now) + dt.timedelta(hours=1),
        location=clinic.location,
        service=clinic.service,
        practitioner=clinic.practitioner,
        room=clinic.rooms[0],
        patient=f.PatientFactory(full_name="Ivy Arriving"),
    )
    missing = f.AppointmentFactory(
        start=_at(now) - dt.timedelta(hours=2),
        location=clinic.location,
        service=clinic.service,
        practitioner=clinic.practitioner,
        room=clinic.rooms[1],
        patient=f.PatientFactory(full_name="Ned Absent"),
    )
    login(page, "desk@example.org", f.TEST_PASSWORD)

    # The board for today: a free cell three hours from now books that practitioner at that time.
    page.goto(f"/schedule/?location={clinic.location.pk}")
    wanted = _at(now) + dt.timedelta(hours=3)
    cell = page.locator(f'[data-testid="empty-cell"][data-time="{wanted:%H:%M}"]')
    cell.get_by_role("link").click()
    page.locator("#id_q").fill("Dana")
    page.locator("#id_q").press("Enter")
    page.get_by_test_id("results").get_by_role("link", name=re.compile("Dana Caller")).click()
    expect(page.get_by_test_id("chosen-start")).to_be_visible()
    page.locator("#id_service").select_option(str(clinic.service.pk))
    page.get_by_role("button", name="Show free times").click()
    expect(page.get_by_test_id("with")).to_contain_text(clinic.practitioner.user.full_name)
    expect(page.get_by_test_id("when")).to_contain_text(f"{wanted:%H:%M}")
    page.get_by_role("button", name="Confirm booking").click()
    booked = Appointment.objects.get(patient=caller)
    assert booked.start == wanted and booked.practitioner == clinic.practitioner

    # Back on the board: check Ivy in and mark Ned a no-show, each block updating in place.
    page.goto(f"/schedule/?location={clinic.location.pk}")
    expect(page.locator(f"#appt-{booked.pk}")).to_contain_text("Dana Caller")
    page.locator(f"#appt-{arriving.pk}").get_by_test_id("check-in").click()
    expect(page.locator(f"#appt-{arriving.pk}").get_by_test_id("block-ok")).to_contain_text(
        "Ivy Arriving is checked in"
    )
    expect(page.locator(f"#appt-{arriving.pk}").get_by_test_id("status")).to_have_text("Checked in")
    page.locator(f"#appt-{missing.pk}").get_by_test_id("no-show").click()
    expect(page.locator(f"#appt-{missing.pk}").get_by_test_id("status")).to_have_text("No-show")

    arriving.refresh_from_db()
    missing.refresh_from_db()
    assert arriving.status == AppointmentStatus.CHECKED_IN
    assert missing.status == AppointmentStatus.NO_SHOW


def test_the_desk_drags_a_visit_to_a_free_time_and_a_taken_time_is_explained(page, login):
    now = dt.datetime.now(LONDON)
    if not 3 <= now.hour <= 18:
        pytest.skip("needs free time later today on the London board")
    f.policy(min_notice_hours=0, max_advance_days=60, cancellation_window_hours=0)
    clinic = f.bookable_setup(tz="Europe/London", rooms=1, start=dt.time(0, 0), end=dt.time(23, 45))
    f.UserFactory(role=Role.FRONT_DESK, email="desk@example.org", full_name="Dee Desk")
    visit = f.AppointmentFactory(
        start=_at(now) + dt.timedelta(hours=1),
        location=clinic.location,
        service=clinic.service,
        practitioner=clinic.practitioner,
        room=clinic.rooms[0],
        patient=f.PatientFactory(full_name="Mo Mover"),
    )
    taken_at = _at(now) + dt.timedelta(hours=3)
    free_at = _at(now) + dt.timedelta(hours=4)
    login(page, "desk@example.org", f.TEST_PASSWORD)
    board = f"/schedule/?location={clinic.location.pk}"
    # Tall enough that source and target are on screen together: an HTML5 drag does not scroll the page, so a
    # target below the fold (later in the day) would never get the drop.
    page.set_viewport_size({"width": 1280, "height": 2400})
    page.goto(board)

    # Another desk books the first target while this page is open: the drop then gets the clear message.
    f.AppointmentFactory(
        start=taken_at,
        location=clinic.location,
        service=clinic.service,
        practitioner=clinic.practitioner,
        room=clinic.rooms[0],
        patient=f.PatientFactory(full_name="Quick Quinn"),
    )
    page.locator(f"#appt-{visit.pk}").drag_to(page.locator(f'[data-testid="empty-cell"][data-time="{taken_at:%H:%M}"]'))
    dialog = page.get_by_test_id("drag-move")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"Move Mo Mover to {taken_at:%H:%M}")
    dialog.get_by_label("Reason").fill("Patient asked")
    dialog.get_by_test_id("drag-move-submit").click()
    expect(page.get_by_test_id("error")).to_contain_text("The appointment is unchanged")
    visit.refresh_from_db()
    assert visit.start == _at(now) + dt.timedelta(hours=1)

    page.goto(board)
    page.locator(f"#appt-{visit.pk}").drag_to(page.locator(f'[data-testid="empty-cell"][data-time="{free_at:%H:%M}"]'))
    dialog.get_by_label("Reason").fill("Patient asked")
    dialog.get_by_test_id("drag-move-submit").click()
    expect(page.locator(".alert-success")).to_contain_text("Moved Mo Mover's appointment")
    visit.refresh_from_db()
    assert visit.start == free_at
