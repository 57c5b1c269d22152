"""The manager gives a service its own reminders in setup: a bad offset is pointed out, a good one
is saved (and the service then no longer follows the clinic's default)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from clinic.models import ReminderOffset, Role
from tests import factories as f


def test_the_manager_sets_a_services_own_reminders(live_server, page, login):
    manager = f.UserFactory(role=Role.MANAGER, full_name="Mo Manager", email="mo@example.org", is_staff=True)
    service = f.ServiceFactory(name="Re-evaluation")
    login(page, manager.email, f.TEST_PASSWORD)
    page.goto(f"/admin/clinic/service/{service.pk}/change/")
    page.get_by_text(re.compile("Add another reminder for this service", re.I)).click()
    page.locator('input[name="reminder_offsets-0-amount"]').fill("3")
    page.locator('select[name="reminder_offsets-0-unit"]').select_option("minutes")
    page.locator('select[name="reminder_offsets-0-channel"]').select_option("sms")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("A reminder must be at least 5 minutes before the appointment.")).to_be_visible()
    assert not ReminderOffset.objects.filter(service=service).exists()

    page.locator('input[name="reminder_offsets-0-amount"]').fill("90")  # the rest of the row is kept
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()
    assert list(ReminderOffset.objects.filter(service=service).values_list("minutes_before", "channel")) == [
        (90, "sms")
    ]
