"""A manager opens a report from the clinic page, filters it, sees its definition and chart, and downloads the CSV."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from tests import factories as f


def test_manager_opens_the_attendance_report_and_downloads_its_csv(page, login, manager_user):
    setup = f.bookable_setup(tz="Europe/London")
    yesterday = (timezone.now() - dt.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    for i, status in enumerate(("completed", "completed", "completed", "no_show")):
        f.AppointmentFactory(
            start=yesterday + dt.timedelta(hours=i),
            location=setup.location,
            room=setup.rooms[0],
            service=setup.service,
            practitioner=setup.practitioner,
            status=status,
        )

    login(page, manager_user.email, f.TEST_PASSWORD)
    page.get_by_test_id("reports-link").click()
    page.get_by_role("link", name="No-shows and late cancellations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("No-shows and late cancellations")
    expect(page.get_by_test_id("report-definition")).to_contain_text("The denominator is every appointment")
    expect(page.locator("svg.report-chart")).to_be_visible()
    expect(page.get_by_role("row", name="No-shows 1 25.0")).to_be_visible()

    # A start after the end gets its message by the field, and the figures are not shown.
    page.get_by_label("From").fill("2030-01-02")
    page.get_by_label("To (inclusive)").fill("2030-01-01")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#id_end_error")).to_have_text("The end date must be on or after the start date.")

    page.go_back()
    with page.expect_download() as download_info:
        page.get_by_test_id("report-csv").click()
    download = download_info.value
    assert download.suggested_filename.startswith("attendance-") and download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8")
    assert "No-shows,1,25.0" in text
