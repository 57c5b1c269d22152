"""PostgreSQL: a NUL byte in the intake, the autosave, a questionnaire or the staff search gets a message, not a 500.

PostgreSQL refuses NUL in text and in jsonb (SQLite stores it), so these are the cases that only fail here.
The checks are the unit suite's (tests/patients/hostile.py), run against the real database.
"""

from __future__ import annotations

import pytest

from tests.patients import hostile

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_a_nul_byte_in_a_choice_of_an_intake_step(patient_client, patient):
    hostile.nul_in_a_choice_of_an_intake_step(patient_client, patient.full_name)


def test_a_nul_byte_in_a_text_answer(patient_client, patient):
    hostile.nul_in_a_text_answer(patient_client, patient.full_name)


def test_a_nul_byte_in_the_autosave(patient_client):
    hostile.nul_in_the_autosave(patient_client)


def test_a_nul_byte_in_a_questionnaire_field(patient_client, patient):
    hostile.nul_in_a_questionnaire_field(patient_client, patient)


def test_a_nul_byte_in_the_consent_name(patient_client, patient):
    hostile.nul_in_the_consent_name(patient_client, patient.full_name)


def test_a_nul_byte_in_the_staff_search(front_desk_client):
    hostile.nul_in_the_staff_search(front_desk_client)
