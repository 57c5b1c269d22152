"""Bad input on the patients pages gets a message next to the field, never a 500 (SQLite here; PostgreSQL in
tests/integration/test_patients_postgres.py runs the same checks)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from patients import intake_flow
from patients.models import QuestionnaireResponse

from . import hostile
from .conftest import step_posts, step_url

pytestmark = pytest.mark.django_db


def test_a_nul_byte_in_a_choice_of_an_intake_step_gets_a_message(patient_client, patient):
    hostile.nul_in_a_choice_of_an_intake_step(patient_client, patient.full_name)


def test_a_nul_byte_in_a_text_answer_gets_a_message_and_the_rest_is_kept(patient_client, patient):
    hostile.nul_in_a_text_answer(patient_client, patient.full_name)


def test_a_nul_byte_in_the_autosave_is_dropped_from_the_draft(patient_client):
    hostile.nul_in_the_autosave(patient_client)


def test_a_nul_byte_in_a_questionnaire_field_gets_a_message(patient_client, patient):
    hostile.nul_in_a_questionnaire_field(patient_client, patient)


def test_a_nul_byte_in_the_consent_name_gets_a_message(patient_client, patient):
    hostile.nul_in_the_consent_name(patient_client, patient.full_name)


def test_a_nul_byte_in_the_staff_search_gets_a_message(front_desk_client):
    hostile.nul_in_the_staff_search(front_desk_client)


def test_an_over_long_answer_gets_a_message_and_is_kept_as_a_draft(patient_client, patient):
    posts = step_posts(patient.full_name)
    for slug in ("where", "warning-signs", "health", "treatments", "pain-scores"):
        assert patient_client.post(step_url(slug), posts[slug]).status_code == 302
    long_goal = "Walk the dog " * 100  # 1,300 characters; the limit is 1,000

    response = patient_client.post(step_url("daily-life"), {**posts["daily-life"], "goals": long_goal})

    assert response.status_code == 200
    assert "Please keep this under 1000 characters" in " ".join(response.context["form"].errors["goals"])
    drafts = QuestionnaireResponse.objects.get(instrument_key="sciatica_intake").drafts
    draft = drafts[intake_flow.step("daily-life").section]
    assert draft["goals"] == long_goal


def test_an_over_long_search_is_just_a_search(front_desk_client):
    response = front_desk_client.get(reverse("patients:list"), {"q": "x" * 10_000})

    assert response.status_code == 200 and response.context["patients"] == []
