"""Patient records: front-desk create/edit with duplicate checks, search, archive, the patient's own details."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from patients import services
from patients.models import Patient
from patients.queries import duplicate_candidates, patient_search
from tests import factories as f

pytestmark = pytest.mark.django_db

DOB = dt.date(1968, 2, 29)


def create_form(**overrides):
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
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- duplicates -------------------------------------------------------------------------------


def test_same_email_is_a_duplicate_that_cannot_be_forced():
    existing = f.PatientFactory(email="harriet@example.org")

    with pytest.raises(services.DuplicatePatient) as exc:
        services.patient_create(full_name="H. Vane", email="Harriet@Example.org", allow_duplicate=True)

    assert exc.value.candidates == [(existing, "email")]
    assert exc.value.forcible is False


def test_same_phone_in_another_format_and_same_birthday_is_a_duplicate():
    existing = f.PatientFactory(phone="+44 7700 900123", date_of_birth=DOB)

    with pytest.raises(services.DuplicatePatient) as exc:
        services.patient_create(full_name="Harriet Vane", phone="07700 900123", date_of_birth=DOB)

    assert exc.value.candidates == [(existing, "phone and date of birth")]
    assert exc.value.forcible is True


def test_a_relative_sharing_the_phone_can_be_created_on_purpose():
    f.PatientFactory(phone="+44 7700 900123", date_of_birth=DOB)

    twin = services.patient_create(
        full_name="Harry Vane", phone="07700 900123", date_of_birth=DOB, allow_duplicate=True
    )

    assert Patient.objects.filter(phone_key=twin.phone_key).count() == 2


def test_same_phone_with_another_birthday_or_an_archived_record_is_not_a_duplicate():
    f.PatientFactory(phone="+44 7700 900123", date_of_birth=dt.date(1990, 1, 1))
    f.PatientFactory(email="old@example.org", archived=True)

    assert duplicate_candidates(phone="07700 900123", date_of_birth=DOB) == []
    assert duplicate_candidates(email="old@example.org") == []


def test_the_front_desk_form_shows_the_possible_duplicate_and_a_link_to_it(front_desk_client):
    existing = f.PatientFactory(full_name="Harriet D. Vane", phone="+44 7700 900123", date_of_birth=DOB)

    response = front_desk_client.post(reverse("patients:create"), create_form())
    html = response.content.decode()

    assert response.status_code == 200
    assert "Possible duplicate" in html and "Harriet D. Vane" in html
    assert reverse("patients:detail", kwargs={"pk": existing.pk}) in html
    assert 'name="force"' in html
    assert Patient.objects.count() == 1


def test_the_front_desk_can_confirm_it_is_a_different_person(front_desk_client, front_desk_user):
    f.PatientFactory(phone="+44 7700 900123", date_of_birth=DOB)

    response = front_desk_client.post(reverse("patients:create"), create_form(force="on"))

    created = Patient.objects.get(full_name="Harriet Vane")
    assert response["Location"] == reverse("patients:detail", kwargs={"pk": created.pk})
    assert created.created_by == front_desk_user and created.user is None


def test_an_email_duplicate_offers_no_force_option(front_desk_client):
    f.PatientFactory(email="harriet@example.org")

    html = front_desk_client.post(
        reverse("patients:create"), create_form(email="harriet@example.org", force="on")
    ).content.decode()

    assert "Two active records cannot share an email address" in html
    assert 'name="force"' not in html
    assert Patient.objects.count() == 1


def test_editing_a_record_into_another_patients_phone_and_birthday_is_caught(front_desk_client):
    f.PatientFactory(full_name="Existing Person", phone="+44 7700 900123", date_of_birth=DOB)
    other = f.PatientFactory(full_name="Harriet Vane", phone="+44 7700 111111", date_of_birth=DOB)

    response = front_desk_client.post(reverse("patients:edit", kwargs={"pk": other.pk}), create_form())

    assert "Possible duplicate" in response.content.decode()
    other.refresh_from_db()
    assert other.phone == "+44 7700 111111"


def test_a_record_needs_a_phone_or_an_email(front_desk_client):
    response = front_desk_client.post(reverse("patients:create"), create_form(phone=""))

    assert "Give a phone number or an email" in response.content.decode()


def test_changing_the_email_of_a_patient_with_a_login_changes_the_login_too(
    front_desk_client, patient, django_capture_on_commit_callbacks
):
    old_email = patient.email
    form = create_form(full_name=patient.full_name, email="new@example.org", phone=patient.phone)

    with django_capture_on_commit_callbacks(execute=True):
        front_desk_client.post(reverse("patients:edit", kwargs={"pk": patient.pk}), form)

    patient.refresh_from_db()
    patient.user.refresh_from_db()
    assert patient.email == patient.user.email == "new@example.org"
    # The old address is told, so the real owner notices a mistaken or malicious change.
    (notice,) = mail.outbox
    assert notice.to == [old_email]
    assert "n***@example.org" in notice.body and "call the clinic" in notice.body


def test_editing_other_details_sends_no_email_change_notice(
    front_desk_client, patient, django_capture_on_commit_callbacks
):
    form = create_form(full_name=patient.full_name, email=patient.email, phone="+44 7700 900999")
    with django_capture_on_commit_callbacks(execute=True):
        front_desk_client.post(reverse("patients:edit", kwargs={"pk": patient.pk}), form)
    assert mail.outbox == []


# --- search -----------------------------------------------------------------------------------


@pytest.fixture
def people():
    return {
        "harriet": f.PatientFactory(full_name="Harriet Vane", phone="+44 7700 900123", date_of_birth=DOB),
        "peter": f.PatientFactory(full_name="Peter Wimsey", phone="020 7946 0001", date_of_birth=dt.date(1890, 1, 4)),
        "gone": f.PatientFactory(full_name="Harriet Gone", archived=True),
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("harriet", ["harriet"]),
        ("VANE harr", ["harriet"]),
        ("07700 900123", ["harriet"]),
        ("+447700900123", ["harriet"]),
        ("900123", ["harriet"]),
        ("29/02/1968", ["harriet"]),
        ("1968-02-29", ["harriet"]),
        ("wimsey 04/01/1890", ["peter"]),
        ("wimsey 29/02/1968", []),
        ("", []),
    ],
)
def test_search_by_name_phone_or_date_of_birth(people, q, expected):
    assert list(patient_search(q)) == [people[k] for k in expected]


def test_archived_records_are_found_only_when_asked_for(people):
    assert people["gone"] not in patient_search("harriet")
    assert people["gone"] in patient_search("harriet", include_archived=True)


# --- archive ----------------------------------------------------------------------------------


def test_archiving_keeps_the_record_and_hides_it_from_search(front_desk_client, people):
    harriet = people["harriet"]

    front_desk_client.post(reverse("patients:archive", kwargs={"pk": harriet.pk}))
    archived = list(patient_search("harriet"))
    front_desk_client.post(reverse("patients:archive", kwargs={"pk": harriet.pk}), {"action": "restore"})

    assert archived == []
    assert Patient.objects.filter(pk=harriet.pk).exists()
    assert list(patient_search("harriet")) == [harriet]


# --- the patient's own details ----------------------------------------------------------------


def test_a_patient_updates_their_contact_details(patient, patient_client):
    response = patient_client.post(
        reverse("patients:my_details"),
        {
            "phone": "07700 900999",
            "address": "2 Low Road",
            "emergency_contact_name": "Sam Owner",
            "emergency_contact_phone": "07700 900888",
            "consent_sms": "on",  # consent is given on the message preferences form, which records it
            "full_name": "Someone Else",  # not on the form: ignored
        },
    )

    patient.refresh_from_db()
    assert response["Location"] == reverse("patients:home")
    assert (patient.phone, patient.address, patient.emergency_contact_name) == (
        "+447700900999",  # stored in E.164
        "2 Low Road",
        "Sam Owner",
    )
    assert patient.consent_sms is False
    assert patient.full_name == "Pat Owner"
    assert patient.phone_key == "700900999"


def test_a_bad_phone_number_is_explained_by_the_field(patient_client):
    response = patient_client.post(reverse("patients:my_details"), {"phone": "call me"})

    assert response.status_code == 200
    assert "Enter a phone number we can call" in response.content.decode()
