"""Showing a page never writes; every change and every read of a clinical record is audited by its service."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinic.models import AuditEvent
from patients import services
from patients.models import Intake, QuestionnaireResponse

from .conftest import step_url

pytestmark = pytest.mark.django_db


def _rows() -> tuple[int, int, int]:
    return (
        Intake.objects.count(),
        QuestionnaireResponse.objects.count(),
        AuditEvent.objects.exclude(action="login").count(),
    )  # the test client logs in


def test_opening_the_intake_and_a_step_creates_no_rows(patient_client):
    start = patient_client.get(reverse("patients:intake"))
    step = patient_client.get(step_url("where"))

    assert start.status_code == 302 and start["Location"] == step_url("where")
    assert step.status_code == 200 and b"Where" in step.content
    assert _rows() == (0, 0, 0)


def test_the_first_save_of_a_step_starts_the_intake(walker, patient):
    walker.through("where")

    intake = Intake.objects.get(patient=patient)
    assert intake.steps_done == ["where"]
    assert intake.responses.count() == 1


def test_a_half_done_step_shown_again_creates_nothing_more(walker, patient, patient_client):
    walker.through("where")
    before = _rows()

    patient_client.get(step_url("warning-signs"))
    patient_client.get(step_url("where"))

    assert _rows() == before


def test_the_intake_step_service_writes_its_audit_row(patient):
    services.intake_step_save(
        patient=patient,
        slug="where",
        answers={
            "pain_map": {"lower_back": "both"},
            "symptoms": ["shooting"],
            "onset_date": "2024-01-10",
            "cause": "herniated_disc",
        },
        actor=patient.user,
    )

    [event] = AuditEvent.objects.filter(patient_id=patient.pk)
    assert (event.action, event.actor, event.detail) == ("update", patient.user, "intake step where")


def test_an_audit_row_is_rolled_back_with_a_refused_change(patient, practitioner):
    with pytest.raises(services.PatientError):
        services.safety_review_record(patient=patient, reviewed_by=practitioner.user, decision="clear", note="")

    assert not AuditEvent.objects.exists()


def test_a_practitioner_opening_answers_is_audited_by_the_service(patient, practitioner):
    response = QuestionnaireResponse.objects.create(
        patient=patient, instrument_key="outcome_checkin", instrument_version=1
    )

    services.response_viewed(response=response, actor=practitioner.user)

    [event] = AuditEvent.objects.all()
    assert (event.action, event.actor, event.patient_id, event.detail) == (
        "view",
        practitioner.user,
        patient.pk,
        "answers",
    )


def test_the_service_refuses_a_step_whose_earlier_steps_are_not_saved(patient):
    with pytest.raises(services.PatientError, match="earlier steps"):
        services.intake_step_save(patient=patient, slug="health", answers={}, actor=patient.user)

    assert not QuestionnaireResponse.objects.exists()
