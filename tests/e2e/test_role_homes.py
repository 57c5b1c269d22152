"""Each role logs in through the real login form, in a real browser, and lands on its own workspace."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from clinic.models import Role
from tests import factories as f


def _patient():
    return f.PatientUserFactory(full_name="Paula Patient", email="paula@example.org").user


def _practitioner():
    return f.PractitionerFactory(user__full_name="Piet Practitioner", user__email="piet@example.org").user


def _front_desk():
    return f.UserFactory(role=Role.FRONT_DESK, full_name="Frank Frontdesk", email="frank@example.org")


def _manager():
    return f.UserFactory(role=Role.MANAGER, full_name="Maja Manager", email="maja@example.org", is_staff=True)


ROLE_HOMES = [
    # who, the URL name of their workspace, its title, and something that shows the page's real state
    pytest.param(_patient, "patients:home", "My care", re.compile(r"You have no appointments"), id="patient"),
    pytest.param(_practitioner, "plans:my_day", "My day", "No patients booked today yet.", id="practitioner"),
    pytest.param(_front_desk, "scheduling:schedule", "Schedule", "No appointments on this day yet.", id="front_desk"),
    pytest.param(_manager, "clinic:manager_home", "Clinic", "Background jobs", id="manager"),
]


@pytest.mark.parametrize(("make_user", "home", "title", "state_text"), ROLE_HOMES)
def test_each_role_logs_in_and_lands_on_its_home_page(page, login, live_server, make_user, home, title, state_text):
    user = make_user()

    login(page, user.email, f.TEST_PASSWORD)

    expect(page).to_have_url(re.compile(re.escape(live_server.url + reverse(home)) + r"(\?.*)?$"))
    expect(page).to_have_title(re.compile(rf"^{re.escape(title)} ·"))
    expect(page.get_by_text(state_text).first).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_a_wrong_password_keeps_the_visitor_on_the_login_page_with_a_message(page, login):
    user = _manager()

    with pytest.raises(AssertionError, match="Login as maja@example.org failed"):
        login(page, user.email, "not-the-password-1")

    expect(page).to_have_title(re.compile(r"^Log in ·"))
    expect(page.get_by_text("correct email address and password", exact=False)).to_be_visible()
