"""Patients are often told to call the clinic; the numbers are on every page they see."""

from django.urls import reverse

from tests import factories as f


def test_patients_and_visitors_see_each_clinics_phone_number(db, client, patient_client, front_desk_client):
    f.LocationFactory(name="Islington", phone="+44 20 7946 0001")
    f.LocationFactory(name="Midtown", phone="+1 212 555 0101")
    f.LocationFactory(name="Closed branch", phone="+44 20 0000 0000", active=False)

    for page in (client.get(reverse("home")), patient_client.get(reverse("patients:home"))):
        html = page.content.decode()
        assert "Islington" in html and 'href="tel:+442079460001"' in html
        assert "+1 212 555 0101" in html
        assert "Closed branch" not in html

    staff_page = front_desk_client.get(reverse("scheduling:schedule")).content.decode()
    assert 'data-testid="clinic-contacts"' not in staff_page
