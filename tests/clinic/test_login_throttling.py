"""Guessing passwords is slowed down: after 5 failures for one email from one address, logins pause."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from tests.factories import TEST_PASSWORD

LIMIT = 5


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = LIMIT


def _attempt(client, email, password, ip="203.0.113.7"):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def _fail(client, email, times, ip="203.0.113.7"):
    for _ in range(times):
        assert _attempt(client, email, "wrong-guess-000", ip).status_code == 200


def test_after_too_many_failures_even_the_right_password_is_refused_with_the_locked_out_page(axes_on, client, patient):
    _fail(client, "pat@example.org", LIMIT - 1)
    fifth = _attempt(client, "pat@example.org", "wrong-guess-000")
    assert fifth.status_code == 429
    assert "Too many failed log-ins" in fifth.content.decode()

    response = _attempt(client, "pat@example.org", TEST_PASSWORD)
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_few_mistakes_do_not_lock_anyone_out(axes_on, client, patient):
    _fail(client, "pat@example.org", LIMIT - 2)
    assert _attempt(client, "pat@example.org", TEST_PASSWORD).status_code == 302


def test_changing_the_capitals_of_the_email_does_not_get_round_the_lock(axes_on, client, patient):
    _fail(client, "pat@example.org", LIMIT - 1)
    assert _attempt(client, "PAT@Example.org", "wrong-guess-000").status_code == 429
    assert _attempt(client, "Pat@example.org", TEST_PASSWORD).status_code == 429


def test_the_lock_is_for_that_email_from_that_address_only(axes_on, client, patient, other_patient):
    _fail(client, "pat@example.org", LIMIT - 1)
    assert _attempt(client, "pat@example.org", "wrong-guess-000").status_code == 429
    # The same person on their phone network can still log in; so can someone else at the clinic.
    assert _attempt(Client(), "pat@example.org", TEST_PASSWORD, ip="198.51.100.20").status_code == 302
    assert _attempt(Client(), "olive@example.org", TEST_PASSWORD).status_code == 302


# --- behind a proxy -----------------------------------------------------------------------------
# The HTTPS proxy connects from one address for everybody; it says who the client was in X-Forwarded-For.

PROXY = "10.0.0.2"


def _via_proxy(client, email, password, client_ip, forged=""):
    forwarded = f"{forged}, {client_ip}" if forged else client_ip
    return client.post(
        reverse("login"),
        {"username": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.fixture
def behind_one_proxy(axes_on, settings):
    settings.TRUSTED_PROXY_COUNT = 1


def test_behind_a_proxy_a_stranger_guessing_cannot_lock_the_owner_out(behind_one_proxy, patient):
    attacker = Client()
    for _ in range(LIMIT):
        _via_proxy(attacker, "pat@example.org", "wrong-guess-000", "198.51.100.66")
    assert _via_proxy(attacker, "pat@example.org", TEST_PASSWORD, "198.51.100.66").status_code == 429
    # The owner, at home, comes through the same proxy and logs in.
    assert _via_proxy(Client(), "pat@example.org", TEST_PASSWORD, "203.0.113.7").status_code == 302


def test_behind_a_proxy_the_guesser_is_still_locked_out_whatever_they_forge(behind_one_proxy, patient):
    attacker = Client()
    for n in range(LIMIT):
        # A forged left-hand entry changes every time; the proxy's own entry (the real address) does not.
        _via_proxy(attacker, "pat@example.org", "wrong-guess-000", "198.51.100.66", forged=f"192.0.2.{n}")
    response = _via_proxy(attacker, "pat@example.org", TEST_PASSWORD, "198.51.100.66", forged="192.0.2.99")
    assert response.status_code == 429


def test_served_directly_a_forged_forwarded_header_is_ignored(axes_on, settings, patient):
    settings.TRUSTED_PROXY_COUNT = 0
    attacker = Client()
    for n in range(LIMIT):
        attacker.post(
            reverse("login"),
            {"username": "pat@example.org", "password": "wrong-guess-000"},
            REMOTE_ADDR="198.51.100.66",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    locked = attacker.post(
        reverse("login"),
        {"username": "pat@example.org", "password": TEST_PASSWORD},
        REMOTE_ADDR="198.51.100.66",
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert locked.status_code == 429
    assert _attempt(Client(), "pat@example.org", TEST_PASSWORD, ip="203.0.113.7").status_code == 302


def test_the_audit_log_records_failures_the_lockout_and_the_login_with_the_clients_address(behind_one_proxy, patient):
    from clinic.models import AuditEvent

    for _ in range(LIMIT):
        _via_proxy(Client(), "pat@example.org", "wrong-guess-000", "198.51.100.66")
    _via_proxy(Client(), "pat@example.org", TEST_PASSWORD, "203.0.113.7")

    events = list(AuditEvent.objects.order_by("pk").values_list("action", "ip_address", "object_id"))
    assert events.count(("login_failed", "198.51.100.66", str(patient.user.pk))) == LIMIT
    assert ("lockout", "198.51.100.66", str(patient.user.pk)) in events
    assert events[-1] == ("login", "203.0.113.7", str(patient.user.pk))


def test_an_over_long_email_gets_a_message_not_an_error(axes_on, client, patient):
    response = _attempt(client, "x" * 300 + "@example.org", "wrong-guess-000")
    assert response.status_code == 200
    assert "at most 254 characters" in response.content.decode()
