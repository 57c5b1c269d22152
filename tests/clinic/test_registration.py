"""A new patient signs up: one page, a login and a patient record, and clear messages when something is off."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import Role, User
from patients.models import Patient
from tests import factories as f

from .page import error_next_to

GOOD = {
    "full_name": "Rosa Delgado",
    "email": "Rosa.Delgado@Example.org",
    "phone": "+44 7700 900555",
    "date_of_birth": "1978-09-12",
    "password1": "quiet-river-lantern-42",
    "password2": "quiet-river-lantern-42",
}


def _signup(client, **changes):
    return client.post(reverse("patients:register"), {**GOOD, **changes})


def _errors_for(response, field: str) -> list[str]:
    errors = list(response.context["form"].errors.get(field, []))
    for message in errors:
        assert message in error_next_to(response, field), f"{message!r} is not shown next to {field}"
    return errors


def test_signing_up_creates_a_patient_login_and_record_and_logs_in(client, db):
    response = _signup(client)
    assert response.status_code == 302
    # On to the patient's own pages (the intake comes first), already logged in.
    assert response["Location"].startswith(reverse("patients:home"))
    assert client.get(response["Location"], follow=True).status_code == 200

    user = User.objects.get(email="rosa.delgado@example.org")
    assert user.role == Role.PATIENT and not user.is_staff
    patient = Patient.objects.get(user=user)
    assert (patient.full_name, patient.phone, patient.date_of_birth) == (
        "Rosa Delgado",
        "+447700900555",  # stored in E.164
        dt.date(1978, 9, 12),
    )
    home = client.get(reverse("patients:home"))
    assert home.status_code == 200
    assert "Rosa Delgado" in home.content.decode()


def test_signing_up_joins_a_record_the_front_desk_already_made(client, db):
    walk_in = f.PatientFactory(
        full_name="Rosa Delgado", email="rosa.delgado@example.org", date_of_birth=dt.date(1978, 9, 12), user=None
    )
    _signup(client)
    walk_in.refresh_from_db()
    assert walk_in.user.email == "rosa.delgado@example.org"


def test_a_stranger_with_the_email_but_another_birthday_does_not_get_the_record(client, db):
    # Nobody proves they own the email at sign-up: the email alone must not open someone's record.
    walk_in = f.PatientFactory(
        full_name="Rosa Delgado", email="rosa.delgado@example.org", date_of_birth=dt.date(1978, 9, 12), user=None
    )
    response = _signup(client, full_name="Mallory Stranger", date_of_birth="1990-01-01")

    assert response.status_code == 200
    assert "We already have a patient record with this email" in _errors_for(response, "email")[0]
    walk_in.refresh_from_db()
    assert walk_in.user is None
    assert not User.objects.filter(email="rosa.delgado@example.org").exists()
    assert not client.get(reverse("patients:home")).wsgi_request.user.is_authenticated
    assert Patient.objects.count() == 1


def test_an_email_already_in_use_is_refused_next_to_the_email(client, patient):
    response = _signup(client, email="PAT@example.org")
    assert response.status_code == 200
    assert _errors_for(response, "email") == ["An account with this email already exists. Try logging in instead."]
    assert User.objects.filter(email__iexact="pat@example.org").count() == 1


def test_an_email_on_another_patients_record_gets_a_message_not_an_error_page(client, patient):
    # The record says pat@example.org, but its owner logs in with a different address now.
    patient.user.email = "pat.new@example.org"
    patient.user.save()
    response = _signup(client, email="pat@example.org")
    assert response.status_code == 200
    assert "We already have a patient record with this email" in _errors_for(response, "email")[0]
    assert not User.objects.filter(email="pat@example.org").exists()


@pytest.mark.parametrize(
    "password, message",
    [
        ("short-pw-1", "This password is too short. It must contain at least 12 characters."),
        ("password1234", "This password is too common."),
        ("738264917302", "This password is entirely numeric."),
        ("rosa.delgado1", "The password is too similar to the email address."),
    ],
)
def test_a_weak_password_is_refused_next_to_the_password(client, db, password, message):
    response = _signup(client, password1=password, password2=password)
    assert response.status_code == 200
    assert message in _errors_for(response, "password1")
    assert not User.objects.filter(email="rosa.delgado@example.org").exists()


def test_passwords_that_differ_are_pointed_out(client, db):
    response = _signup(client, password2="quiet-river-lantern-43")
    assert _errors_for(response, "password2") == ["The two passwords do not match."]


@pytest.mark.parametrize(
    "typed, message",
    [
        ("last tuesday", "Enter a real date, for example 1980-04-23."),
        ("1990-02-30", "Enter a real date, for example 1980-04-23."),
        ("1990-13-01", "Enter a real date, for example 1980-04-23."),
        ("2999-01-01", "The date of birth must be in the past."),
        ("1850-06-01", "Please check the year of birth."),
    ],
)
def test_a_date_of_birth_that_cannot_be_right_is_refused_next_to_the_date(client, db, typed, message):
    response = _signup(client, date_of_birth=typed)
    assert response.status_code == 200
    assert _errors_for(response, "date_of_birth") == [message]


def test_today_is_not_a_date_of_birth(client, db):
    response = _signup(client, date_of_birth=timezone.localdate().isoformat())
    assert _errors_for(response, "date_of_birth") == ["The date of birth must be in the past."]


def test_a_british_style_date_is_understood(client, db):
    _signup(client, date_of_birth="12/09/1978")
    assert Patient.objects.get().date_of_birth == dt.date(1978, 9, 12)


def test_a_phone_number_we_cannot_call_is_refused(client, db):
    response = _signup(client, phone="call me")
    assert "Enter a phone number we can call" in _errors_for(response, "phone")[0]


def test_a_refused_form_keeps_what_was_typed_except_the_passwords(client, db):
    response = _signup(client, email="pat", date_of_birth="1990-02-30")
    page = response.content.decode()
    assert 'value="Rosa Delgado"' in page
    assert 'value="+44 7700 900555"' in page
    assert 'value="1990-02-30"' in page
    assert 'value="pat"' in page
    assert "quiet-river-lantern-42" not in page


@pytest.mark.parametrize(
    "changes",
    [
        {"full_name": ""},
        {"full_name": "x" * 500},
        {"email": "not-an-email"},
        {"date_of_birth": ""},
        {"password1": "", "password2": ""},
        {"phone": "9" * 100},
    ],
)
def test_odd_input_never_gives_an_error_page(client, db, changes):
    response = _signup(client, **changes)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not User.objects.exists()


def test_logged_in_people_are_sent_home_instead_of_signing_up_again(patient_client):
    response = patient_client.get(reverse("patients:register"))
    assert response.status_code == 302
