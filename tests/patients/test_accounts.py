"""Email verification after sign-up, and the front desk's invitation for patients it created."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent, ServiceKind, User
from patients import queries, services
from patients.models import Patient
from scheduling import services as booking
from tests import factories as f

pytestmark = pytest.mark.django_db

SIGNUP = {
    "full_name": "Rosa Delgado",
    "email": "rosa@example.org",
    "phone": "+44 7700 900555",
    "date_of_birth": "1978-09-12",
    "password1": "quiet-river-lantern-42",
    "password2": "quiet-river-lantern-42",
}


def _link_path(message) -> str:
    url = re.search(r"https?://\S+", message.body).group(0)
    return re.sub(r"^https?://[^/]+", "", url)


@pytest.fixture
def signed_up(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("patients:register"), SIGNUP)
    assert response.status_code == 302
    return Patient.objects.select_related("user").get(email="rosa@example.org")


@pytest.fixture
def initial(db):
    return f.bookable_setup(kind=ServiceKind.INITIAL)


def test_sign_up_emails_a_verification_link_and_the_account_starts_unverified(signed_up):
    [message] = mail.outbox

    assert message.to == ["rosa@example.org"]
    assert _link_path(message).startswith("/me/verify-email/")
    assert signed_up.user.email_verified_at is None


def test_an_unverified_patient_may_fill_in_the_intake_but_not_book(client, signed_up, initial):
    decision = booking.patient_may_self_book(signed_up, initial.service)
    intake = client.get(reverse("patients:intake_step", kwargs={"slug": "where"}))
    page = client.get(reverse("scheduling:book")).content.decode()

    assert not decision and decision.reason == queries.UNVERIFIED_MESSAGE
    assert intake.status_code == 200
    assert 'data-testid="email-unverified"' in page and "Send the link again" in page
    assert 'data-testid="service-refused"' in page
    start = timezone.now() + dt.timedelta(days=2)
    with pytest.raises(booking.NotAllowed):
        booking.appointment_self_book(
            patient=signed_up, service=initial.service, location=initial.location, start=start
        )


def test_send_the_link_again_emails_a_new_link(client, signed_up, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("patients:verify_email_resend"), {"next": reverse("scheduling:book")})

    assert response.status_code == 302 and response["Location"] == reverse("scheduling:book")
    assert len(mail.outbox) == 2 and mail.outbox[1].to == ["rosa@example.org"]


def test_send_again_never_redirects_off_site(client, signed_up):
    response = client.post(reverse("patients:verify_email_resend"), {"next": "https://evil.example/"})

    assert response["Location"] == reverse("patients:home")


def test_opening_the_link_asks_to_confirm_and_confirming_verifies(client, signed_up, initial):
    path = _link_path(mail.outbox[0])

    shown = client.get(path)
    signed_up.user.refresh_from_db()
    assert shown.status_code == 200 and b"verify-confirm" in shown.content
    assert signed_up.user.email_verified_at is None  # GET never writes

    confirmed = client.post(path)

    signed_up.user.refresh_from_db()
    assert confirmed.status_code == 302
    assert signed_up.user.email_verified_at is not None
    assert booking.patient_may_self_book(Patient.objects.get(pk=signed_up.pk), initial.service)
    assert AuditEvent.objects.filter(detail="email verified", actor=signed_up.user).count() == 1


def test_an_expired_link_gets_a_friendly_message(client, signed_up):
    path = _link_path(mail.outbox[0])

    with time_machine.travel(timezone.now() + dt.timedelta(days=3, minutes=1)):
        response = client.post(path)

    signed_up.user.refresh_from_db()
    assert response.status_code == 200
    assert "This link has expired" in response.content.decode()
    assert signed_up.user.email_verified_at is None


@pytest.mark.parametrize(
    "tamper", [lambda p: p[:-3] + "xyz/", lambda p: p.replace("/me/verify-email/", "/me/verify-email/A")]
)
def test_a_tampered_link_gets_a_friendly_message(client, signed_up, tamper):
    response = client.post(tamper(_link_path(mail.outbox[0])))

    signed_up.user.refresh_from_db()
    assert response.status_code == 200 and b'data-testid="verify-problem"' in response.content
    assert signed_up.user.email_verified_at is None


def test_a_link_sent_to_an_old_address_stops_working(signed_up):
    token = services.accounts.email_verification_token(signed_up.user)
    User.objects.filter(pk=signed_up.user.pk).update(email="rosa.new@example.org")

    with pytest.raises(services.PatientError):
        services.email_verify(token=token)


# --- the desk's invitation ------------------------------------------------------------------------


@pytest.fixture
def desk_record(db):
    return f.PatientFactory(full_name="Walter Inn", email="walter@example.org")


def test_the_desk_invites_a_patient_who_sets_a_password_and_is_verified(
    client, front_desk_client, desk_record, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = front_desk_client.post(reverse("patients:invite", kwargs={"pk": desk_record.pk}))

    desk_record.refresh_from_db()
    [message] = mail.outbox
    assert response.status_code == 302
    assert message.to == ["walter@example.org"] and not desk_record.user.has_usable_password()
    assert desk_record.user.email_verified_at is None

    set_password_page = client.get(_link_path(message), follow=True)
    assert b"Set my password" in set_password_page.content
    done = client.post(
        set_password_page.redirect_chain[-1][0],
        {"new_password1": "amber-harbour-violin-7", "new_password2": "amber-harbour-violin-7"},
    )

    user = User.objects.get(pk=desk_record.user_id)
    assert done.status_code == 302 and done["Location"] == reverse("login")
    assert user.check_password("amber-harbour-violin-7") and user.email_verified_at is not None
    assert client.login(email="walter@example.org", password="amber-harbour-violin-7")


def test_an_invitation_needs_an_email_and_is_not_sent_to_someone_with_a_login(front_desk_client, patient):
    no_email = f.PatientFactory(email="")

    first = front_desk_client.post(reverse("patients:invite", kwargs={"pk": no_email.pk}), follow=True)
    second = front_desk_client.post(reverse("patients:invite", kwargs={"pk": patient.pk}), follow=True)

    assert "Add the patient&#x27;s email address first" in first.content.decode()
    assert "already has a login" in second.content.decode()
    assert mail.outbox == [] and Patient.objects.get(pk=no_email.pk).user is None


def test_the_record_shows_the_invitation_and_appointments_with_a_book_link(front_desk_client, desk_record):
    appointment = f.AppointmentFactory(patient=desk_record)

    page = front_desk_client.get(reverse("patients:detail", kwargs={"pk": desk_record.pk})).content.decode()

    assert 'data-testid="invite"' in page
    assert reverse("scheduling:desk_appointment", kwargs={"pk": appointment.pk}) in page
    assert f"{reverse('scheduling:desk_book')}?patient={desk_record.pk}" in page


def test_the_book_link_opens_the_desk_booking_page_for_that_patient(front_desk_client, desk_record):
    response = front_desk_client.get(f"{reverse('scheduling:desk_book')}?patient={desk_record.pk}")

    assert response.status_code == 200 and desk_record.full_name in response.content.decode()


# --- staff pages have their own prefix ------------------------------------------------------------


def test_staff_pages_live_under_patients_and_the_patients_own_under_me(front_desk_client, desk_record):
    assert reverse("patients:list") == "/patients/"
    assert reverse("patients:detail", kwargs={"pk": desk_record.pk}) == f"/patients/{desk_record.pk}/"
    assert reverse("patients:home") == "/me/"
    assert front_desk_client.get("/me/records/").status_code == 404
    assert front_desk_client.get("/patients/").status_code == 200
