"""Red flags, end to end: the advice at once, the flagged chart, the booking hold, the review."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from clinic.models import ServiceKind
from patients.models import SafetyFlag
from patients.queries import patient_treatment_booking_hold
from scheduling.services import patient_may_self_book
from tests import factories as f

pytestmark = pytest.mark.django_db


def chart_url(patient):
    return reverse("patients:chart", kwargs={"pk": patient.pk})


def review(client, patient, decision, note="Phoned the patient; see note."):
    return client.post(reverse("patients:review", kwargs={"pk": patient.pk}), {"decision": decision, "note": note})


def test_saddle_numbness_sends_the_patient_to_the_emergency_department_at_once(walker, patient, patient_client):
    walker.through("where")

    response = walker.post("warning-signs", ce_saddle="yes")
    advice = patient_client.get(response["Location"]).content.decode()

    assert response["Location"] == reverse("patients:intake_advice")
    assert "Please go to an emergency department today" in advice
    assert "numbness around the back passage, genitals or inner thighs" in advice
    assert "What to tell them" in advice
    # The clinic has locations in London and New York: each patient needs their own number.
    assert "999 in the UK" in advice and "911 in the US" in advice
    assert SafetyFlag.objects.get(patient=patient).category == "cauda_equina"


def test_another_red_flag_asks_the_patient_to_see_a_doctor_first(walker, patient_client):
    walker.through("where")

    response = walker.post("warning-signs", rf_night_pain="yes", rf_weight_loss="yes")
    advice = patient_client.get(response["Location"]).content.decode()

    assert "Please see a doctor before you start acupuncture" in advice
    assert "emergency department today" not in advice
    assert "weight loss without trying" in advice and "pain all night" in advice


def test_the_flag_holds_online_booking_until_a_practitioner_clears_it(walker, patient, practitioner_client):
    service = f.ServiceFactory(kind=ServiceKind.INITIAL, name="Initial consultation")
    walker.through("where")
    assert patient_treatment_booking_hold(patient) is None

    walker.post("warning-signs", ce_bladder="yes")
    held = patient_treatment_booking_hold(patient)
    decision = patient_may_self_book(patient, service)
    chart = practitioner_client.get(chart_url(patient)).content.decode()
    review(practitioner_client, patient, "clear", note="Spoke to the patient: long-standing, checked by GP last week.")

    assert held and "review" in held
    assert not decision.allowed and decision.reason == held
    assert 'data-testid="alert-cauda-equina"' in chart and "Urinary hesitancy or weaker stream" in chart
    assert patient_treatment_booking_hold(patient) is None
    assert patient_may_self_book(patient, service).allowed


def test_refer_keeps_the_hold_until_a_later_clear(walker, patient, practitioner_client):
    walker.through("where")
    walker.post("warning-signs", rf_cancer="yes")

    review(practitioner_client, patient, "refer", note="Asked the patient to see their GP first.")
    after_refer = patient_treatment_booking_hold(patient)
    chart = practitioner_client.get(chart_url(patient)).content.decode()
    review(practitioner_client, patient, "clear", note="GP letter received: fine to treat.")

    assert after_refer and "doctor" in after_refer
    assert 'data-testid="alert-referred"' in chart and "Asked the patient to see their GP first." in chart
    assert patient_treatment_booking_hold(patient) is None


def test_a_review_needs_a_note(walker, patient, practitioner_client):
    walker.through("where")
    walker.post("warning-signs", rf_trauma="yes")

    response = review(practitioner_client, patient, "clear", note="   ")

    assert response.status_code == 200
    assert "Please add a note saying what you decided and why." in response.content.decode()
    assert patient_treatment_booking_hold(patient) is not None


def test_the_hold_message_reaches_the_patient_on_their_home_page(walker, patient_client):
    walker.through("where")
    walker.post("warning-signs", rf_fever="yes")

    home = patient_client.get(reverse("patients:home")).content.decode()

    assert 'data-testid="booking-hold"' in home
    assert reverse("patients:intake_advice") in home


def test_the_patient_can_finish_the_intake_after_a_red_flag(walker, patient):
    walker.through("where")
    walker.post("warning-signs", rf_steroids="yes")

    walker.complete(**{"warning-signs": {"rf_steroids": "yes"}})

    assert patient.intakes.get().is_complete
    assert patient_treatment_booking_hold(patient) is not None


def test_changing_the_answer_back_to_no_does_not_lift_the_flag(walker, patient):
    walker.through("where")
    walker.post("warning-signs", ce_bowel="yes")

    walker.post("warning-signs")  # all "no" now

    assert patient_treatment_booking_hold(patient) is not None
    assert SafetyFlag.objects.filter(patient=patient, code="ce_bowel", review__isnull=True).exists()


def test_precautions_show_on_the_chart_but_do_not_hold_booking(walker, patient, practitioner_client):
    walker.through("warning-signs")

    walker.post("health", blood_thinners=["warfarin"], implant="yes", fainting="yes")
    chart = practitioner_client.get(chart_url(patient)).content.decode()

    assert patient_treatment_booking_hold(patient) is None
    assert "Anticoagulant: warfarin" in chart and "Superficial, fine needles only" in chart
    assert "No electroacupuncture." in chart
    assert "Treat lying down." in chart
    assert chart.count("data-flagged") == 3  # the three answers behind the alerts stand out


def test_pregnancy_lists_the_points_to_avoid(walker, patient, practitioner_client):
    walker.through("warning-signs")

    walker.post("health", pregnant="possibly")
    chart = practitioner_client.get(chart_url(patient)).content.decode()
    points = chart[chart.index('data-testid="pregnancy-points"') :][:2000]

    for code in ("LI4", "SP6", "BL60", "BL67", "GB21"):
        assert f">{code}<" in points
    assert ">BL40<" not in points
    assert "Lumbosacral and lower-abdominal points need care" in points


def test_a_corrected_precaution_is_withdrawn_not_deleted(walker, patient, practitioner_client):
    walker.through("warning-signs")
    walker.post("health", metal_allergy="yes")

    walker.post("health", metal_allergy="no")
    chart = practitioner_client.get(chart_url(patient)).content.decode()

    flag = SafetyFlag.objects.get(patient=patient, code="metal_allergy")
    assert flag.withdrawn_at is not None
    assert "Metal allergy" not in chart


def test_the_front_desk_sees_needs_review_but_never_the_answers(walker, patient, front_desk_client):
    walker.through("where")
    walker.post("warning-signs", ce_saddle="yes")

    detail = front_desk_client.get(reverse("patients:detail", kwargs={"pk": patient.pk})).content.decode()
    listing = front_desk_client.get(reverse("patients:list") + "?q=Pat").content.decode()
    chart = front_desk_client.get(chart_url(patient))

    assert 'data-status="needs_review"' in detail and 'data-status="needs_review"' in listing
    for page in (detail, listing):
        assert "Saddle" not in page and "saddle" not in page and "numbness" not in page
    assert chart.status_code == 403


def test_a_cleared_red_flag_stays_on_the_chart_with_its_review(walker, patient, practitioner, practitioner_client):
    walker.through("where")
    walker.post("warning-signs", rf_cancer="yes")
    review(practitioner_client, patient, "clear", note="In remission for ten years; oncologist happy.")

    chart = practitioner_client.get(chart_url(patient)).content.decode()

    assert 'data-testid="no-alerts"' not in chart
    assert 'data-testid="reviewed-flags"' in chart
    reviewed = chart.split('data-testid="reviewed-flags"')[1].split("</div>")[0]
    assert "cancer" in reviewed.lower()
    assert "clear" in reviewed and escape(practitioner.user.full_name) in reviewed
    assert "In remission for ten years; oncologist happy." in reviewed
