"""Time off is typed in the practitioner's location's zone, and the form says which zone that is."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse

from clinic.models import TimeOff
from tests import factories as f

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture
def ny_practitioner(db):
    return f.bookable_setup(tz="America/New_York").practitioner


def test_new_york_time_off_typed_in_the_standalone_form_is_new_york_time(manager_client, ny_practitioner):
    response = manager_client.post(
        reverse("admin:clinic_timeoff_add"),
        {
            "practitioner": ny_practitioner.pk,
            "start_0": "2026-07-06",
            "start_1": "09:00",
            "end_0": "2026-07-06",
            "end_1": "13:00",
            "reason": "Dentist",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    off = TimeOff.objects.get(practitioner=ny_practitioner)
    assert off.start == dt.datetime(2026, 7, 6, 9, 0, tzinfo=NEW_YORK)  # 13:00 UTC, not 08:00 (London)
    assert off.end == dt.datetime(2026, 7, 6, 13, 0, tzinfo=NEW_YORK)


def test_the_practitioner_page_types_and_shows_time_off_in_the_locations_zone(manager_client, ny_practitioner):
    f.TimeOffFactory(
        practitioner=ny_practitioner,
        start=dt.datetime(2026, 7, 6, 13, 0, tzinfo=dt.UTC),
        end=dt.datetime(2026, 7, 6, 17, 0, tzinfo=dt.UTC),
    )
    page = manager_client.get(reverse("admin:clinic_practitionerprofile_change", args=[ny_practitioner.pk]))
    html = page.content.decode()
    assert "local time in America/New_York" in html
    assert 'value="09:00' in html and 'value="13:00' in html  # 13:00–17:00 UTC shown as New York time


def test_the_time_off_list_shows_local_times_with_the_zone(manager_client, ny_practitioner):
    f.TimeOffFactory(
        practitioner=ny_practitioner,
        start=dt.datetime(2026, 1, 6, 14, 0, tzinfo=dt.UTC),
        end=dt.datetime(2026, 1, 6, 17, 0, tzinfo=dt.UTC),
    )
    html = manager_client.get(reverse("admin:clinic_timeoff_changelist")).content.decode()
    assert "2026-01-06 09:00 EST" in html and "2026-01-06 12:00 EST" in html


def test_the_form_names_the_zone_when_a_practitioner_is_chosen(manager_client, ny_practitioner):
    html = manager_client.get(reverse("admin:clinic_timeoff_add"), {"practitioner": ny_practitioner.pk})
    assert "local time in America/New_York" in html.content.decode()
