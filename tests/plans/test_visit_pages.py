"""The visit pages as a practitioner, the front desk and the patient use them."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from clinic.models import AuditEvent
from plans import visit_services as vs
from plans.models import VisitRecord

from .visit_helpers import flag, save, started


def edit_url(visit):
    return reverse("plans:visit_edit", kwargs={"pk": visit.pk})


def post(client, visit, **data):
    body = {"points": "", "ae-type": ""}
    body.update(data)
    return client.post(edit_url(visit), body)


def test_the_form_saves_points_with_laterality_and_completes_the_appointment(practitioner_client, practitioner):
    visit = started(practitioner)
    r = post(practitioner_client, visit, points="bl 40 L, GB30 b, ashi R (lateral thigh)", subjective="Sore")
    assert r.status_code == 302
    rec = VisitRecord.objects.get(pk=visit.pk)
    assert [(p.point.code, p.laterality, p.note) for p in rec.points.filter(removed_at__isnull=True)] == [
        ("BL40", "L", ""),
        ("GB30", "B", ""),
        ("ASHI", "R", "lateral thigh"),
    ]
    assert rec.appointment.status == "completed"


def test_an_unknown_point_is_shown_next_to_the_field_and_the_text_kept(practitioner_client, practitioner):
    visit = started(practitioner)
    r = post(practitioner_client, visit, points="BL40, XX99", subjective="Keep me")
    html = r.content.decode()
    assert r.status_code == 200 and "Unknown point" in html and "Keep me" in html


def test_a_direct_post_to_a_signed_note_changes_nothing(practitioner_client, practitioner):
    visit = started(practitioner)
    save(visit, practitioner.user, subjective="Original")
    vs.visit_sign(visit=visit, by=practitioner.user)
    r = post(practitioner_client, visit, subjective="Changed")
    assert r.status_code == 302 and r.url == reverse("plans:visit_detail", kwargs={"pk": visit.pk})
    assert VisitRecord.objects.get(pk=visit.pk).subjective == "Original"


def test_save_and_sign_then_amend_shows_both(practitioner_client, practitioner):
    visit = started(practitioner)
    r = post(practitioner_client, visit, subjective="Left leg", then="sign")
    assert r.status_code == 302
    r = practitioner_client.post(
        reverse("plans:visit_amend", kwargs={"pk": visit.pk}), {"reason": "Wrong side", "text": "Right leg"}
    )
    html = practitioner_client.get(reverse("plans:visit_detail", kwargs={"pk": visit.pk})).content.decode()
    assert "Left leg" in html and "Right leg" in html and "Wrong side" in html and "hash verifies" in html


def test_pacemaker_refusal_is_shown_and_nothing_typed_is_lost(practitioner_client, practitioner):
    visit = started(practitioner)
    flag(visit.patient, "implant")
    r = post(practitioner_client, visit, electro="on", electro_hz="2", subjective="Typed text")
    html = r.content.decode()
    assert r.status_code == 200
    assert "Electroacupuncture refused" in html and "Typed text" in html
    assert not VisitRecord.objects.get(pk=visit.pk).electro


def test_pregnancy_warning_asks_for_a_reason_then_saves(practitioner_client, practitioner):
    started(practitioner)
    visit = started(practitioner)
    flag(visit.patient, "pregnancy")
    r = post(practitioner_client, visit, points="BL60 R")
    html = r.content.decode()
    assert (
        r.status_code == 200
        and "BL60 is traditionally forbidden" in html
        and 'name="ack_pregnancy_forbidden:BL60"' in html
    )
    r = post(practitioner_client, visit, points="BL60 R", **{"ack_pregnancy_forbidden:BL60": "Discussed with midwife"})
    assert r.status_code == 302
    assert visit.acknowledgements.get(rule="pregnancy_forbidden").reason == "Discussed with midwife"


def test_anticoagulant_banner_and_lying_down_on_the_form(practitioner_client, practitioner):
    visit = started(practitioner)
    flag(visit.patient, "anticoagulant_doac")
    html = practitioner_client.get(edit_url(visit)).content.decode()
    assert "superficial, fine needles" in html and "Treat lying down (first visit)" in html


def test_same_as_last_time_fills_points_and_techniques(practitioner_client, practitioner):
    first = started(practitioner)
    save(first, practitioner.user, [("BL40", "L"), ("GB34", "R")], electro=True, electro_hz="2", retention_minutes=30)
    vs.visit_sign(visit=first, by=practitioner.user)
    second = started(practitioner, first.patient)
    html = practitioner_client.get(edit_url(second), {"start": "last"}).content.decode()
    assert "BL40 L, GB34 R" in html
    assert 'name="retention_minutes" value="30"' in html


@pytest.mark.parametrize(
    "junk",
    [
        {"subjective": "a\x00b"},
        {"posture": "x" * 10_000},
        {"leg_pain_before": "99999999999999999999"},
        {"electro_hz": "1e400"},
        {"points": "BL40\x00"},
        {"ack_x\x00": "y"},
    ],
)
def test_hostile_input_gets_a_message_not_a_500(practitioner_client, practitioner, junk):
    visit = started(practitioner)
    r = post(practitioner_client, visit, **junk)
    assert r.status_code in (200, 302)


def test_the_front_desk_sees_that_a_visit_was_recorded_but_not_its_content(front_desk_client, practitioner):
    visit = started(practitioner)
    save(visit, practitioner.user, ["BL40"], subjective="Secret clinical text", internal_notes="Private")
    assert front_desk_client.get(reverse("plans:visit_detail", kwargs={"pk": visit.pk})).status_code == 403
    html = front_desk_client.get(reverse("plans:patient_visits", kwargs={"patient_pk": visit.patient_id})).content
    assert b"Visit recorded" in html and b"Secret" not in html and b"BL40" not in html


def test_reading_a_note_is_audited(practitioner_client, practitioner):
    visit = started(practitioner)
    practitioner_client.get(reverse("plans:visit_detail", kwargs={"pk": visit.pk}))
    assert AuditEvent.objects.filter(action="visit.view", patient_id=visit.patient_id, object_id=str(visit.pk)).exists()


def test_the_patient_sees_advice_and_scores_from_signed_notes_only(patient_client, patient, practitioner):
    visit = started(practitioner, patient)
    save(
        visit,
        practitioner.user,
        leg_pain_before=7,
        leg_pain_after=4,
        advice_movement="Walk daily",
        internal_notes="Private",
    )
    url = reverse("plans:my_visits")
    assert b"Walk daily" not in patient_client.get(url).content  # not signed yet
    vs.visit_sign(visit=visit, by=practitioner.user)
    html = patient_client.get(url).content.decode()
    assert "Walk daily" in html and "leg 7 → 4 after" in html and "Private" not in html


def test_another_patient_sees_none_of_it(other_patient_client, patient, practitioner):
    visit = started(practitioner, patient)
    save(visit, practitioner.user, advice_movement="Walk daily")
    vs.visit_sign(visit=visit, by=practitioner.user)
    assert b"Walk daily" not in other_patient_client.get(reverse("plans:my_visits")).content


def test_export_csv_and_json_per_stricta(practitioner_client, practitioner):
    visit = started(practitioner)
    save(
        visit,
        practitioner.user,
        [("BL40", "L")],
        electro=True,
        electro_hz="2.5",
        retention_minutes=30,
        pattern="other",
        pattern_other="=cmd",
    )
    base = {"patient_pk": visit.patient_id}
    data = json.loads(practitioner_client.get(reverse("plans:visit_export", kwargs={**base, "fmt": "json"})).content)
    row = data["visits"][0]
    assert row["points"] == "BL40:L" and row["electro_hz"] == "2.5" and row["retention_minutes"] == 30
    csv_text = practitioner_client.get(reverse("plans:visit_export", kwargs={**base, "fmt": "csv"})).content.decode()
    assert csv_text.splitlines()[0].startswith("visit_id,date,signed") and "'=cmd" in csv_text
    assert practitioner_client.get(reverse("plans:visit_export", kwargs={**base, "fmt": "print"})).status_code == 200
    assert practitioner_client.get(reverse("plans:visit_export", kwargs={**base, "fmt": "xml"})).status_code == 404


def test_point_suggestions_answer_code_and_pinyin(practitioner_client):
    url = reverse("plans:point_suggestions")
    htmx = {"HTTP_HX_REQUEST": "true"}
    assert b"BL40" in practitioner_client.get(url, {"q": "BL 40"}, **htmx).content
    html = practitioner_client.get(url, {"q": "hegu"}, **htmx).content.decode()
    assert "LI4" in html and "pregnancy: avoid" in html
    page = practitioner_client.get(url, {"q": "hegu"}).content.decode()  # without htmx: a page of its own
    assert "<h1" in page and "LI4" in page and "Avoid" in page


def test_the_patients_plan_page_shows_advice_and_the_visit_pain_point(patient_client, patient, practitioner):
    from plans.models import PlanSession, PlanTemplate, TreatmentPlan

    visit = started(practitioner, patient)
    plan = TreatmentPlan.objects.create(
        patient=patient,
        practitioner=practitioner,
        template=PlanTemplate.objects.get(name="Sciatica - acute"),
        acuity="acute",
        start_date=visit.appointment.start.date(),
        planned_sessions=4,
        cadence=[2],
        status="active",
        created_by=practitioner.user,
    )
    PlanSession.objects.create(plan=plan, number=1, appointment=visit.appointment, of_total=4)
    save(visit, practitioner.user, leg_pain_before=6, advice_posture="Sit tall", internal_notes="Private")
    vs.visit_sign(visit=visit, by=practitioner.user)

    html = patient_client.get(reverse("plans:my_plan", kwargs={"pk": plan.pk})).content.decode()

    assert "Sit tall" in html and "Private" not in html
    assert "Leg pain at visits" in html  # the chart's table and description carry the visit score


def test_the_appointment_page_says_a_visit_was_recorded_without_content(
    front_desk_client, practitioner_client, practitioner
):
    visit = started(practitioner)
    save(visit, practitioner.user, subjective="Secret clinical text")
    url = reverse("scheduling:desk_appointment", kwargs={"pk": visit.appointment_id})
    desk = front_desk_client.get(url).content.decode()
    assert (
        "Visit recorded" in desk
        and "Secret" not in desk
        and reverse("plans:visit_detail", kwargs={"pk": visit.pk}) not in desk
    )
    prac = practitioner_client.get(url).content.decode()
    assert reverse("plans:visit_detail", kwargs={"pk": visit.pk}) in prac


def test_the_safety_panel_updates_for_the_points_typed(practitioner_client, practitioner):
    started(practitioner)
    visit = started(practitioner)
    flag(visit.patient, "pregnancy")
    flag(visit.patient, "implant")
    url = reverse("plans:visit_safety", kwargs={"pk": visit.pk})
    htmx = {"HTTP_HX_REQUEST": "true"}
    html = practitioner_client.get(url, {"points": "bl60 L, EX-B2", "electro": "on"}, **htmx).content.decode()
    assert "BL60 is traditionally forbidden" in html and 'name="ack_pregnancy_forbidden:BL60"' in html
    assert "EX-B2 lies on the lower abdomen or lumbosacral area: check first" in html
    assert "Electroacupuncture refused" in html
    assert "forbidden" not in practitioner_client.get(url, {"points": "GB34"}, **htmx).content.decode()
    assert practitioner_client.get(url).status_code == 302  # not a page of its own
