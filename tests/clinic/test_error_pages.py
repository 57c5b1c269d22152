"""A refused or missing page keeps the site's look and offers a way back (production settings: DEBUG off)."""

import pytest
from django.urls import reverse


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False


def test_a_page_for_another_role_explains_and_leads_back_home(patient_client):
    response = patient_client.get(reverse("clinic:audit_log"))
    assert response.status_code == 403
    page = response.content.decode()
    assert 'class="navbar' in page  # the site's layout
    assert "This page is not open to you" in page
    assert "Your account does not have access to this page." in page
    assert f'href="{reverse("home")}" data-testid="way-back"' in page
    assert "Pat Owner" in page  # still signed in, and it shows


def test_a_missing_page_keeps_the_layout_and_a_way_back(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'class="navbar' in page and "We could not find that page" in page
    assert 'data-testid="way-back"' in page and "the clinic's home page" in page


def test_a_record_that_is_not_yours_gets_the_same_friendly_404(other_patient_client, patient):
    from tests import factories as f

    response = f.QuestionnaireResponseFactory(patient=patient)
    page = other_patient_client.get(reverse("patients:response_detail", args=[response.pk]))
    assert page.status_code == 404
    assert "We could not find that page" in page.content.decode()
