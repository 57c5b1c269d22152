"""Booking journeys in a real browser: a patient books, moves and cancels; the desk books for a new caller.

Real clicks through the real pages (htmx on), against the live server on the real clock: the tests pick
whatever days and times the pages offer, then check the database agrees with what the pages said.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from clinic.models import Role, ServiceKind
from patients.models import Patient
from scheduling.models import Appointment, AppointmentChange
from tests import factories as f


def _clinic():
    """One London clinic with two rooms; a practitioner working 09:00–17:00 every day; no minimum notice."""
    f.policy(min_notice_hours=0, max_advance_days=60, cancellation_window_hours=24)
    setup = f.bookable_setup(tz="Europe/London", rooms=2)
    initial = f.ServiceFactory(
        name="Initial consultation",
        kind=ServiceKind.INITIAL,
        duration_minutes=75,
        buffer_minutes=15,
        description="History, examination and a first treatment.",
    )
    setup.practitioner.services.add(initial)
    setup.initial = initial
    return setup


def test_a_patient_books_an_initial_consultation_then_moves_it_then_cancels_it(page, login):
    clinic = _clinic()
    patient = f.PatientUserFactory(full_name="Bea Booker", email="bea@example.org")
    login(page, "bea@example.org", f.TEST_PASSWORD)

    # Book: service → (the only clinic is chosen for us) → day → time → confirm.
    page.get_by_role("navigation").get_by_role("link", name="Book").click()
    expect(page.get_by_role("heading", name="Book an appointment")).to_be_visible()
    expect(page.get_by_test_id("service-refused")).to_contain_text("New patients start with an initial consultation")
    page.get_by_role("radio", name=re.compile(r"Initial consultation · 75 min")).check()
    # The second day offered (the first is already showing): htmx swaps in its times.
    day = page.get_by_test_id("days").get_by_role("link").nth(1)
    booked_day = day.get_attribute("data-day")
    day.click()
    expect(page.locator(f'[data-testid=days] [data-day="{booked_day}"]')).to_have_class(re.compile(r"\bbtn-success\b"))
    first_time = page.get_by_test_id("times").get_by_role("link").first
    chosen = first_time.get_attribute("data-start")
    first_time.click()
    expect(page.get_by_role("heading", name="Confirm your booking")).to_be_visible()
    expect(page.get_by_test_id("when")).to_contain_text("(local time at the clinic)")
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.get_by_text("You're booked.")).to_be_visible()
    expect(page.get_by_test_id("status")).to_have_text("Booked")
    appt = Appointment.objects.get(patient=patient)
    assert appt.service == clinic.initial and appt.start.isoformat() == chosen
    assert appt.start.astimezone(clinic.location.tz).date().isoformat() == booked_day
    when_booked = page.get_by_test_id("when").inner_text()

    # Move it to a time on another day.
    page.get_by_role("link", name="Move to another time").click()
    expect(page.get_by_role("heading", name="Move your appointment")).to_be_visible()
    other_day = page.get_by_test_id("days").get_by_role("link").nth(2)
    new_day = other_day.get_attribute("data-day")
    assert new_day != booked_day
    other_day.click()
    expect(page.locator(f'[data-testid=days] [data-day="{new_day}"]')).to_have_class(re.compile(r"\bbtn-success\b"))
    new_time = page.get_by_test_id("times").get_by_role("button").first
    new_start = new_time.get_attribute("data-start")
    new_time.click()

    expect(page.get_by_text("Your appointment has been moved.")).to_be_visible()
    expect(page.get_by_test_id("when")).not_to_have_text(when_booked)
    appt.refresh_from_db()
    assert appt.start.isoformat() == new_start
    assert appt.start.astimezone(clinic.location.tz).date().isoformat() == new_day
    assert AppointmentChange.objects.filter(appointment=appt).count() == 1

    # Cancel it.
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", name="Cancel this appointment?")).to_be_visible()
    page.get_by_label("Reason (optional)").fill("Feeling better")
    page.get_by_role("button", name="Yes, cancel it").click()

    expect(page.get_by_text("Your appointment is cancelled.")).to_be_visible()
    expect(page.get_by_test_id("no-upcoming")).to_be_visible()
    expect(page.get_by_test_id("past")).to_contain_text("Cancelled")
    appt.refresh_from_db()
    assert appt.status == "cancelled" and appt.cancellation_reason == "Feeling better"


def test_the_front_desk_books_for_a_caller_who_is_not_yet_a_patient(page, login):
    clinic = _clinic()
    desk = f.UserFactory(role=Role.FRONT_DESK, full_name="Dee Desk", email="dee@example.org")
    login(page, "dee@example.org", f.TEST_PASSWORD)

    # The caller is not on file.
    page.get_by_role("navigation").get_by_role("link", name="Book for a caller").click()
    page.get_by_role("searchbox", name="Find the caller").fill("Nora Newcomer")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("no-results")).to_be_visible()

    # Create her record on the spot.
    page.get_by_label("Full name").fill("Nora Newcomer")
    page.get_by_label("Phone").fill("07700 900456")
    page.get_by_label("Date of birth").fill("1985-06-01")
    page.get_by_role("button", name="Create and continue").click()
    expect(page.get_by_text("Record created for Nora Newcomer.")).to_be_visible()
    expect(page.get_by_test_id("caller")).to_contain_text("Nora Newcomer")
    expect(page.get_by_test_id("caller").get_by_test_id("intake-status")).to_have_text("Intake missing")

    # Choose the service, a day and a time.
    page.get_by_label("Service").select_option(label="Initial consultation (75 min)")
    page.get_by_role("button", name="Show free times").click()
    page.get_by_test_id("days").get_by_role("link").first.click()
    time_link = page.get_by_test_id("times").get_by_role("link").first
    chosen = time_link.get_attribute("data-start")
    time_link.click()

    # Confirm with a room and a note.
    expect(page.get_by_role("heading", name="Confirm the booking")).to_be_visible()
    expect(page.get_by_test_id("with")).to_contain_text(clinic.practitioner.user.full_name)
    page.get_by_label("Room").select_option(label=clinic.rooms[1].name)
    page.get_by_label("Notes for the front desk (optional)").fill("Prefers afternoon calls")
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.get_by_text(re.compile(r"Booked Nora Newcomer: Initial consultation"))).to_be_visible()
    expect(page.get_by_test_id("history")).to_contain_text("Booked")
    nora = Patient.objects.get(full_name="Nora Newcomer")
    assert nora.user is None and nora.created_by == desk and nora.phone == "+447700900456"
    appt = Appointment.objects.get(patient=nora)
    assert appt.start.isoformat() == chosen and appt.room == clinic.rooms[1]
    assert appt.booked_by == desk and appt.front_desk_notes == "Prefers afternoon calls"

    # She is on the schedule for that day.
    page.get_by_role("link", name=re.compile(r"^Schedule ")).click()
    expect(page.get_by_test_id("lanes").get_by_role("link", name="Nora Newcomer")).to_be_visible()
