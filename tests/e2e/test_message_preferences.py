"""A patient switches appointment reminder emails off on My details: the page says which messages
always come, the choice is saved and shown again, and the record keeps when and how."""

from __future__ import annotations

from playwright.sync_api import expect

from patients.models import MessageConsentChange, Patient
from tests import factories as f


def test_a_patient_turns_reminder_emails_off(page, login):
    patient = f.PatientUserFactory(full_name="Rhea Minder", email="rhea@example.org")
    login(page, "rhea@example.org", f.TEST_PASSWORD)
    page.goto("/me/details/")
    expect(page.get_by_test_id("essential-note")).to_contain_text("always go to your email address")
    reminders = page.get_by_label("Appointment reminders by email")
    expect(reminders).to_be_checked()
    reminders.uncheck()
    page.get_by_test_id("save-preferences").click()
    expect(page.get_by_text("Your message preferences are saved.")).to_be_visible()
    expect(page.get_by_label("Appointment reminders by email")).not_to_be_checked()
    expect(page.get_by_label("Waitlist offers by email")).to_be_checked()

    assert Patient.objects.get(pk=patient.pk).message_opt_outs == ["reminders:email"]
    change = MessageConsentChange.objects.get(patient=patient)
    assert (change.group, change.channel, change.allowed, change.source) == (
        "reminders",
        "email",
        False,
        "patient_page",
    )
