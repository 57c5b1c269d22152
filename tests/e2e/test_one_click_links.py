"""A patient opens the confirm link from a sent reminder, without logging in, and confirms."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from scheduling import dispatch, services
from scheduling.models import Appointment
from tests import factories as f


def test_a_patient_confirms_from_the_reminder_email_without_logging_in(live_server, page):
    f.policy(min_notice_hours=0, max_advance_days=60, cancellation_window_hours=24)
    clinic = f.bookable_setup(tz="Europe/London")
    patient = f.PatientFactory(full_name="Rita Minder", email="rita@example.org")
    day = (timezone.now() + dt.timedelta(days=4)).astimezone(ZoneInfo("Europe/London")).date()
    start = dt.datetime.combine(day, dt.time(10, 0), tzinfo=ZoneInfo("Europe/London"))
    appt = services.appointment_book(
        patient=patient, service=clinic.service, practitioner=clinic.practitioner, location=clinic.location, start=start
    )
    dispatch.outbox_dispatch(now=appt.start - dt.timedelta(hours=48) + dt.timedelta(minutes=1))
    (reminder,) = [m for m in mail.outbox if m.subject.startswith("Reminder:")]
    html = reminder.alternatives[0][0]
    path = re.search(r'href="https?://[^/"]+(/schedule/l/confirm/[^"]+)"', html)[1]

    page.goto(path)
    expect(page.get_by_role("heading", name="Will you come to this appointment?")).to_be_visible()
    expect(page.get_by_test_id("when")).to_contain_text("10:00 G")  # GMT or BST, the clinic's zone
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)  # nobody is logged in
    page.get_by_role("button", name="Yes, I will come").click()

    expect(page.get_by_test_id("confirmed")).to_contain_text("You have confirmed")
    appt = Appointment.objects.get(pk=appt.pk)
    assert appt.attendance_confirmed_via == "link" and appt.attendance_confirmed_at is not None
