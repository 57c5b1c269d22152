"""Viewing or changing intake answers or the chart leaves an audit event: who, what, when, from where."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


def events(**filters):
    return list(AuditEvent.objects.filter(**filters).order_by("at", "id"))


def test_opening_the_chart_is_recorded_with_who_when_and_ip(practitioner, practitioner_client, patient):
    before = timezone.now()

    practitioner_client.get(reverse("patients:chart", kwargs={"pk": patient.pk}), REMOTE_ADDR="198.51.100.4")

    [event] = events(action="view", patient_id=patient.pk)
    assert event.actor == practitioner.user
    assert event.ip_address == "198.51.100.4"
    assert event.object_type == "patients.patient" and event.detail == "chart"
    assert before <= event.at <= timezone.now()


def test_reading_a_set_of_answers_is_recorded(practitioner, practitioner_client, patient):
    response = f.QuestionnaireResponseFactory(patient=patient)

    practitioner_client.get(reverse("patients:response_detail", kwargs={"pk": response.pk}))

    [event] = events(action="view", object_type="patients.questionnaireresponse")
    assert (event.actor, event.object_id, event.patient_id) == (practitioner.user, str(response.pk), patient.pk)


def test_saving_an_intake_step_is_recorded_as_a_change_by_the_patient(walker, patient):
    walker.through("where")

    [event] = events(action="update", patient_id=patient.pk)
    assert event.actor == patient.user and event.detail == "intake step where"


def test_a_review_is_recorded(walker, patient, practitioner, practitioner_client):
    walker.through("where")
    walker.post("warning-signs", rf_cancer="yes")

    practitioner_client.post(
        reverse("patients:review", kwargs={"pk": patient.pk}), {"decision": "clear", "note": "Discussed; in remission."}
    )

    [event] = events(action="review")
    assert (event.actor, event.patient_id, event.detail) == (practitioner.user, patient.pk, "clear")


def test_a_refused_visit_leaves_no_view_event(front_desk_client, patient):
    response = front_desk_client.get(reverse("patients:chart", kwargs={"pk": patient.pk}))

    assert response.status_code == 403
    assert events(action="view") == []


def test_signing_consent_is_recorded(walker, patient):
    walker.complete()

    [event] = events(action="sign")
    assert event.actor == patient.user and event.object_type == "patients.consent"
