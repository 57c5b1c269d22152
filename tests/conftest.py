"""Shared fixtures: one person for each role, and a logged-in client for each."""

import pytest
from django.test import Client

from clinic.models import Role

from . import factories as f


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.AXES_ENABLED = False
    # Outbox messages go out at once in unit tests (tests of the 3-minute hold set it back).
    settings.OUTBOX_HOLD_SECONDS = 0
    settings.SMS_BACKEND = "clinic.messaging.backends.LocmemBackend"


@pytest.fixture
def patient(db):
    return f.PatientUserFactory(full_name="Pat Owner", email="pat@example.org")


@pytest.fixture
def other_patient(db):
    return f.PatientUserFactory(full_name="Olive Other", email="olive@example.org")


@pytest.fixture
def practitioner(db):
    return f.PractitionerFactory(user__full_name="Dr Prac Titioner", user__email="prac@example.org")


@pytest.fixture
def front_desk_user(db):
    return f.UserFactory(role=Role.FRONT_DESK, full_name="Fran Desk", email="desk@example.org")


@pytest.fixture
def manager_user(db):
    return f.UserFactory(role=Role.MANAGER, full_name="Mona Manager", email="manager@example.org", is_staff=True)


def _client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def patient_client(patient):
    return _client_for(patient.user)


@pytest.fixture
def other_patient_client(other_patient):
    return _client_for(other_patient.user)


@pytest.fixture
def practitioner_client(practitioner):
    return _client_for(practitioner.user)


@pytest.fixture
def front_desk_client(front_desk_user):
    return _client_for(front_desk_user)


@pytest.fixture
def manager_client(manager_user):
    return _client_for(manager_user)
