"""A manager creates staff accounts; the new colleague gets an email to choose a password."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clinic.models import PractitionerProfile, Role, User
from tests import factories as f

from .page import error_next_to

NEW_PASSWORD = "sturdy-maple-compass-31"


def _create(client, **fields):
    data = {"full_name": "Nia Okafor", "email": "nia@example.org", "phone": "+44 7700 900777", "role": Role.FRONT_DESK}
    data.update(fields)
    return client.post(reverse("clinic:staff_create"), data)


def test_a_manager_creates_a_front_desk_account_and_an_invitation_is_emailed(
    manager_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the outbox sends after commit
        response = _create(manager_client)
    assert response["Location"] == reverse("clinic:manager_home")

    user = User.objects.get(email="nia@example.org")
    assert user.role == Role.FRONT_DESK and not user.is_staff
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1
    invite = mail.outbox[0]
    assert invite.to == ["nia@example.org"]
    assert "choose a password" in invite.subject
    assert "/accounts/reset/" in invite.body

    page = manager_client.get(reverse("clinic:manager_home")).content.decode()
    assert "Account created for Nia Okafor. We emailed nia@example.org a link to choose a password." in page
    assert "nia@example.org" in page


def test_the_new_colleague_follows_the_link_chooses_a_password_and_logs_in(
    manager_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the outbox sends after commit
        _create(manager_client)
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    colleague = Client()
    form_url = colleague.get(link)["Location"]
    colleague.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    response = colleague.post(reverse("login"), {"username": "nia@example.org", "password": NEW_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("scheduling:schedule")


def test_a_colleague_whose_invitation_expired_can_ask_for_a_new_link(
    manager_client, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _create(manager_client)  # the invitation goes out
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # the outbox sends after commit
        client.post(reverse("password_reset"), {"email": "nia@example.org"})
    assert [m.to for m in mail.outbox] == [["nia@example.org"]]


def test_a_new_manager_can_open_the_setup_area(manager_client):
    _create(manager_client, role=Role.MANAGER, email="second@example.org")
    assert User.objects.get(email="second@example.org").is_staff


def test_a_practitioner_is_created_with_their_licence_locations_and_services(manager_client):
    location = f.LocationFactory(name="Acuclinic Islington")
    service = f.ServiceFactory(name="Follow-up treatment")
    expiry = timezone.localdate() + dt.timedelta(days=365)
    response = _create(
        manager_client,
        role=Role.PRACTITIONER,
        email="lee@example.org",
        full_name="Lee Chan",
        licence_number="BAC-4242",
        licence_body="British Acupuncture Council",
        licence_expiry=expiry.isoformat(),
        locations=[location.pk],
        services=[service.pk],
    )
    assert response.status_code == 302
    profile = PractitionerProfile.objects.get(user__email="lee@example.org")
    assert (profile.licence_number, profile.licence_expiry) == ("BAC-4242", expiry)
    assert list(profile.locations.all()) == [location] and list(profile.services.all()) == [service]
    assert not profile.user.is_staff
    # The manager is pointed at the next step: working hours.
    page = manager_client.get(response["Location"]).content.decode()
    assert reverse("admin:clinic_practitionerprofile_change", args=[profile.pk]) in page


def test_a_practitioner_without_licence_details_is_refused_field_by_field(manager_client):
    response = _create(manager_client, role=Role.PRACTITIONER, licence_number="BAC-1")
    assert response.status_code == 200
    assert error_next_to(response, "licence_body") == "Practitioners need this before they can be booked."
    assert error_next_to(response, "licence_expiry") == "Practitioners need this before they can be booked."
    assert error_next_to(response, "licence_number") == ""
    assert not User.objects.filter(email="nia@example.org").exists()
    assert mail.outbox == []


def test_an_already_expired_licence_is_refused(manager_client):
    response = _create(
        manager_client,
        role=Role.PRACTITIONER,
        licence_number="BAC-1",
        licence_body="BAcC",
        licence_expiry=(timezone.localdate() - dt.timedelta(days=1)).isoformat(),
    )
    assert "already expired" in error_next_to(response, "licence_expiry")


def test_licence_details_typed_for_a_receptionist_are_not_stored(manager_client):
    _create(manager_client, licence_number="BAC-1", licence_body="BAcC", licence_expiry="2030-01-01")
    assert not PractitionerProfile.objects.filter(user__email="nia@example.org").exists()


def test_a_duplicate_email_is_shown_next_to_the_email_and_the_rest_is_kept(manager_client, front_desk_user):
    response = _create(manager_client, email="DESK@example.org", full_name="Nia Okafor")
    assert response.status_code == 200
    assert error_next_to(response, "email") == "An account with this email already exists."
    page = response.content.decode()
    assert 'value="Nia Okafor"' in page and 'value="+44 7700 900777"' in page
    assert mail.outbox == []


@pytest.mark.parametrize("role", [Role.PATIENT, "superuser"])
def test_the_form_does_not_create_patients_or_other_kinds_of_account(manager_client, role):
    response = _create(manager_client, role=role)
    assert "Select a valid choice" in error_next_to(response, "role")
    assert not User.objects.filter(email="nia@example.org").exists()
