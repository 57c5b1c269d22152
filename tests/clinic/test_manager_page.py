"""The manager's page: are the background jobs alive, and whose licence needs attention."""

import datetime as dt

import time_machine
from django.urls import reverse
from django.utils import timezone

from clinic import tasks
from clinic.models import JobHeartbeat
from tests import factories as f


def _page(client) -> str:
    return client.get(reverse("clinic:manager_home")).content.decode()


def test_before_any_job_has_run_the_manager_is_told_to_check_the_worker(manager_client):
    assert "Background jobs have not run yet" in _page(manager_client)


def test_the_heartbeat_task_records_its_run_and_the_manager_sees_when(manager_client):
    with time_machine.travel(dt.datetime(2026, 7, 1, 8, 15, 30, tzinfo=dt.UTC), tick=False):
        tasks.heartbeat.delay()  # eager in tests: runs here, through Celery's call path
    beat = JobHeartbeat.objects.get(name="heartbeat")
    assert beat.last_run_at == dt.datetime(2026, 7, 1, 8, 15, 30, tzinfo=dt.UTC)
    # Shown in the clinic's time zone (London is on summer time in July).
    assert "Background jobs last ran at 1 Jul 2026 09:15:30 BST" in _page(manager_client)


def test_the_heartbeat_overwrites_its_last_run_instead_of_piling_up(db):
    tasks.heartbeat.delay()
    tasks.heartbeat.delay()
    assert JobHeartbeat.objects.filter(name="heartbeat").count() == 1


def test_an_expired_licence_is_flagged_on_the_manager_page(manager_client):
    f.PractitionerFactory(
        user__full_name="Iris Lapsed",
        licence_number="BAC-999",
        licence_expiry=timezone.localdate() - dt.timedelta(days=1),
    )
    page = _page(manager_client)
    assert "Licence expired:" in page
    assert "Iris Lapsed (licence BAC-999" in page
    assert "They cannot be booked until it is renewed." in page


def test_a_licence_expiring_today_counts_as_expired(manager_client):
    profile = f.PractitionerFactory(user__full_name="Iris Lapsed", licence_expiry=timezone.localdate())
    assert not profile.licence_valid_on(timezone.localdate())
    assert "Licence expired:" in _page(manager_client)


def test_a_licence_expiring_within_60_days_gets_a_warning(manager_client):
    f.PractitionerFactory(user__full_name="Sam Soon", licence_expiry=timezone.localdate() + dt.timedelta(days=30))
    page = _page(manager_client)
    assert "Licence expiring soon:" in page
    assert "Sam Soon’s licence expires on" in page
    assert "Licence expired:" not in page


def test_valid_licences_give_no_alarm(manager_client, practitioner):
    page = _page(manager_client)
    assert "All practitioner licences are valid for at least 60 days." in page
    assert "Licence expired:" not in page and "Licence expiring soon:" not in page


def test_a_practitioner_who_left_is_not_flagged(manager_client):
    f.PractitionerFactory(
        user__full_name="Gone Gale", active=False, licence_expiry=timezone.localdate() - dt.timedelta(days=100)
    )
    assert "Licence expired:" not in _page(manager_client)


def test_the_licence_rule_is_valid_until_the_day_before_expiry(db):
    profile = f.PractitionerFactory(licence_expiry=dt.date(2026, 6, 30))
    assert profile.licence_valid_on(dt.date(2026, 6, 29))
    assert not profile.licence_valid_on(dt.date(2026, 6, 30))
    assert not profile.licence_valid_on(dt.date(2026, 7, 1))
