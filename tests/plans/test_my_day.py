"""The practitioner's "My day": today's patients in the clinic's time, their alerts, links to the chart."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from clinic.models import AuditEvent
from tests import factories as f

URL = reverse("plans:my_day")
# Tuesday 10 March 2026, 13:00 UTC = 09:00 in New York (EDT).
NOW = dt.datetime(2026, 3, 10, 13, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ny(db, practitioner):
    return f.bookable_setup(tz="America/New_York", practitioner=practitioner)


def appt(setup, day: int, hour: int, minute: int = 0, **kw):
    start = dt.datetime(2026, 3, day, hour, minute, tzinfo=setup.location.tz)
    kw.setdefault("practitioner", setup.practitioner)
    kw.setdefault("room", setup.rooms[0])
    return f.AppointmentFactory(start=start, location=setup.location, service=setup.service, **kw)


def page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_todays_patients_are_listed_in_the_clinics_local_time(practitioner_client, ny):
    appt(ny, 10, 10, patient=f.PatientFactory(full_name="Morning Mo"))
    appt(ny, 10, 21, 30, patient=f.PatientFactory(full_name="Evening Eve"))  # 01:30 UTC on the 11th
    appt(ny, 11, 9, patient=f.PatientFactory(full_name="Tomorrow Tom"))

    html = page(practitioner_client.get(URL))

    assert "My day · Tuesday 10 March" in html
    assert "10:00–10:45" in html and "21:30–22:15" in html
    assert html.index("Morning Mo") < html.index("Evening Eve")
    assert "Tomorrow Tom" not in html
    assert "EDT" in html


def test_another_day_can_be_opened(practitioner_client, ny):
    appt(ny, 11, 9, patient=f.PatientFactory(full_name="Tomorrow Tom"))

    html = page(practitioner_client.get(URL, {"day": "2026-03-11"}))

    assert "Tomorrow Tom" in html and "Wednesday 11 March" in html


def test_only_my_active_appointments_are_shown(practitioner_client, ny):
    colleague = f.bookable_setup(location=ny.location, service=ny.service, rooms=0)
    appt(
        ny,
        10,
        11,
        practitioner=colleague.practitioner,
        room=ny.rooms[1],
        patient=f.PatientFactory(full_name="Not Mine"),
    )
    appt(ny, 10, 12, status="cancelled", cancelled_at=NOW, patient=f.PatientFactory(full_name="Cancelled Cy"))

    html = page(practitioner_client.get(URL))

    assert "Not Mine" not in html and "Cancelled Cy" not in html
    assert "No patients booked today yet." in html


def test_alerts_are_shown_and_the_viewing_is_audited(practitioner_client, practitioner, ny):
    flagged = f.PatientFactory(full_name="Flagged Flo")
    f.SafetyFlagFactory(patient=flagged, category="red_flag", label="Unremitting night pain")
    f.SafetyFlagFactory(patient=flagged, category="contraindication", code="bleeding", label="Bleeding disorder")
    calm = f.PatientFactory(full_name="Calm Cal")
    appt(ny, 10, 10, patient=flagged)
    appt(ny, 10, 11, patient=calm)

    html = page(practitioner_client.get(URL))

    assert "Red flag: review" in html and "Bleeding disorder" in html
    assert 'data-status="needs_review"' in html
    events = AuditEvent.objects.filter(actor=practitioner.user, action="view")
    assert list(events.values_list("patient_id", flat=True)) == [flagged.pk]  # only where alerts were shown


def test_each_patient_links_to_the_chart_and_the_feed_link_is_there(practitioner_client, ny):
    a = appt(ny, 10, 10)

    html = page(practitioner_client.get(URL))

    assert reverse("patients:chart", args=[a.patient.pk]) in html
    assert reverse("scheduling:desk_appointment", args=[a.pk]) in html
    assert reverse("scheduling:practitioner_calendar") in html


def test_check_in_is_offered_for_todays_booked_patients(practitioner_client, ny):
    a = appt(ny, 10, 10)

    html = page(practitioner_client.get(URL))

    assert reverse("scheduling:desk_check_in", args=[a.pk]) in html


def test_a_practitioner_without_a_profile_gets_a_clear_page(client, db):
    user = f.UserFactory(role="practitioner")
    client.force_login(user)

    html = page(client.get(URL))

    assert "Your practitioner profile is not set up yet." in html


def test_the_number_of_queries_does_not_grow_with_the_patients(practitioner_client, ny, django_assert_max_num_queries):
    # 15 with one patient on a session's first request (session, user, profile, the locations with the
    # practitioner's marked, appointments, alerts, intake, last visits, reviews, unsigned notes, hours...):
    # nothing per row.
    appt(ny, 10, 9)
    with django_assert_max_num_queries(17):
        page(practitioner_client.get(URL))
    for hour in range(10, 17):
        p = f.PatientFactory()
        f.SafetyFlagFactory(patient=p, category="precaution", code=f"p{hour}", label=f"Precaution {hour}")
        appt(ny, 10, hour, room=ny.rooms[hour % 2], patient=p)
    with django_assert_max_num_queries(17):
        html = page(practitioner_client.get(URL))
    assert html.count('data-testid="appointment"') == 8


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31", "2026-02-30", "x" * 300])
def test_a_day_outside_the_calendar_shows_today_with_a_message(practitioner_client, ny, day):
    appt(ny, 10, 10, patient=f.PatientFactory(full_name="Morning Mo"))

    html = page(practitioner_client.get(URL, {"day": day}))

    assert "is not a day we can show" in html
    assert "Morning Mo" in html and "Tuesday 10 March" in html


def test_the_alert_views_are_recorded_with_the_patients_name_and_the_address(practitioner_client, practitioner, ny):
    flagged = f.PatientFactory(full_name="Flagged Flo")
    f.SafetyFlagFactory(patient=flagged, category="red_flag", label="Unremitting night pain")
    appt(ny, 10, 10, patient=flagged)

    practitioner_client.get(URL, REMOTE_ADDR="198.51.100.9")

    [event] = AuditEvent.objects.filter(action="view")
    assert (event.object_repr, event.ip_address, event.detail) == (
        "Patient Flagged Flo",
        "198.51.100.9",
        "alerts on My day 2026-03-10",
    )
