"""The manager's side of phone numbers: a location's country (the default region for numbers typed
without a + code), and staff numbers stored in E.164 like patients'."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from clinic.models import Location, Role, User
from tests import factories as f


def admin_error(response, field: str) -> str:
    """The admin's error text for `field`, checked to be on the page by that field."""
    errors = " ".join(response.context["adminform"].form.errors.get(field, []))
    field_box = re.search(
        rf'<div class="[^"]*field-{field}[^"]*">(.*?)</div>\s*</div>', response.content.decode(), re.S
    )
    assert field_box and html.escape(errors, quote=False)[:40] in field_box.group(1).replace("&quot;", '"')
    return errors


def _location(client, **fields):
    data = {
        "name": "Acuclinic Midtown",
        "address": "350 West 38th Street",
        "phone": "(212) 555-0147",
        "timezone": "America/New_York",
        "country": "",
        "active": "on",
        "rooms-TOTAL_FORMS": "0",
        "rooms-INITIAL_FORMS": "0",
    }
    return client.post(reverse("admin:clinic_location_add"), {**data, **fields})


def test_a_new_locations_country_comes_from_its_time_zone_and_its_number_is_read_with_it(manager_client):
    response = _location(manager_client)

    assert response.status_code == 302
    location = Location.objects.get()
    assert (location.country, location.phone) == ("US", "+12125550147")


def test_a_chosen_country_wins_over_the_time_zone(manager_client):
    _location(manager_client, name="Acuclinic Online", timezone="Etc/UTC", country="IE", phone="01 234 5678")

    assert Location.objects.values_list("country", "phone").get() == ("IE", "+35312345678")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"country": "XX"}, "country", "“XX” is not a country we know"),
        ({"country": "gb; drop table"}, "country", "is not a country we know"),
        ({"timezone": "Etc/UTC"}, "country", "This time zone is not of one country"),
        ({"phone": "0800 SHOP"}, "phone", "Enter a phone number we can call or text"),
        ({"country": "GB"}, "phone", "e.g. 07400 123456"),  # a New York number read as British
    ],
)
def test_a_wrong_country_or_number_is_explained_next_to_the_field(manager_client, fields, field, message):
    response = _location(manager_client, **fields)

    assert response.status_code == 200 and not Location.objects.exists()
    assert message in admin_error(response, field)


def test_the_manager_corrects_a_locations_country(manager_client):
    location = f.LocationFactory(name="Acuclinic Leeds", timezone="Europe/London", phone="+441134960000")
    data = {
        "name": location.name,
        "address": location.address,
        "phone": "+44 113 496 0000",
        "timezone": location.timezone,
        "country": "IE",
        "active": "on",
        "rooms-TOTAL_FORMS": "0",
        "rooms-INITIAL_FORMS": "0",
    }

    response = manager_client.post(reverse("admin:clinic_location_change", args=[location.pk]), data)

    assert response.status_code == 302
    location.refresh_from_db()
    assert (location.country, location.phone) == ("IE", "+441134960000")


def test_a_staff_number_is_stored_in_e164_from_the_staff_form_and_the_account_admin(manager_client, db):
    f.LocationFactory(name="Main", timezone="Europe/London")
    manager_client.post(
        reverse("clinic:staff_create"),
        {"full_name": "Nia Okafor", "email": "nia@example.org", "phone": "07700 900777", "role": Role.FRONT_DESK},
    )
    nia = User.objects.get(email="nia@example.org")
    assert nia.phone == "+447700900777"

    change = reverse("admin:clinic_user_change", args=[nia.pk])
    data = {"email": nia.email, "full_name": nia.full_name, "role": nia.role, "is_active": "on"}
    refused = manager_client.post(change, {**data, "phone": "ext. 12"})
    assert refused.status_code == 200
    assert "Enter a phone number we can call or text" in admin_error(refused, "phone")

    manager_client.post(change, {**data, "phone": "+44 (0)20 7946 0322"})
    nia.refresh_from_db()
    assert nia.phone == "+442079460322"
