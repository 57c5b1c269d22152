"""The patient's intake: steps, save-and-continue, resume after a reload, summary."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patients import intake_flow
from patients.models import Consent, Intake, QuestionnaireResponse
from patients.questionnaire import get_definition
from tests.factories import TEST_PASSWORD

from .conftest import step_url
from .strategies import junk_post

pytestmark = pytest.mark.django_db


def checked(html: str, name: str, value: str) -> bool:
    """Is the input `name`=`value` checked in this page?"""
    pattern = rf'<input[^>]*name="{re.escape(name)}"[^>]*value="{re.escape(value)}"[^>]*>'
    tags = re.findall(pattern, html, flags=re.S)
    return bool(tags) and " checked" in tags[0]


def test_signing_up_leads_straight_to_the_first_intake_step(client):
    response = client.post(
        reverse("patients:register"),
        {
            "full_name": "Nina New",
            "email": "nina@example.org",
            "phone": "+44 7700 900555",
            "date_of_birth": "1980-04-23",
            "password1": TEST_PASSWORD,
            "password2": TEST_PASSWORD,
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == step_url("where")
    assert "Step 1 of 8" in response.content.decode()


def test_the_steps_come_in_order_and_a_later_step_cannot_be_skipped_to(walker, patient_client):
    assert patient_client.get(reverse("patients:intake"))["Location"] == step_url("where")
    assert patient_client.get(step_url("pain-scores"))["Location"] == step_url("where")

    response = walker.post("where")

    assert response["Location"] == step_url("warning-signs")
    assert patient_client.get(step_url("health"))["Location"] == step_url("warning-signs")


def test_a_validation_error_keeps_what_was_typed_and_says_what_is_wrong(walker, patient_client):
    response = walker.post("where", cause=None, onset_date="2999-01-01")

    html = response.content.decode()
    assert response.status_code == 200
    assert "This date is in the future. Please check it." in html
    cause_block = html[html.index('id="item-cause"') :][:800]
    assert "Please pick one of the options." in cause_block
    assert checked(html, "pain_map__thigh", "left")
    assert checked(html, "symptoms", "numbness_tingling")
    assert 'value="2999-01-01"' in html


def test_a_reload_after_a_validation_error_still_shows_what_was_typed(walker, patient_client):
    walker.post("where", cause=None)

    html = patient_client.get(step_url("where")).content.decode()

    assert checked(html, "pain_map__lower_back", "both")
    assert checked(html, "symptoms", "shooting")


def test_a_reload_halfway_resumes_where_the_patient_left_off(walker, patient, client):
    walker.through("treatments")

    client.force_login(patient.user)  # a new browser session: nothing kept on the client side
    resume = client.get(reverse("patients:intake"))
    html = client.get(step_url("where")).content.decode()

    assert resume["Location"] == step_url("pain-scores")
    assert checked(html, "pain_map__calf", "left")
    assert checked(html, "cause", "herniated_disc")


def test_save_and_finish_later_keeps_an_unfinished_step(walker, patient_client):
    walker.through("health")

    response = patient_client.post(step_url("treatments"), {"treatments_tried": ["surgery"], "save_later": "1"})
    html = patient_client.get(step_url("treatments")).content.decode()

    assert response["Location"] == reverse("patients:home")
    assert checked(html, "treatments_tried", "surgery")
    # Not saved as an answer yet: the step still has to be completed.
    assert patient_client.get(reverse("patients:intake"))["Location"] == step_url("treatments")


def test_autosave_keeps_answers_while_the_patient_types(walker, patient_client):
    response = patient_client.post(
        reverse("patients:intake_autosave", kwargs={"slug": "where"}), {"pain_map__foot": "right"}
    )

    assert response.status_code == 204
    assert checked(patient_client.get(step_url("where")).content.decode(), "pain_map__foot", "right")


def test_a_complete_intake_shows_a_summary_with_scores(walker, patient, patient_client):
    response = walker.complete()

    intake = Intake.objects.get(patient=patient)
    summary = patient_client.get(response["Location"]).content.decode()
    fi = QuestionnaireResponse.objects.get(intake=intake, instrument_key="function_index")
    sciatica = QuestionnaireResponse.objects.get(intake=intake, instrument_key="sciatica_intake")

    assert response["Location"] == reverse("patients:intake_summary")
    assert intake.completed_at is not None
    assert "Thank you: your questions are complete" in summary
    assert fi.is_submitted and fi.scores["function_index"]["value"] == 42
    assert fi.scores["function_index"]["band"] == "severe"
    assert sciatica.scores["leg_pain_now"]["value"] == 7
    assert sciatica.scores["duration"]["band"] == "subacute"
    assert (sciatica.instrument_key, sciatica.instrument_version) == ("sciatica_intake", 1)
    assert Consent.objects.filter(patient=patient, intake=intake).count() == 1


def test_after_completion_the_answers_cannot_be_changed_through_the_steps(walker, patient, patient_client):
    walker.complete()

    response = walker.post("pain-scores", leg_pain_now="0")

    assert response["Location"] == reverse("patients:intake_summary")
    assert QuestionnaireResponse.objects.get(instrument_key="sciatica_intake").answers["leg_pain_now"] == 7


def test_changing_an_earlier_answer_drops_the_follow_up_it_no_longer_applies_to(walker, patient):
    walker.through("treatments")

    walker.post("treatments", treatments_tried=["painkillers"], helped_physiotherapy="a_great_deal")

    answers = QuestionnaireResponse.objects.get(instrument_key="sciatica_intake").answers
    assert answers["treatments_tried"] == ["painkillers"]
    assert "helped_physiotherapy" not in answers


def test_the_home_page_leads_to_the_intake_and_shows_progress(walker, patient_client):
    assert "Start the questions" in patient_client.get(reverse("patients:home")).content.decode()

    walker.through("health")
    in_progress = patient_client.get(reverse("patients:home")).content.decode()
    walker.complete()
    done = patient_client.get(reverse("patients:home")).content.decode()

    assert "You have done 3 of 8 steps" in in_progress
    assert "Carry on with “What you have tried”" in in_progress
    assert "Your questions are complete" in done


def test_step_pages_use_big_button_groups_for_the_scales(walker, patient_client):
    walker.through("treatments")

    html = patient_client.get(step_url("pain-scores")).content.decode()

    assert html.count('class="q-scale"') == 6
    assert html.count('class="btn-check" name="leg_pain_now"') == 11
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


@pytest.mark.parametrize("slug", [s.slug for s in intake_flow.STEPS if not s.is_consent])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_junk_posted_to_a_step_gets_messages_never_a_500(slug, data, patient):
    client = Client(raise_request_exception=True)  # a server error would fail the test
    client.force_login(patient.user)
    Intake.objects.update_or_create(patient=patient, defaults={"steps_done": list(intake_flow.SLUGS)})
    step = intake_flow.step(slug)
    post = data.draw(junk_post(get_definition(step.instrument), step.section))

    response = client.post(step_url(slug), post)

    assert response.status_code in (200, 302)
    if response.status_code == 200:
        html = response.content.decode()
        assert 'data-testid="form-errors"' in html
        assert "invalid-feedback" in html


def test_the_patient_sees_plain_results_and_the_practitioner_sees_the_scoring(
    walker, patient, patient_client, practitioner_client
):
    walker.complete()
    screening = QuestionnaireResponse.objects.get(instrument_key="safety_screening")

    summary = patient_client.get(reverse("patients:intake_summary")).content.decode()
    own_answers = patient_client.get(reverse("patients:response_detail", kwargs={"pk": screening.pk}))
    chart = practitioner_client.get(reverse("patients:chart", kwargs={"pk": patient.pk})).content.decode()

    assert "Your leg pain now: <strong>7 out of 10</strong>" in summary
    assert "Cauda equina signs reported" not in summary and "severe" not in summary
    assert "Cauda equina signs reported" not in own_answers.content.decode()
    assert 'data-score="cauda_equina_signs"' in chart and "(severe)" in chart
