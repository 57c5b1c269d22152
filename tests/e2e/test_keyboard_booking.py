"""A patient books an appointment with the keyboard alone: Tab, Enter, Space and the arrow keys, never the mouse.

It also checks what a keyboard or screen-reader user relies on while htmx replaces parts of the page: focus stays
on the control they used (the service radio, the chosen day), the chosen day is marked with aria-current, and the
new times are announced in the page's live region.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from clinic.models import ServiceKind
from scheduling.models import Appointment
from tests import factories as f

MAX_TABS = 60


def tab_to(page, target) -> None:
    """Press Tab until `target` has the focus, as a keyboard user would; fail if it never gets there."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{MAX_TABS} presses of Tab never reached {target}")


def settled(page) -> None:
    """Wait until htmx has no request in flight (its class leaves the element that asked)."""
    expect(page.locator(".htmx-request")).to_have_count(0)


def test_a_patient_books_an_appointment_with_the_keyboard_only(page, login):
    f.policy(min_notice_hours=0, max_advance_days=60, cancellation_window_hours=24)
    clinic = f.bookable_setup(tz="Europe/London", rooms=2)
    initial = f.ServiceFactory(name="Initial consultation", kind=ServiceKind.INITIAL, duration_minutes=60)
    clinic.practitioner.services.add(initial)
    patient = f.PatientUserFactory(full_name="Kim Keys", email="kim@example.org")
    login(page, "kim@example.org", f.TEST_PASSWORD)  # set-up: the journey under test starts on the home page

    # The menu: the first Tab reaches the skip link, later ones the links; Enter on "Book".
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    tab_to(page, page.get_by_role("navigation").get_by_role("link", name="Book", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Book an appointment")).to_be_visible()

    # Skip the menu: Enter on the skip link puts the focus on the main content, so the next Tab is in the form.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # The services are a radio group: Tab into it, Space picks, arrows move (each choice reloads the form by htmx,
    # and the focus stays on the radio the patient is on).
    radios = page.get_by_role("radio")
    page.keyboard.press("Tab")
    expect(radios.first).to_be_focused()
    first_id = radios.first.get_attribute("id")
    page.keyboard.press("Space")
    settled(page)
    page.keyboard.press("ArrowDown")
    settled(page)
    expect(page.locator(f"input[name=service]:not(#{first_id})")).to_be_focused()
    page.keyboard.press("ArrowUp")
    settled(page)
    expect(page.locator(f"#{first_id}")).to_be_focused()
    wanted = page.get_by_role("radio", name=re.compile(r"Initial consultation"))
    if not wanted.evaluate("el => el === document.activeElement"):
        page.keyboard.press("ArrowDown")
        settled(page)
    expect(wanted).to_be_focused()
    expect(wanted).to_be_checked()

    # Days: Tab to the second day offered, Enter. htmx swaps the times in; focus stays on that day, which is now
    # marked as the current one, and the live region reads out the new times.
    days = page.get_by_test_id("days").get_by_role("link")
    expect(days.first).to_have_attribute("aria-current", "true")
    day = days.nth(1)
    chosen_day = day.get_attribute("data-day")
    tab_to(page, day)
    page.keyboard.press("Enter")
    settled(page)
    day = page.locator(f'[data-testid=days] [data-day="{chosen_day}"]')
    expect(day).to_have_attribute("aria-current", "true")
    expect(day).to_be_focused()
    expect(page.locator("[data-testid=days] [aria-current]")).to_have_count(1)
    expect(page.locator("#live-status")).to_have_text(re.compile(r"^\w+day \d+ \w+: \d+ free times?\.$"))

    # A time: Tab to the first one, Enter opens the confirmation page.
    first_time = page.get_by_test_id("times").get_by_role("link").first
    chosen_start = first_time.get_attribute("data-start")
    tab_to(page, first_time)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Confirm your booking")).to_be_visible()

    # Confirm with Space on the button.
    tab_to(page, page.get_by_role("button", name="Confirm booking"))
    page.keyboard.press("Space")
    expect(page.get_by_text("You're booked.")).to_be_visible()

    appt = Appointment.objects.get(patient=patient)
    assert appt.service == initial
    assert appt.start.isoformat() == chosen_start
    assert appt.start.astimezone(clinic.location.tz).date().isoformat() == chosen_day
