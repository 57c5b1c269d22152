"""Intake status for the front desk, alerts for practitioners, and bounded queries on list pages."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import reverse

from patients.models import Intake
from patients.queries import IntakeStatus, alerts_for_patients, intake_status, intake_statuses
from patients.services import safety_review_record
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_intake_status_runs_missing_started_complete_and_needs_review(walker, patient, practitioner):
    assert intake_status(patient) is IntakeStatus.MISSING

    walker.through("where")
    started = intake_status(patient)
    walker.complete()
    complete = intake_status(patient)
    f.SafetyFlagFactory(patient=patient)
    flagged = intake_status(patient)
    safety_review_record(patient=patient, reviewed_by=practitioner.user, decision="refer", note="See GP.")
    referred = intake_status(patient)
    safety_review_record(patient=patient, reviewed_by=practitioner.user, decision="clear", note="GP says fine.")

    assert (started, complete, flagged, referred) == (
        IntakeStatus.IN_PROGRESS,
        IntakeStatus.COMPLETE,
        IntakeStatus.NEEDS_REVIEW,
        IntakeStatus.NEEDS_REVIEW,
    )
    assert intake_status(patient) is IntakeStatus.COMPLETE


def test_the_status_badge_tag_shows_a_label_and_nothing_clinical(patient):
    f.SafetyFlagFactory(patient=patient, label="Unremitting night pain")

    html = Template("{% load patient_tags %}{% intake_status_badge p %}").render(Context({"p": patient}))

    assert "Needs review" in html and 'data-status="needs_review"' in html
    assert "night" not in html


def test_many_statuses_and_alerts_cost_a_fixed_number_of_queries(django_assert_max_num_queries):
    patients = f.PatientFactory.create_batch(30)
    for p in patients[:10]:
        Intake.objects.create(patient=p)
        f.SafetyFlagFactory(patient=p)
        f.SafetyFlagFactory(patient=p, category="precaution", code="implant", label="Implant")

    with django_assert_max_num_queries(1):
        statuses = intake_statuses(p.pk for p in patients)
    with django_assert_max_num_queries(3):
        alerts = alerts_for_patients(p.pk for p in patients)

    assert statuses[patients[0].pk] is IntakeStatus.NEEDS_REVIEW
    assert statuses[patients[-1].pk] is IntakeStatus.MISSING
    assert alerts[patients[0].pk].needs_review and [a.code for a in alerts[patients[0].pk].precautions] == ["implant"]


@pytest.mark.parametrize("count", [5, 40])
def test_the_patient_list_runs_a_fixed_number_of_queries(front_desk_client, django_assert_max_num_queries, count):
    for i in range(count):
        p = f.PatientFactory(full_name=f"Smith {i:02d}")
        if i % 3 == 0:
            Intake.objects.create(patient=p)
        if i % 5 == 0:
            f.SafetyFlagFactory(patient=p)

    with django_assert_max_num_queries(10):
        response = front_desk_client.get(reverse("patients:list") + "?q=smith")

    assert response.content.decode().count('data-testid="intake-status"') == count


def test_the_chart_runs_a_bounded_number_of_queries(
    walker, patient, practitioner_client, django_assert_max_num_queries
):
    walker.complete(health={"pregnant": "yes", "blood_thinners": ["doac"]})
    for _ in range(5):
        f.QuestionnaireResponseFactory(patient=patient, instrument_key="outcome_checkin", answers={})

    # 20: the audit row is written in the service's own transaction (a savepoint pair inside the test's).
    with django_assert_max_num_queries(20):
        response = practitioner_client.get(reverse("patients:chart", kwargs={"pk": patient.pk}))

    assert response.status_code == 200


def test_alerts_show_each_patients_latest_review_in_two_queries(practitioner, django_assert_num_queries):
    referred, cleared, never = f.PatientFactory.create_batch(3)
    for p in (referred, cleared):
        f.SafetyFlagFactory(patient=p)
    safety_review_record(patient=cleared, reviewed_by=practitioner.user, decision="refer", note="See GP.")
    safety_review_record(patient=cleared, reviewed_by=practitioner.user, decision="clear", note="GP says fine.")
    safety_review_record(patient=referred, reviewed_by=practitioner.user, decision="refer", note="A&E today.")

    with django_assert_num_queries(2):
        alerts = alerts_for_patients([referred.pk, cleared.pk, never.pk])
        names = {pid: a.last_review.reviewed_by.full_name for pid, a in alerts.items() if a.last_review}

    assert alerts[referred.pk].referred and alerts[referred.pk].last_review.note == "A&E today."
    assert not alerts[cleared.pk].referred and alerts[cleared.pk].last_review.note == "GP says fine."
    assert alerts[never.pk].last_review is None
    assert names == {referred.pk: practitioner.user.full_name, cleared.pk: practitioner.user.full_name}
