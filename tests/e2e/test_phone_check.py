"""The front desk corrects a phone number the E.164 migration could not read."""

from __future__ import annotations

from playwright.sync_api import expect

from clinic.models import Role
from patients.models import Patient
from tests import factories as f


def test_the_desk_finds_and_corrects_a_number_kept_as_typed(live_server, page, login):
    f.LocationFactory(name="Islington", timezone="Europe/London")
    desk = f.UserFactory(role=Role.FRONT_DESK, full_name="Dee Desk", email="dee@example.org")
    odd = f.PatientFactory(full_name="Olive Odd", email="olive@example.org")
    Patient.objects.filter(pk=odd.pk).update(phone="ring the shop", phone_to_check=True)

    login(page, desk.email, f.TEST_PASSWORD)
    page.goto("/patients/")
    page.get_by_test_id("phones-to-check").click()
    expect(page.get_by_test_id("patient-list")).to_contain_text("ring the shop")
    page.get_by_role("link", name="Olive Odd").click()
    expect(page.get_by_test_id("phone-to-check")).to_be_visible()

    page.get_by_role("link", name="correct it").click()
    page.get_by_label("Mobile phone").fill("07700 900777")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Details saved.")).to_be_visible()
    expect(page.get_by_text("+44 7700 900777")).to_be_visible()
    expect(page.get_by_test_id("phone-to-check")).to_have_count(0)
    odd.refresh_from_db()
    assert (odd.phone, odd.phone_to_check) == ("+447700900777", False)
