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
