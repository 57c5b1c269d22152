"""The .ics files, parsed back with icalendar and checked field by field, and the private feed."""

from __future__ import annotations

import datetime as dt

import icalendar
from django.urls import reverse

from scheduling import ics, services
from tests import factories as f
from tests.scheduling.helpers import local


def parse(raw: bytes) -> tuple[icalendar.Calendar, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(raw)
    return cal, cal.events[0]


def test_appointment_ics_field_by_field(db):
    f.policy(min_notice_hours=0)
    clinic = f.bookable_setup(tz="America/New_York")
    clinic.location.name = "Midtown"
    clinic.location.address = "10 W 45th St\nNew York"
    clinic.location.save()
    patient = f.PatientFactory()
    appt = services.appointment_book(
        patient=patient,
        service=clinic.service,
        practitioner=clinic.practitioner,
        location=clinic.location,
        start=local(clinic, 3, 9, 30),
        notify=False,
    )
    cal, ev = parse(ics.appointment_ics(appt))
    assert cal["VERSION"] == "2.0"
    assert cal["PRODID"] == ics.PRODID
    assert cal["METHOD"] == "PUBLISH"
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["America/New_York"]
    assert ev["UID"] == f"{appt.ics_uid}@acuclinic"
    assert ev["SEQUENCE"] == 0
    assert ev["DTSTART"].params["TZID"] == "America/New_York"
    assert ev.start.replace(tzinfo=None) == dt.datetime.combine(local(clinic, 3, 0).date(), dt.time(9, 30))
    assert ev.start == appt.start and ev.end == appt.end
    assert str(ev["SUMMARY"]) == f"{clinic.service.name} with {clinic.practitioner.user.full_name} — Acuclinic"
    assert str(ev["LOCATION"]) == "Midtown, 10 W 45th St, New York"
    assert ev["STATUS"] == "CONFIRMED"
    assert str(ev["ORGANIZER"]).startswith("mailto:")
    assert ev["DTSTAMP"].dt.tzinfo is not None

    moved = services.appointment_reschedule(appointment=appt, start=local(clinic, 4, 11), notify=False)
    _, ev2 = parse(ics.appointment_ics(moved))
    assert ev2["UID"] == ev["UID"]
    assert ev2["SEQUENCE"] == 1
    assert ev2.start == local(clinic, 4, 11)

    cancelled = services.appointment_cancel(appointment=moved, notify=False)
    cal3, ev3 = parse(ics.appointment_ics(cancelled))
    assert cal3["METHOD"] == "CANCEL"
    assert ev3["STATUS"] == "CANCELLED"
    assert ev3["UID"] == ev["UID"]
    assert ev3["SEQUENCE"] == 2


def test_download_is_a_calendar_attachment(clinic, patient, patient_client):
    appt = f.AppointmentFactory(
        patient=patient,
        practitioner=clinic.practitioner,
        service=clinic.service,
        location=clinic.location,
        room=clinic.rooms[0],
    )
    response = patient_client.get(reverse("scheduling:appointment_ics", args=[appt.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    assert parse(response.content)[1]["UID"] == f"{appt.ics_uid}@acuclinic"


def test_private_feed_shows_the_practitioners_appointments_and_rotating_revokes_it(clinic, practitioner_client):
    profile = clinic.practitioner
    patient = f.PatientFactory(full_name="Jane Q Public")
    appt = services.appointment_book(
        patient=patient,
        service=clinic.service,
        practitioner=profile,
        location=clinic.location,
        start=local(clinic, 3, 10),
        notify=False,
    )
    url = reverse("scheduling:practitioner_feed", args=[profile.calendar_token])
    response = practitioner_client.get(url)
    assert response.status_code == 200
    cal = icalendar.Calendar.from_ical(response.content)
    (ev,) = cal.events
    assert ev["UID"] == f"{appt.ics_uid}@acuclinic"
    assert "Jane P." in str(ev["SUMMARY"]) and "Public" not in str(ev["SUMMARY"])  # minimal patient detail

    old = profile.calendar_token
    new = services.practitioner_calendar_token_rotate(practitioner=profile)
    assert new != old
    assert practitioner_client.get(url).status_code == 404
    assert practitioner_client.get(reverse("scheduling:practitioner_feed", args=[new])).status_code == 200


def test_practitioner_page_rotates_the_link(practitioner, practitioner_client):
    old = practitioner.calendar_token
    page = practitioner_client.get(reverse("scheduling:practitioner_calendar")).content.decode()
    assert old in page
    response = practitioner_client.post(reverse("scheduling:practitioner_calendar_rotate"))
    assert response.status_code == 302
    practitioner.refresh_from_db()
    assert practitioner.calendar_token != old
    assert practitioner_client.get(reverse("scheduling:practitioner_feed", args=[old])).status_code == 404
