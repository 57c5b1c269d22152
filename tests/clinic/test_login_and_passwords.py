"""Logging in, out, changing a password, and getting a new one by email."""

import re

from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from scheduling import dispatch
from scheduling.models import Notification, NotificationKind, NotificationStatus
from tests.factories import TEST_PASSWORD

NEW_PASSWORD = "amber-window-pelican-77"


def _log_in(client, email, password):
    return client.post(reverse("login"), {"username": email, "password": password})


def test_a_patient_logs_in_with_email_and_password_and_lands_on_their_page(client, patient):
    response = _log_in(client, "pat@example.org", TEST_PASSWORD)
    assert response.status_code == 302
    assert client.get(response["Location"], follow=True).redirect_chain[-1][0] == reverse("patients:home")


def test_the_email_is_not_case_sensitive_at_login(client, practitioner):
    response = _log_in(client, "PRAC@Example.org", TEST_PASSWORD)
    assert response.status_code == 302


def test_a_wrong_password_is_refused_with_a_message_and_the_email_kept(client, patient):
    response = _log_in(client, "pat@example.org", "not-my-password")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please enter a correct email address and password" in page
    assert 'value="pat@example.org"' in page
    assert SESSION_KEY not in client.session


def test_a_closed_account_cannot_log_in(client, front_desk_user):
    front_desk_user.is_active = False
    front_desk_user.save()
    response = _log_in(client, "desk@example.org", TEST_PASSWORD)
    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_logging_out_ends_the_session(patient_client):
    response = patient_client.post(reverse("logout"))
    assert response.status_code == 302
    assert patient_client.get(reverse("patients:home")).status_code == 302


def _reset_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/reset/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def _request_reset(client, email):
    """Ask for a reset link, then let the dispatcher send what the request queued."""
    response = client.post(reverse("password_reset"), {"email": email})
    dispatch.outbox_dispatch()
    return response


def test_a_forgotten_password_is_reset_by_email_end_to_end(client, patient):
    response = client.post(reverse("password_reset"), {"email": "Pat@Example.org"})
    assert response["Location"] == reverse("password_reset_done")
    # The request only queues the message, in the outbox like every other one.
    row = Notification.objects.get(kind=NotificationKind.PASSWORD_RESET)
    assert row.recipient == "pat@example.org" and row.user == patient.user and row.status == NotificationStatus.PENDING
    assert mail.outbox == []

    assert dispatch.outbox_dispatch().sent == 1
    assert dispatch.outbox_dispatch().sent == 0
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT
    (message,) = mail.outbox
    assert message.to == ["pat@example.org"]
    assert "Choose a new Acuclinic password" in message.subject

    link = _reset_link(message)
    response = client.get(link)  # Django swaps the token for a session key, then shows the form
    assert response.status_code == 302
    form_url = response["Location"]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == reverse("password_reset_complete")

    fresh = client.__class__()
    assert _log_in(fresh, "pat@example.org", TEST_PASSWORD).status_code == 200  # old password no longer works
    assert _log_in(fresh, "pat@example.org", NEW_PASSWORD).status_code == 302

    # The link works once.
    reused = client.__class__().get(link, follow=True)
    assert "This link has already been used or has expired" in reused.content.decode()


def test_a_reset_for_an_unknown_email_looks_the_same_and_sends_nothing(client, patient):
    known = client.post(reverse("password_reset"), {"email": "pat@example.org"})
    Notification.objects.all().delete()
    unknown = _request_reset(client, "nobody@example.org")
    assert unknown["Location"] == known["Location"] == reverse("password_reset_done")
    assert not Notification.objects.exists() and mail.outbox == []


def test_a_reset_link_that_fails_to_send_is_retried_and_lands_on_the_desks_list(client, patient, monkeypatch):
    def smtp_down(self, fail_silently=False):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", smtp_down)
    client.post(reverse("password_reset"), {"email": "pat@example.org"})
    dispatch.outbox_dispatch()
    row = Notification.objects.get(kind=NotificationKind.PASSWORD_RESET)
    assert row.status == NotificationStatus.PENDING and row.attempts == 1 and "smtp down" in row.last_error


def test_a_weak_new_password_is_refused_on_the_reset_page(client, patient):
    _request_reset(client, "pat@example.org")
    form_url = client.get(_reset_link(mail.outbox[0]))["Location"]
    response = client.post(form_url, {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()


def test_a_logged_in_user_changes_their_password(patient_client):
    response = patient_client.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response["Location"] == reverse("password_change_done")
    # Still logged in on this device afterwards.
    assert patient_client.get(reverse("patients:home")).status_code == 200
    fresh = patient_client.__class__()
    assert _log_in(fresh, "pat@example.org", NEW_PASSWORD).status_code == 302


def test_changing_a_password_needs_the_old_one(patient_client):
    response = patient_client.post(
        reverse("password_change"),
        {"old_password": "wrong-old-password", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
