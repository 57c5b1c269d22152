"""A visit in a real browser: from My day the practitioner opens the note, finds points by typing, is refused
electroacupuncture for a patient with a pacemaker, records an adverse event and advice, and signs; the patient
then reads the advice and sees the visit's pain score on the plan page."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from plans.models import PlanSession, PlanTemplate, TreatmentPlan, VisitRecord
from tests import factories as f


def test_practitioner_records_and_signs_a_visit_the_patient_sees_the_advice(browser, page, live_server, login):
    clinic = f.bookable_setup(tz="Europe/London", rooms=2)
    patient = f.PatientUserFactory(full_name="Percy Pacemaker", email="percy@example.org")
    f.SafetyFlagFactory(
        patient=patient, category="precaution", code="implant", label="Pacemaker or implanted device", patient_label=""
    )
    start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=5)
    appt = f.AppointmentFactory(
        patient=patient,
        practitioner=clinic.practitioner,
        service=clinic.service,
        location=clinic.location,
        room=clinic.rooms[0],
        start=start,
        status="checked_in",
    )
    plan = TreatmentPlan.objects.create(
        patient=patient,
        practitioner=clinic.practitioner,
        template=PlanTemplate.objects.get(name="Sciatica - acute"),
        acuity="acute",
        start_date=start.date(),
        planned_sessions=4,
        cadence=[2],
        status="active",
        created_by=clinic.practitioner.user,
    )
    PlanSession.objects.create(plan=plan, number=1, appointment=appt, of_total=4)

    # --- the practitioner, from My day ------------------------------------------------------------
    staff = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    prac = staff.new_page()
    login(prac, clinic.practitioner.user.email, f.TEST_PASSWORD)
    day = appt.start.astimezone(clinic.location.tz).date().isoformat()
    prac.goto(f"/practice/day/?day={day}")
    prac.locator(f'[data-appointment="{appt.pk}"]').get_by_test_id("start-visit").click()
    expect(prac.get_by_role("heading", name="Visit note · Percy Pacemaker")).to_be_visible()

    prac.get_by_label("Patient's report").fill("Leg pain eased after the last session.")
    prac.get_by_label("Leg pain before").fill("7")
    prac.get_by_label("Find a point").fill("weizhong")
    prac.get_by_test_id("point-suggestions").get_by_role("button", name="BL40").click()
    points = prac.get_by_label("Points")
    expect(points).to_have_value("BL40 B")
    points.fill(points.input_value() + ", GB30 L")
    prac.get_by_label("Electroacupuncture", exact=True).check()
    # The safety panel answers as soon as the box is ticked, before anything is saved.
    expect(prac.get_by_test_id("safety")).to_contain_text("Electroacupuncture refused")
    prac.get_by_label("Frequency (Hz)").fill("2")
    prac.get_by_test_id("save-visit").click()
    expect(prac.get_by_test_id("safety")).to_contain_text("Electroacupuncture refused: the patient has a pacemaker")
    expect(prac.get_by_label("Patient's report")).to_have_value("Leg pain eased after the last session.")

    prac.get_by_label("Electroacupuncture", exact=True).uncheck()
    prac.get_by_label("Frequency (Hz)").fill("")
    prac.get_by_label("Manual stimulation").check()
    prac.locator("#id_ae-type").select_option("bruising")
    prac.locator("#id_ae-severity").select_option("mild")
    prac.get_by_label("Action taken").fill("Pressure for one minute")
    prac.get_by_label("Patient was told").check()
    prac.get_by_label("Leg pain after").fill("4")
    prac.get_by_label("Advice: movement and exercise").fill("Walk for 20 minutes every day.")
    prac.get_by_label("Internal notes").fill("Consider GB34 next time.")
    prac.get_by_test_id("save-sign-visit").click()

    expect(prac.get_by_text("Visit note saved and signed.")).to_be_visible()
    expect(prac.get_by_test_id("sign-state")).to_contain_text("hash verifies")
    expect(prac.get_by_test_id("visit-points")).to_have_text("BL40 B, GB30 L")
    visit = VisitRecord.objects.get(appointment=appt)
    assert visit.is_signed and not visit.electro
    assert list(visit.adverse_events.values_list("type", "patient_told")) == [("bruising", True)]
    appt.refresh_from_db()
    assert appt.status == "completed"
    staff.close()

    # --- the patient reads the advice and sees the score on the plan page ---------------------------
    login(page, "percy@example.org", f.TEST_PASSWORD)
    page.goto(f"/practice/my-plans/{plan.pk}/")
    expect(page.get_by_test_id("visit-advice")).to_contain_text("Walk for 20 minutes every day.")
    expect(page.get_by_test_id("visit-advice")).to_contain_text("leg 7 → 4 after")
    expect(page.get_by_text("Consider GB34")).to_have_count(0)
    expect(page.get_by_test_id("scores-table")).to_contain_text("Leg pain at visits")
