"""`manage.py seed_demo` builds the demo clinic, and running it again changes nothing."""

import datetime as dt
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from clinic.models import Location, PractitionerProfile, Role, Room, Service, User, WorkingHours
from patients.models import Patient
from plans.management.commands.seed_demo import DEMO_PASSWORD


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


@pytest.fixture
def seeded(db):
    return _seed()


def test_running_it_twice_gives_the_same_row_counts(seeded):
    first = _row_counts()
    _seed()
    assert _row_counts() == first


def test_it_prints_the_demo_logins(seeded):
    assert f"password for every account: {DEMO_PASSWORD}" in seeded
    for email in (
        "manager@demo.acuclinic.test",
        "desk@demo.acuclinic.test",
        "practitioner1@demo.acuclinic.test",
        "practitioner2@demo.acuclinic.test",
        "practitioner3@demo.acuclinic.test",
        "patient1@demo.acuclinic.test",
        "patient20@demo.acuclinic.test",
    ):
        assert email in seeded


def test_the_demo_clinic_has_what_the_issue_asks_for(seeded):
    assert sorted(Location.objects.values_list("timezone", flat=True)) == ["America/New_York", "Europe/London"]
    assert Room.objects.count() == 4
    assert {(s.kind, s.duration_minutes) for s in Service.objects.all()} == {
        ("initial", 75),
        ("follow_up", 45),
        ("re_evaluation", 30),
    }
    assert PractitionerProfile.objects.count() == 3
    assert User.objects.filter(role=Role.FRONT_DESK).count() == 1
    assert User.objects.filter(role=Role.MANAGER).count() == 1
    assert Patient.objects.count() == 25
    assert Patient.objects.filter(user__isnull=False).count() == 20


def test_every_practitioner_works_two_blocks_a_day_with_a_lunch_break(seeded):
    for profile in PractitionerProfile.objects.all():
        days = {}
        for block in WorkingHours.objects.filter(practitioner=profile).order_by("weekday", "start"):
            days.setdefault(block.weekday, []).append(block)
        assert days, f"{profile} has no working hours"
        for morning, afternoon in days.values():
            assert morning.end < afternoon.start, "a gap for lunch"
            assert morning.location in profile.locations.all()


def test_each_practitioner_is_licensed_and_offers_every_demo_service(seeded):
    today = timezone.localdate()
    for profile in PractitionerProfile.objects.all():
        assert profile.licence_valid_on(today + dt.timedelta(days=60)), "no licence warnings in a fresh demo"
        assert profile.services.count() == 3


@pytest.mark.parametrize(
    "email, lands_on",
    [
        ("manager@demo.acuclinic.test", "clinic:manager_home"),
        ("desk@demo.acuclinic.test", "scheduling:schedule"),
        ("practitioner3@demo.acuclinic.test", "plans:my_day"),
        ("patient1@demo.acuclinic.test", "patients:home"),
    ],
)
def test_the_printed_logins_work(seeded, client, email, lands_on):
    response = client.post(reverse("login"), {"username": email, "password": DEMO_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse(lands_on)


def test_the_demo_manager_can_use_the_setup_area(seeded, client):
    client.post(reverse("login"), {"username": "manager@demo.acuclinic.test", "password": DEMO_PASSWORD})
    assert client.get(reverse("admin:clinic_practitionerprofile_changelist")).status_code == 200
