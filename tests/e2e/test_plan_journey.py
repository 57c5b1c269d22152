"""A treatment plan in a real browser: the practitioner makes it from the intake, the patient accepts it and books
the whole series, and the schedule shows "Session 1 of 4". Real clock: the test uses whatever times are proposed."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from plans.models import PlanTemplate, TreatmentPlan
from scheduling.models import Appointment
from tests import factories as f


def _intake(patient) -> None:
    """A submitted intake: symptoms for three weeks (acute), leg pain 7 on average."""
    from patients.questionnaire import get_definition
    from patients.scoring import score

    now = timezone.now()
    answers = {"onset_date": (now - dt.timedelta(weeks=3)).date().isoformat(), "leg_pain_average": 7}
    f.QuestionnaireResponseFactory(
        patient=patient,
        instrument_key="sciatica_intake",
        context="intake",
        answers=answers,
        scores=score(get_definition("sciatica_intake", 1), answers, {"today": now.date()}),
    )
    f.QuestionnaireResponseFactory(patient=patient, context="intake")


def test_practitioner_plans_patient_accepts_and_books_the_series(browser, page, live_server, login):
    f.policy(min_notice_hours=0, max_advance_days=90)
    clinic = f.bookable_setup(tz="Europe/London", rooms=2)
    PlanTemplate.objects.update(follow_up_service=clinic.service)
    patient = f.PatientUserFactory(full_name="Sam Sciatica", email="sam@example.org")
    _intake(patient)

    # --- the practitioner makes the plan from the intake -----------------------------------------
    staff = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    prac = staff.new_page()
    login(prac, clinic.practitioner.user.email, f.TEST_PASSWORD)
    prac.goto(f"/patients/{patient.pk}/chart/")
    prac.get_by_test_id("plans-link").click()
    prac.get_by_role("link", name="New plan from the intake").click()
    expect(prac.get_by_test_id("intake-acuity")).to_contain_text("acute")
    expect(prac.get_by_label("Sciatica - acute")).to_be_checked()
    prac.get_by_role("button", name="Propose the plan").click()
    expect(prac.get_by_text("Plan proposed.")).to_be_visible()
    expect(prac.get_by_test_id("plan-status")).to_have_text("Proposed")
    plan = TreatmentPlan.objects.get(patient=patient)
    assert plan.planned_sessions == 4 and plan.goals[0]["measure"] == "leg_pain_average"

    # --- the patient accepts it in the portal and books all four sessions -------------------------
    login(page, "sam@example.org", f.TEST_PASSWORD)
    page.get_by_role("navigation").get_by_role("link", name="My plan").click()
    expect(page.get_by_text("What to expect")).to_be_visible()
    page.get_by_test_id("accept-plan").click()
    expect(page.get_by_text("your plan is accepted")).to_be_visible()
    proposals = page.get_by_test_id("proposals")
    expect(proposals.locator("input[type=datetime-local]")).to_have_count(4)
    values = proposals.locator("input[type=datetime-local]").evaluate_all("els => els.map(e => e.value)")
    assert all(values) and len({v[:10] for v in values}) == 4  # four different days
    page.get_by_test_id("book-all").click()
    expect(page.get_by_text("Booked 4 sessions.")).to_be_visible()
    expect(page.get_by_test_id("unbooked")).to_have_count(0)

    appts = list(Appointment.objects.filter(patient=patient).order_by("start"))
    assert [a.plan_session.number for a in appts] == [1, 2, 3, 4]
    assert [a.local_start.strftime("%Y-%m-%dT%H:%M") for a in appts] == values

    # --- the schedule shows "Session 1 of 4" on the first session's day -------------------------
    first_day = appts[0].local_start.date().isoformat()
    prac.goto(f"/schedule/?day={first_day}&practitioner={clinic.practitioner.pk}")
    item = prac.locator(f'[data-appointment="{appts[0].pk}"]').first
    expect(item.get_by_test_id("plan-progress")).to_have_text("Session 1 of 4")
    staff.close()

    f.QuestionnaireResponseFactory(
        patient=patient,
        instrument_key="outcome_checkin",
        context="checkin",
        answers={"leg_pain_average": 4, "back_pain_average": 3},
        scores={"leg_pain_average": {"value": 4, "status": "ok"}, "back_pain_average": {"value": 3, "status": "ok"}},
    )
    # --- after a check-in, the patient's plan shows the scores with the meaningful-change marker ----
    page.goto(f"/practice/my-plans/{plan.pk}/")
    expect(page.get_by_test_id("plan-chart").locator("svg[role=img]")).to_be_visible()
    expect(page.get_by_test_id("scores-table").get_by_test_id("meaningful")).to_have_count(1)
