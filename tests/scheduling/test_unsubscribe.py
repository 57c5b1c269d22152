"""The unsubscribe link and List-Unsubscribe headers: every email to a patient has one; the
signed token works without a login, does that one thing, and refuses tampered, expired or
other-purpose tokens with a friendly page."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse

from clinic.messaging import queue_email
from patients.models import MessageConsentChange, Patient
from patients.unsubscribe import SALT, make_token
from scheduling.emails import build_email
from scheduling.models import Notification, NotificationKind
from tests import factories as f
from tests.scheduling.helpers import book, local


def url_for(token: str) -> str:
    return reverse("patients:unsubscribe", kwargs={"token": token})


def reminder_email(clinic, patient):
    appt = book(clinic, local(clinic, 5, 10), patient)
    return build_email(Notification.objects.filter(appointment=appt, kind=NotificationKind.REMINDER).first())


def test_every_email_to_a_patient_carries_a_one_click_unsubscribe(clinic):
    patient = f.PatientFactory()
    message = reminder_email(clinic, patient)
    header = message.extra_headers["List-Unsubscribe"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(https?://[^>]+)>", header).group(1)
    assert url in message.body and url in message.alternatives[0][0]
    assert "appointment reminders by email" in message.body
    # The link works: a plain GET shows the button (and changes nothing).
    page = Client().get(urlsplit(url).path)
    assert page.status_code == 200 and b"unsubscribe-confirm" in page.content

    confirmation = build_email(Notification.objects.get(patient=patient, kind=NotificationKind.BOOKING_CONFIRMED))
    assert "List-Unsubscribe" in confirmation.extra_headers
    assert "part of the service and is always sent" in confirmation.body


def test_account_emails_carry_no_unsubscribe(db):
    row = queue_email(
        kind=NotificationKind.STAFF_INVITE, to="new@example.org", subject="Welcome", text="Set a password"
    )
    assert "List-Unsubscribe" not in build_email(row).extra_headers


def test_get_shows_a_button_and_post_unsubscribes_from_that_group_only(db):
    patient = f.PatientFactory(full_name="Private Person", email="private@example.org")
    url = url_for(make_token(patient_id=patient.pk, group="reminders"))
    page = Client().get(url).content.decode()
    assert "Stop receiving <strong>appointment reminders by email</strong>" in page
    assert "Private Person" not in page and "private@example.org" not in page  # exposes nothing else
    assert Patient.objects.get(pk=patient.pk).message_opt_outs == []

    # The mail provider's one-click POST (RFC 8058): no session, no CSRF token.
    response = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and b"unsubscribe-done" in response.content
    patient.refresh_from_db()
    assert patient.message_opt_outs == ["reminders:email"] and patient.consent_email is True
    change = MessageConsentChange.objects.get(patient=patient)
    assert (change.group, change.allowed, change.source) == ("reminders", False, "unsubscribe_link")
    Client().post(url)  # twice: nothing more recorded
    assert MessageConsentChange.objects.filter(patient=patient).count() == 1


def test_the_all_link_stops_all_non_essential_email(db):
    patient = f.PatientFactory()
    Client().post(url_for(make_token(patient_id=patient.pk, group="all")))
    assert Patient.objects.get(pk=patient.pk).consent_email is False


def refused(url: str) -> str:
    for method in ("get", "post"):
        response = getattr(Client(), method)(url)
        assert response.status_code == 200 and b"unsubscribe-problem" in response.content
    return response.content.decode()


def test_tampered_expired_and_other_purpose_tokens_are_refused_kindly(db):
    patient = f.PatientFactory()
    token = make_token(patient_id=patient.pk, group="reminders")
    other = f.PatientFactory()
    rest = token.partition(":")[2]
    forged = signing.dumps({"p": other.pk, "g": "reminders"}, salt=SALT).partition(":")[0] + ":" + rest
    assert "not valid" in refused(url_for(forged))
    assert "not valid" in refused(url_for(token[:-3]))
    assert "not valid" in refused(url_for(signing.dumps({"p": patient.pk, "g": "reminders"}, salt="another.purpose")))
    assert "not valid" in refused(url_for(signing.dumps({"p": patient.pk, "g": "everything"}, salt=SALT)))
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=366)):
        assert "too old" in refused(url_for(token))
    assert Patient.objects.get(pk=patient.pk).message_opt_outs == []
    assert Patient.objects.get(pk=other.pk).message_opt_outs == []
