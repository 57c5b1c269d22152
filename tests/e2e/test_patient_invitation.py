"""The front desk invites a patient it created by phone; the patient sets a password from the emailed link, logs in
with a confirmed address and sees their appointment; the desk's record lists it with a Book action."""

from __future__ import annotations

import re

from django.core import mail
from playwright.sync_api import expect

from clinic.models import Role
from tests import factories as f


def test_the_desk_invites_a_phone_patient_who_sets_up_their_account(browser, live_server, page, login):
    desk = f.UserFactory(role=Role.FRONT_DESK, full_name="Dee Desk", email="dee@example.org")
    walter = f.PatientFactory(full_name="Walter Inn", email="walter@example.org")
    f.AppointmentFactory(patient=walter)

    # --- the desk opens the record: appointments with Book, and the invitation --------------------
    login(page, desk.email, f.TEST_PASSWORD)
    page.goto(f"/patients/{walter.pk}/")
    expect(page.get_by_test_id("record-appointments")).to_be_visible()
    expect(page.get_by_test_id("book-for-patient")).to_have_attribute(
        "href", f"/schedule/desk/book/?patient={walter.pk}"
    )
    expect(page.get_by_test_id("online-account")).to_contain_text("no")
    page.get_by_test_id("invite").click()
    expect(page.get_by_text("Invitation sent to walter@example.org.")).to_be_visible()
    expect(page.get_by_test_id("online-account")).to_contain_text("invited")

    # --- the patient opens the link from the email, in their own browser ------------------------------
    [invitation] = [m for m in mail.outbox if m.to == ["walter@example.org"]]
    link = re.search(r"https?://\S+", invitation.body).group(0)
    context = browser.new_context(base_url=live_server.url)
    patient = context.new_page()
    patient.goto(re.sub(r"^https?://[^/]+", "", link))
    patient.locator("input[name=new_password1]").fill("amber-harbour-violin-7")
    patient.locator("input[name=new_password2]").fill("amber-harbour-violin-7")
    patient.get_by_role("button", name="Set my password").click()
    expect(patient.get_by_text("Your password is set.")).to_be_visible()
    login(patient, "walter@example.org", "amber-harbour-violin-7")
    patient.goto("/me/")
    expect(patient.get_by_test_id("home-appointments")).to_be_visible()
    expect(patient.get_by_test_id("email-unverified")).to_have_count(0)
    context.close()
