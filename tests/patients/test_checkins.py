"""Outcome check-ins and other questionnaires a practitioner asks for, filled in by the patient."""

from __future__ import annotations

import pytest
from django.urls import reverse

from patients.models import QuestionnaireResponse
from patients.queries import patient_outcomes
from patients.services import checkin_request
from tests.factories import FUNCTION_INDEX_ANSWERS

pytestmark = pytest.mark.django_db

BETTER_FUNCTION = {k: "1" for k in FUNCTION_INDEX_ANSWERS}  # 10 / 50 → 20


def fill(client, response, section, data):
    url = reverse("patients:questionnaire", kwargs={"pk": response.pk}) + f"?section={section}"
    return client.post(url, data)


def test_a_practitioner_asks_and_the_patient_sees_it_on_their_home_page(patient, practitioner_client, patient_client):
    practitioner_client.post(
        reverse("patients:request_questionnaire", kwargs={"pk": patient.pk}), {"instrument": "outcome_checkin"}
    )

    response = QuestionnaireResponse.objects.get(patient=patient, instrument_key="outcome_checkin")
    home = patient_client.get(reverse("patients:home")).content.decode()
    assert response.context == "requested" and not response.is_submitted
    assert reverse("patients:questionnaire", kwargs={"pk": response.pk}) in home
    assert "How are you doing?" in home
    chart = practitioner_client.get(reverse("patients:chart", kwargs={"pk": patient.pk})).content.decode()
    assert "How are you doing? (v1)" in chart and "outcome_checkin v1" not in chart


def test_a_check_in_is_filled_section_by_section_and_compared_with_the_baseline(walker, patient, patient_client):
    walker.complete()  # baseline: leg pain now 7, function index 42
    checkin = checkin_request(patient=patient)

    first = fill(patient_client, checkin, "pain", {"leg_pain_now": "4", "leg_pain_average": "4",
                                                    "back_pain_now": "3", "back_pain_average": "3"})  # fmt: skip
    second = fill(patient_client, checkin, "function", BETTER_FUNCTION)

    checkin.refresh_from_db()
    changes = {c["key"]: c for c in patient_outcomes(patient)["changes"]}
    assert first["Location"].endswith("?section=function")
    assert second["Location"] == reverse("patients:home")
    assert checkin.is_submitted and checkin.scores["function_index"]["value"] == 20
    assert changes["leg_pain_now"]["baseline"] == 7 and changes["leg_pain_now"]["latest"] == 4
    assert changes["leg_pain_now"]["change"].meaningful
    assert changes["function_index"]["change"].meaningful  # 42 → 20
    assert not changes["back_pain_now"]["change"].meaningful  # 4 → 3: 1 point, 25%


def test_a_check_in_with_a_missing_answer_says_so_by_the_question(patient, patient_client):
    checkin = checkin_request(patient=patient)

    response = fill(patient_client, checkin, "pain", {"leg_pain_now": "4"})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("Please pick a number on the scale.") == 3


def test_asking_twice_reuses_the_unfinished_check_in(patient):
    assert checkin_request(patient=patient) == checkin_request(patient=patient)


def test_another_patient_cannot_open_it(patient, other_patient_client):
    checkin = checkin_request(patient=patient)

    response = other_patient_client.get(reverse("patients:questionnaire", kwargs={"pk": checkin.pk}))

    assert response.status_code == 404
