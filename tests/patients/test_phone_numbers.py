"""Phone numbers are stored in E.164, whatever way they were typed, read with the right country when
typed without a + code; a number we cannot read is refused next to its field, and search still
finds a patient by any part of the number typed any way."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from clinic.queries import phone_region
from patients import services
from patients.models import Patient
from patients.queries import patient_phone_region, patient_search
from patients.queries.search import find_patients
from tests import factories as f
from tests.clinic.page import error_next_to

pytestmark = pytest.mark.django_db

DOB = dt.date(1968, 2, 29)


def staff_form(**overrides):
    data = {
        "full_name": "Harriet Vane",
        "email": "",
        "date_of_birth": "1968-02-29",
        "phone": "07700 900123",
        "address": "",
        "emergency_contact_name": "",
        "emergency_contact_phone": "",
        "consent_email": "on",
    }
    return {**data, **overrides}


def own_details(**overrides):
    data = {"phone": "07700 900999", "address": "", "emergency_contact_name": "", "emergency_contact_phone": ""}
    return {**data, **overrides}


@pytest.fixture
def london(db):
    return f.LocationFactory(name="Islington", timezone="Europe/London")


@pytest.fixture
def new_york(db):
    return f.LocationFactory(name="Midtown", timezone="America/New_York")


# --- the default region -----------------------------------------------------------------------


def test_the_default_region_is_the_given_location_else_the_first_active_location(london, new_york):
    assert (london.country, new_york.country) == ("GB", "US")
    assert phone_region(new_york) == "US"
    assert phone_region() == "GB"  # Islington was set up first

    london.active = False
    london.save()
    assert phone_region() == "US"


def test_with_no_location_at_all_the_region_is_the_time_zone_settings_country(db, settings):
    settings.TIME_ZONE = "Australia/Sydney"
    assert phone_region() == "AU"


def test_a_patient_is_read_with_the_country_of_the_location_they_are_booked_at(london, new_york):
    patient = f.PatientFactory()
    assert patient_phone_region(patient) == "GB"  # never booked: the main location

    f.AppointmentFactory(patient=patient, location=new_york)
    assert patient_phone_region(patient) == "US"


# --- forms ------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["07700 900123", "+44 7700 900123", "+44 (0)7700 900123", "0044 7700-900-123"])
def test_the_desk_types_a_uk_number_any_way_and_it_is_stored_in_e164(london, front_desk_client, typed):
    response = front_desk_client.post(reverse("patients:create"), staff_form(phone=typed))

    assert response.status_code == 302
    assert Patient.objects.get().phone == "+447700900123"


def test_an_american_number_without_its_code_is_read_as_american_for_a_patient_booked_in_new_york(
    london, new_york, patient, patient_client
):
    f.AppointmentFactory(patient=patient, location=new_york)

    response = patient_client.post(
        reverse("patients:my_details"), own_details(phone="(212) 555-0100", emergency_contact_phone="212.555.0199")
    )

    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.phone, patient.emergency_contact_phone) == ("+12125550100", "+12125550199")


def test_the_same_american_number_is_refused_next_to_the_field_at_a_uk_clinic(london, patient, patient_client):
    response = patient_client.post(reverse("patients:my_details"), own_details(phone="(212) 555-0100"))

    assert response.status_code == 200
    message = response.context["form"].errors["phone"][0]
    assert "A number from another country needs its + code" in message and "07400 123456" in message
    assert message in error_next_to(response, "phone")
    assert 'value="(212) 555-0100"' in response.content.decode()  # what was typed is kept


def test_the_patient_sees_their_number_written_for_people_on_their_details_page(london, patient, patient_client):
    Patient.objects.filter(pk=patient.pk).update(phone="+447700900123")

    page = patient_client.get(reverse("patients:my_details")).content.decode()

    assert 'value="+44 7700 900123"' in page


@pytest.mark.parametrize("typed", ["123", "call me", "07700 90012", "+999 1234 5678", "9" * 30])
def test_numbers_we_cannot_call_are_explained_next_to_the_field(london, front_desk_client, typed):
    response = front_desk_client.post(
        reverse("patients:create"), staff_form(phone="", email="h@example.org", emergency_contact_phone=typed)
    )

    assert response.status_code == 200
    (message,) = response.context["form"].errors["emergency_contact_phone"]
    assert message.startswith("Enter a phone number we can call or text")
    assert message in error_next_to(response, "emergency_contact_phone")
    assert not Patient.objects.exists()


def test_registration_reads_a_number_with_the_main_locations_country(new_york, client):
    response = client.post(
        reverse("patients:register"),
        {
            "full_name": "Rosa Delgado",
            "email": "rosa@example.org",
            "phone": "(212) 555-0100",
            "date_of_birth": "1978-09-12",
            "password1": "quiet-river-lantern-42",
            "password2": "quiet-river-lantern-42",
        },
    )

    assert response.status_code == 302
    patient = Patient.objects.get()
    assert patient.phone == patient.user.phone == "+12125550100"


def test_a_caller_booked_at_new_york_gives_an_american_number(london, new_york, front_desk_client):
    response = front_desk_client.post(
        reverse("scheduling:desk_patient_new"),
        {
            "full_name": "Nina New",
            "phone": "212 555 0100",
            "date_of_birth": "1985-06-01",
            "email": "",
            "location": new_york.pk,
        },
    )

    assert response.status_code == 302
    assert Patient.objects.get().phone == "+12125550100"


def test_a_tampered_location_on_the_callers_form_falls_back_to_the_main_location(london, front_desk_client):
    response = front_desk_client.post(
        reverse("scheduling:desk_patient_new"),
        {"full_name": "Nina New", "phone": "07700 900555", "date_of_birth": "1985-06-01", "location": "9" * 40},
    )

    assert response.status_code == 302
    assert Patient.objects.get().phone == "+447700900555"


def test_services_store_e164_for_every_caller_and_refuse_an_unreadable_number(london):
    patient = services.patient_create(full_name="Harriet Vane", phone="07700 900123", emergency_contact_phone="")
    assert patient.phone == "+447700900123" and not patient.phone_to_check

    with pytest.raises(services.PatientError) as exc:
        services.patient_update(patient=patient, emergency_contact_phone="ring twice")
    assert exc.value.field == "emergency_contact_phone"


# --- search and duplicates keep working -------------------------------------------------------


@pytest.mark.parametrize("typed", ["7700 900", "07700900123", "+44 7700 900123", "0770-090-0123", "900123"])
def test_a_number_stored_in_e164_is_found_by_any_part_typed_any_way(london, front_desk_client, typed):
    front_desk_client.post(reverse("patients:create"), staff_form(phone="07700 900123"))
    f.PatientFactory(full_name="Someone Else", phone="+447400111222")

    assert [p.full_name for p in patient_search(typed)] == ["Harriet Vane"]
    assert [p.full_name for p in find_patients(typed)] == ["Harriet Vane"]
    page = front_desk_client.get(reverse("patients:list"), {"q": typed}).content.decode()
    assert "Harriet Vane" in page and "+44 7700 900123" in page and "Someone Else" not in page


def test_the_same_number_typed_another_way_with_the_same_birthday_is_a_duplicate(london, front_desk_client):
    existing = f.PatientFactory(full_name="Harriet Vane", phone="+447700900123", date_of_birth=DOB)

    response = front_desk_client.post(reverse("patients:create"), staff_form(full_name="H Vane", phone="07700900123"))

    assert response.status_code == 200 and response.context["duplicate"].candidates == [
        (existing, "phone and date of birth")
    ]


# --- numbers that could not be converted ------------------------------------------------------


def test_the_desk_finds_the_records_whose_number_must_be_checked(london, front_desk_client):
    kept = f.PatientFactory(full_name="Kept As Typed")
    Patient.objects.filter(pk=kept.pk).update(phone="ring the shop", phone_to_check=True)
    f.PatientFactory(full_name="Fine Number")

    listing = front_desk_client.get(reverse("patients:list")).content.decode()
    assert "1 record with a phone number to check" in listing

    to_check = front_desk_client.get(reverse("patients:list"), {"phones": "check"}).content.decode()
    assert "Kept As Typed" in to_check and "ring the shop" in to_check and "Fine Number" not in to_check

    detail = front_desk_client.get(reverse("patients:detail", args=[kept.pk])).content.decode()
    assert 'data-testid="phone-to-check"' in detail


def test_correcting_the_number_clears_the_check(london, front_desk_client):
    kept = f.PatientFactory(full_name="Kept As Typed", date_of_birth=DOB)
    Patient.objects.filter(pk=kept.pk).update(phone="ring the shop", phone_to_check=True)

    refused = front_desk_client.post(reverse("patients:edit", args=[kept.pk]), staff_form(phone="ring the shop"))
    assert refused.status_code == 200 and "phone" in refused.context["form"].errors

    front_desk_client.post(reverse("patients:edit", args=[kept.pk]), staff_form(phone="07700 900777"))
    kept.refresh_from_db()
    assert (kept.phone, kept.phone_to_check) == ("+447700900777", False)
