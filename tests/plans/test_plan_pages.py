"""The plan pages as each role sees them: make, accept, book, review; who sees scores and who does not."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from clinic.models import AuditEvent
from plans import booking, services
from plans.models import PlanReview, PlanStatus, TreatmentPlan
from scheduling.models import Appointment
from scheduling.services import appointment_check_in

from .conftest import NOW, checkin, intake, propose


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def active_plan(patient, practitioner, clinic, acute):
    intake(patient, weeks=3, leg=7, back=5, when=NOW - dt.timedelta(days=7))
    plan = propose(patient, practitioner, acute, goals=[{"measure": "leg_pain_average", "baseline": 7, "target": 3}])
    return services.plan_accept(plan=plan, by=patient.user)


def test_the_practitioner_makes_a_plan_from_the_intake(patient, practitioner_client, clinic, acute, chronic):
    intake(patient, weeks=20, leg=8)
    url = reverse("plans:new", kwargs={"patient_pk": patient.pk})
    page = practitioner_client.get(url)
    html = page.content.decode()
    assert "Symptom duration: <strong>chronic</strong>" in html
    assert page.context["form"].initial["template"] == chronic
    assert page.context["form"].initial["goal_leg"] == 5  # 8 - 2 (30% would be 5.6)
    response = practitioner_client.post(
        url, {"template": chronic.pk, "start_date": "2026-03-02", "goal_leg": "4", "goal_function": "30"}
    )
    plan = TreatmentPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("plans:detail", kwargs={"pk": plan.pk})
    assert (plan.planned_sessions, plan.status) == (10, PlanStatus.PROPOSED)
    assert plan.goals[0] == {"measure": "leg_pain_average", "baseline": 8.0, "target": 4}


def test_an_override_without_a_reason_is_shown_next_to_the_field_and_keeps_the_input(
    patient, practitioner_client, clinic, acute
):
    intake(patient, weeks=20)
    url = reverse("plans:new", kwargs={"patient_pk": patient.pk})
    page = practitioner_client.post(url, {"template": acute.pk, "start_date": "2026-03-02", "planned_sessions": "5"})
    assert page.status_code == 200
    assert "intake says chronic" in page.context["form"].errors["acuity_reason"][0]
    assert 'value="5"' in page.content.decode()
    assert not TreatmentPlan.objects.exists()


def test_nul_bytes_and_over_long_reasons_get_a_message_not_a_500(patient, practitioner_client, clinic, acute):
    intake(patient, weeks=3)
    url = reverse("plans:new", kwargs={"patient_pk": patient.pk})
    page = practitioner_client.post(
        url, {"template": acute.pk, "start_date": "2026-03-02", "planned_sessions": "9", "count_reason": "x\x00y"}
    )
    assert page.status_code == 200 and page.context["form"].errors["count_reason"]
    page = practitioner_client.post(
        url, {"template": acute.pk, "start_date": "2026-03-02", "planned_sessions": "9", "count_reason": "x" * 600}
    )
    assert page.status_code == 200 and page.context["form"].errors["count_reason"]


def test_the_patient_sees_the_proposed_plan_and_accepts(patient, practitioner, patient_client, clinic, acute):
    intake(patient, weeks=3)
    plan = propose(patient, practitioner, acute)
    page = patient_client.get(reverse("plans:my_plan", kwargs={"pk": plan.pk}))
    html = page.content.decode()
    assert "2 a week for 2 weeks, then once a week" in html and "What to expect" in html
    response = patient_client.post(reverse("plans:my_plan_accept", kwargs={"pk": plan.pk}))
    assert response["Location"] == reverse("plans:my_plan_book", kwargs={"pk": plan.pk})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE and plan.accepted_by == patient.user


def test_another_patient_cannot_accept_by_post(patient, practitioner, other_patient_client, clinic, acute):
    intake(patient, weeks=3)
    plan = propose(patient, practitioner, acute)
    assert other_patient_client.post(reverse("plans:my_plan_accept", kwargs={"pk": plan.pk})).status_code == 404
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PROPOSED


def test_the_desk_records_acceptance_in_person(
    patient, practitioner, front_desk_client, front_desk_user, clinic, acute
):
    intake(patient, weeks=3)
    plan = propose(patient, practitioner, acute)
    front_desk_client.post(reverse("plans:accept_in_person", kwargs={"pk": plan.pk}))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE and plan.accepted_by == front_desk_user


def test_the_patient_books_the_proposed_times(active_plan, patient_client, clinic):
    url = reverse("plans:my_plan_book", kwargs={"pk": active_plan.pk})
    page = patient_client.get(url, {"location": clinic.location.pk, "first": "2026-03-02T10:00"})
    rows = page.context["rows"]
    assert [r["value"][5:] for r in rows] == ["03-02T10:00", "03-05T10:00", "03-09T10:00", "03-12T10:00"]
    data = {f"session_{r['number']}": r["value"] for r in rows}
    data["location"] = page.context["location"].pk
    data["session_2"] = "2026-03-06T11:00"  # the patient moves one
    response = patient_client.post(url, data)
    assert response.status_code == 302
    times = [a.local_start.strftime("%d %H:%M") for a in Appointment.objects.order_by("start")]
    assert times == ["02 10:00", "06 11:00", "09 10:00", "12 10:00"]
    mine = patient_client.get(reverse("scheduling:my_appointments")).content.decode()
    assert "Session 1 of 4" in mine and "Session 4 of 4" in mine


def test_a_clash_on_the_booking_page_books_nothing_and_offers_times(active_plan, patient_client, clinic):
    url = reverse("plans:my_plan_book", kwargs={"pk": active_plan.pk})
    data = {"location": clinic.location.pk, "session_1": "2026-03-02T10:00", "session_2": "2026-03-05T19:00"}
    page = patient_client.post(url, data)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Session 2 (Thu 05 Mar 19:00)" in html and "Nothing was booked" in html
    assert 'name="use" value="2|' in html
    assert 'value="2026-03-02T10:00"' in html  # what was typed is kept
    assert not Appointment.objects.exists()


def test_the_desk_sees_counts_but_no_scores(active_plan, front_desk_client, patient):
    checkin(patient, when=NOW - dt.timedelta(days=1), leg=3, back=5)
    html = front_desk_client.get(reverse("plans:detail", kwargs={"pk": active_plan.pk})).content.decode()
    assert 'data-testid="progress-count">0 of 4' in html
    assert "plan-chart" not in html and "Leg pain" not in html and "goals" not in html
    assert not AuditEvent.objects.filter(action="view", object_type="plans.treatmentplan").exists()


def test_the_practitioner_sees_the_chart_the_table_and_an_audit_row(active_plan, practitioner_client, patient):
    checkin(patient, when=NOW - dt.timedelta(days=1), leg=4, back=5)
    html = practitioner_client.get(reverse("plans:detail", kwargs={"pk": active_plan.pk})).content.decode()
    assert "<svg" in html and 'data-testid="scores-table"' in html and "★ meaningful" in html
    assert "Leg pain (average) from 7 to 3 or less" in html
    assert AuditEvent.objects.filter(action="view", object_type="plans.treatmentplan", patient_id=patient.pk).exists()


def test_managers_get_no_plan_pages_and_no_plan_admin(active_plan, manager_client):
    assert manager_client.get(reverse("plans:detail", kwargs={"pk": active_plan.pk})).status_code == 403
    assert manager_client.get("/admin/plans/plantemplate/").status_code == 200
    assert manager_client.get("/admin/plans/treatmentplan/").status_code == 404


def _book_and_reach_review(plan, patient, clinic):
    starts = {n: dt.datetime(2026, 3, d, 10, tzinfo=clinic.location.tz) for n, d in ((1, 2), (2, 5), (3, 9), (4, 12))}
    booking.plan_book(plan=plan, location=clinic.location, starts=starts, by=patient.user)


def test_no_improvement_at_the_review_asks_for_a_decision(active_plan, patient, clinic, practitioner_client):
    _book_and_reach_review(active_plan, patient, clinic)
    checkin(patient, when=dt.datetime(2026, 3, 9, 9, tzinfo=dt.UTC), leg=6, back=5)
    with time_machine.travel(dt.datetime(2026, 3, 9, 10, 5, tzinfo=dt.UTC), tick=False):
        appointment_check_in(appointment=Appointment.objects.get(plan_session__number=3))
        url = reverse("plans:detail", kwargs={"pk": active_plan.pk})
        html = practitioner_client.get(url).content.decode()
        assert 'data-testid="review-no-improvement"' in html and "Review at session 3" in html
        bad = practitioner_client.post(reverse("plans:review", kwargs={"pk": active_plan.pk}), {"decision": "continue"})
        assert bad.status_code == 302 and not PlanReview.objects.exists()
        practitioner_client.post(
            reverse("plans:review", kwargs={"pk": active_plan.pk}),
            {"decision": "adjust", "planned_sessions": "6", "reason": "Slow start; two more sessions"},
        )
    review = PlanReview.objects.get()
    assert (review.session_number, review.improved, review.decision) == (3, False, "adjust")
    assert review.scores[0]["measure"] == "leg_pain_average" and review.scores[0]["latest"] == 6
    active_plan.refresh_from_db()
    assert active_plan.planned_sessions == 6
    assert Appointment.objects.get(plan_session__number=1).plan_session.progress_label == "Session 1 of 6"


def test_improvement_at_the_review_offers_continue_in_one_click(active_plan, patient, clinic, practitioner_client):
    _book_and_reach_review(active_plan, patient, clinic)
    checkin(patient, when=dt.datetime(2026, 3, 9, 9, tzinfo=dt.UTC), leg=4, back=5)
    with time_machine.travel(dt.datetime(2026, 3, 9, 10, 5, tzinfo=dt.UTC), tick=False):
        html = practitioner_client.get(reverse("plans:detail", kwargs={"pk": active_plan.pk})).content.decode()
        assert 'data-testid="review-improved"' in html and "Leg pain (average) 7 → 4" in html
        practitioner_client.post(reverse("plans:review", kwargs={"pk": active_plan.pk}), {"decision": "continue"})
    review = PlanReview.objects.get()
    assert review.improved and review.decision == "continue" and review.reason == ""


def test_discharge_at_review_completes_the_plan(active_plan, patient, clinic, practitioner):
    _book_and_reach_review(active_plan, patient, clinic)
    with time_machine.travel(dt.datetime(2026, 3, 9, 10, 5, tzinfo=dt.UTC), tick=False):
        services.plan_review_record(plan=active_plan, by=practitioner.user, decision="discharge", reason="Pain free")
    active_plan.refresh_from_db()
    assert active_plan.status == PlanStatus.COMPLETED


def test_the_practitioner_asks_for_a_check_in_before_the_review(active_plan, practitioner_client, patient):
    from patients.models import QuestionnaireResponse

    practitioner_client.post(reverse("plans:request_checkin", kwargs={"pk": active_plan.pk}))
    asked = QuestionnaireResponse.objects.get(patient=patient, instrument_key="outcome_checkin")
    assert asked.status == "draft"


def test_plan_pages_cost_the_same_whatever_the_number_of_sessions(
    active_plan, patient, clinic, practitioner_client, front_desk_client, django_assert_max_num_queries
):
    _book_and_reach_review(active_plan, patient, clinic)
    for d in range(3):
        checkin(patient, when=NOW + dt.timedelta(days=d), leg=6 - d, back=5)
    with django_assert_max_num_queries(14):
        assert practitioner_client.get(reverse("plans:detail", kwargs={"pk": active_plan.pk})).status_code == 200
    with django_assert_max_num_queries(10):
        assert front_desk_client.get(reverse("plans:detail", kwargs={"pk": active_plan.pk})).status_code == 200
    with django_assert_max_num_queries(6):
        url = reverse("plans:patient_plans", kwargs={"patient_pk": patient.pk})
        assert front_desk_client.get(url).status_code == 200


def test_the_appointment_page_says_which_session_it_is(active_plan, patient, clinic, patient_client):
    _book_and_reach_review(active_plan, patient, clinic)
    appt = Appointment.objects.get(plan_session__number=2)
    html = patient_client.get(reverse("scheduling:appointment_detail", kwargs={"pk": appt.pk})).content.decode()
    assert "Session 2 of 4" in html
