"""Informed consent: the typed-name signature, what is stored, and that a signed record never changes."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from patients import queries, services
from patients.models import Consent

from .conftest import step_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_consent(walker):
    walker.through("function")
    return walker


def test_the_typed_name_must_match_the_record(at_consent, patient):
    response = at_consent.post("consent", typed_name="Pat Someone")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Please type your full name exactly as on your record: Pat Owner." in html
    assert 'value="Pat Someone"' in html  # kept for correcting
    assert not Consent.objects.exists()


def test_case_and_spacing_do_not_matter(at_consent, patient):
    response = at_consent.post("consent", typed_name="  pat   OWNER ")

    assert response["Location"] == reverse("patients:intake_summary")
    assert Consent.objects.get().typed_name == "pat   OWNER"


def test_the_box_must_be_ticked(at_consent):
    response = at_consent.post("consent", agree=None)

    assert "Please tick the box to confirm you agree." in response.content.decode()
    assert not Consent.objects.exists()


def test_the_signature_stores_name_tick_time_ip_and_the_text_version(at_consent, patient_client):
    before = timezone.now()
    patient_client.post(step_url("consent"), {"typed_name": "Pat Owner", "agree": "on"}, REMOTE_ADDR="203.0.113.7")

    consent = Consent.objects.get()
    assert consent.agreed is True
    assert before <= consent.signed_at <= timezone.now()
    assert consent.ip_address == "203.0.113.7"
    assert (consent.text_key, consent.text_version) == ("acupuncture_consent", 1)
    assert "Serious problems are rare" in consent.text
    assert consent.text_sha256 == hashlib.sha256(consent.text.encode()).hexdigest()


def test_a_signed_consent_has_no_edit_path(at_consent, patient, patient_client):
    at_consent.post("consent")
    consent = Consent.objects.get()
    before = Consent.objects.values().get()

    post_to_detail = patient_client.post(
        reverse("patients:consent_detail", kwargs={"pk": consent.pk}), {"typed_name": "Changed"}
    )
    resign = at_consent.post("consent", typed_name="PAT OWNER")
    consent_urls = [n for n in get_resolver("patients.urls").reverse_dict if isinstance(n, str) and "consent" in n]

    assert post_to_detail.status_code == 405
    assert resign["Location"] == reverse("patients:intake_summary")  # the intake is closed: nothing re-signed
    assert Consent.objects.values().get() == before
    assert consent_urls == ["consent_detail"]


def test_signing_again_makes_a_new_row_and_leaves_the_old_one(patient):
    first = services.consent_sign(patient=patient, typed_name="Pat Owner", agreed=True, ip_address="10.0.0.1")
    second = services.consent_sign(patient=patient, typed_name="Pat Owner", agreed=True, ip_address="10.0.0.2")

    first.refresh_from_db()
    assert first.pk != second.pk and first.ip_address == "10.0.0.1"
    assert queries.consent_current(patient) == second


def test_the_patient_can_read_what_they_signed(at_consent, patient_client):
    at_consent.post("consent")

    html = patient_client.get(
        reverse("patients:consent_detail", kwargs={"pk": Consent.objects.get().pk})
    ).content.decode()

    assert "Pat Owner" in html and "cannot be changed" in html


def test_an_earlier_answer_gone_stale_sends_the_patient_back_to_that_step(at_consent, patient_client):
    from patients.models import QuestionnaireResponse

    # As if the onset date had become invalid since it was saved (e.g. a definition changed).
    r = QuestionnaireResponse.objects.get(instrument_key="sciatica_intake")
    r.answers = {**r.answers, "onset_date": "2999-01-01"}
    r.save()

    response = at_consent.post("consent")

    assert response["Location"] == step_url("where")
    assert not Consent.objects.exists()
