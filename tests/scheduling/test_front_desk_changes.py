"""The desk's changes to an appointment: check in, no-show, cancel and reschedule with a reason, history."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import time_machine
from django.urls import reverse

from scheduling import services
from scheduling.models import Appointment, AppointmentChange
from tests import factories as f

# Tuesday 10 March 2026, 08:00 in London (GMT).
NOW = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def clinic(db, clock, settings):
    settings.STAFF_IDLE_TIMEOUT = 24 * 3600  # tests move the clock on; the desk stays signed in
    f.policy(min_notice_hours=0, max_advance_days=60, cancellation_window_hours=24)
    return f.bookable_setup(tz="Europe/London")


def at(clinic, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=clinic.location.tz)


def booked(clinic, start: dt.datetime, **kw) -> Appointment:
    kw.setdefault("patient", f.PatientFactory(full_name="Ada Arrival"))
    return services.appointment_book(
        service=clinic.service,
        practitioner=clinic.practitioner,
        location=clinic.location,
        start=start,
        notify=False,
        now=NOW,
        **kw,
    )


def url(name: str, appt: Appointment) -> str:
    return reverse(f"scheduling:{name}", args=[appt.pk])


def follow(client, response) -> str:
    assert response.status_code == 302, response.status_code
    return html_of(client.get(response["Location"]))


# --- check in and no-show ---------------------------------------------------------------------


def test_checking_in_on_the_day_records_the_arrival_and_returns_to_the_schedule(front_desk_client, clinic):
    appt = booked(clinic, at(clinic, 10, 9))
    schedule = reverse("scheduling:schedule") + "?day=2026-03-10"

    response = front_desk_client.post(url("desk_check_in", appt), {"next": schedule})

    assert response["Location"] == schedule
    appt.refresh_from_db()
    assert appt.status == "checked_in" and appt.checked_in_at == NOW
    assert "Ada Arrival is checked in." in follow(front_desk_client, response)


def test_checking_in_on_another_day_is_refused_with_a_message(front_desk_client, clinic):
    appt = booked(clinic, at(clinic, 12, 9))

    page = html_of(front_desk_client.get(url("desk_appointment", appt)))
    assert 'data-testid="check-in"' not in page
    response = front_desk_client.post(url("desk_check_in", appt))

    assert "only be checked in on the day" in follow(front_desk_client, response)
    appt.refresh_from_db()
    assert appt.status == "booked"


@pytest.mark.parametrize("action", ["desk_check_in", "desk_no_show"])
@pytest.mark.parametrize(
    "nxt", ["https://evil.example/", "//evil.example/x", "abc", "javascript:alert(1)", "/x\x00y", "\\\\evil.example"]
)
def test_a_foreign_or_malformed_next_url_falls_back_to_the_appointment(front_desk_client, clinic, clock, action, nxt):
    appt = booked(clinic, at(clinic, 10, 9))
    clock.move_to(at(clinic, 10, 9, 5))  # both actions are allowed now

    response = front_desk_client.post(url(action, appt), {"next": nxt})

    assert response.status_code == 302
    assert response["Location"] == url("desk_appointment", appt)
    assert front_desk_client.get(response["Location"]).status_code == 200


def test_a_no_show_can_only_be_marked_after_the_start_time(front_desk_client, clinic, clock):
    appt = booked(clinic, at(clinic, 10, 9))
    page = html_of(front_desk_client.get(url("desk_appointment", appt)))
    assert 'data-testid="no-show"' not in page

    early = front_desk_client.post(url("desk_no_show", appt))
    assert "only be recorded after the appointment's start time" in follow(front_desk_client, early)
    appt.refresh_from_db()
    assert appt.status == "booked"

    clock.move_to(at(clinic, 10, 9, 20))
    assert 'data-testid="no-show"' in html_of(front_desk_client.get(url("desk_appointment", appt)))
    late = front_desk_client.post(url("desk_no_show", appt))
    assert "Ada Arrival is marked as a no-show." in follow(front_desk_client, late)
    appt.refresh_from_db()
    assert appt.status == "no_show"
    assert "Marked as no-show" in html_of(front_desk_client.get(url("desk_appointment", appt)))


def test_the_history_says_who_checked_in_and_who_recorded_a_no_show_even_after_later_edits(
    front_desk_client, front_desk_user, clinic, clock
):
    arrived = booked(clinic, at(clinic, 10, 9))
    missed = booked(clinic, at(clinic, 10, 11), patient=f.PatientFactory(full_name="Noah Show"))
    front_desk_client.post(url("desk_check_in", arrived))
    clock.move_to(at(clinic, 10, 11, 30))
    front_desk_client.post(url("desk_no_show", missed))
    clock.move_to(at(clinic, 10, 16))
    front_desk_client.post(url("desk_notes", missed), {"front_desk_notes": "Left a voicemail"})

    arrived.refresh_from_db()
    missed.refresh_from_db()
    assert arrived.checked_in_by == front_desk_user and arrived.checked_in_at == NOW
    assert missed.no_show_by == front_desk_user and missed.no_show_at == at(clinic, 10, 11, 30)
    page = html_of(front_desk_client.get(url("desk_appointment", missed)))
    line = re.search(r"Marked as no-show.*?</li>|Marked as no-show.*?</tr>", page, re.S).group(0)
    assert "11:30" in line and front_desk_user.full_name in line


# --- cancel -----------------------------------------------------------------------------------


def test_cancelling_well_ahead_is_not_late_and_keeps_the_reason(front_desk_client, front_desk_user, clinic):
    appt = booked(clinic, at(clinic, 13, 9))
    page = html_of(front_desk_client.get(url("desk_cancel", appt)))
    assert "not a late cancellation" in page

    response = front_desk_client.post(url("desk_cancel", appt), {"reason": "Patient unwell"})

    assert "Cancelled Ada Arrival's appointment." in follow(front_desk_client, response)
    appt.refresh_from_db()
    assert appt.status == "cancelled" and not appt.late_cancel
    assert appt.cancellation_reason == "Patient unwell" and appt.cancelled_by == front_desk_user


def test_cancelling_inside_the_window_warns_first_and_is_recorded_late(front_desk_client, clinic):
    appt = booked(clinic, at(clinic, 10, 15))  # 7 hours away; the window is 24

    page = html_of(front_desk_client.get(url("desk_cancel", appt)))
    assert 'data-testid="late-warning"' in page and "late cancellation" in page
    response = front_desk_client.post(url("desk_cancel", appt), {"reason": "Car broke down"})

    after = follow(front_desk_client, response)
    assert "Recorded as a late cancellation." in after
    assert "late cancellation" in re.search(r'data-testid="history">(.*?)</ol>', after, re.S).group(1)
    appt.refresh_from_db()
    assert appt.late_cancel


def test_a_cancel_without_a_reason_is_refused_next_to_the_field(front_desk_client, clinic):
    appt = booked(clinic, at(clinic, 13, 9))

    response = front_desk_client.post(url("desk_cancel", appt), {"reason": "  "})

    assert response.status_code == 400
    assert 'id="id_reason_error">Say why it is cancelled' in html_of(response)
    appt.refresh_from_db()
    assert appt.status == "booked"


def test_a_cancelled_appointment_cannot_be_cancelled_again(front_desk_client, clinic):
    appt = booked(clinic, at(clinic, 13, 9))
    services.appointment_cancel(appointment=appt, reason="first", notify=False)

    response = front_desk_client.post(url("desk_cancel", appt), {"reason": "again"})

    assert response.status_code == 409
    assert "cannot be cancelled" in html_of(response)


# --- reschedule -------------------------------------------------------------------------------


def test_rescheduling_moves_it_with_the_reason_and_the_history_shows_it(front_desk_client, front_desk_user, clinic):
    appt = booked(clinic, at(clinic, 12, 9))
    page = html_of(front_desk_client.get(url("desk_reschedule", appt), {"day": "2026-03-13"}))
    new_start = at(clinic, 13, 14)
    assert f'value="{new_start.isoformat()}"' in page

    response = front_desk_client.post(
        url("desk_reschedule", appt),
        {"start": new_start.isoformat(), "practitioner": clinic.practitioner.pk, "reason": "Work clash"},
    )

    after = follow(front_desk_client, response)
    appt.refresh_from_db()
    assert appt.start == new_start
    change = AppointmentChange.objects.get(appointment=appt)
    assert change.reason == "Work clash" and change.changed_by == front_desk_user
    history = re.search(r'data-testid="history">(.*?)</ol>', after, re.S).group(1)
    assert "Moved" in history and "Thu 12 Mar 09:00 → Fri 13 Mar 14:00 (Work clash)" in history
    assert "Fran Desk" in history


def test_rescheduling_onto_a_taken_time_keeps_the_original_and_offers_the_nearest(front_desk_client, clinic):
    appt = booked(clinic, at(clinic, 12, 9))
    taken = booked(clinic, at(clinic, 13, 10), patient=f.PatientFactory())

    response = front_desk_client.post(
        url("desk_reschedule", appt),
        {"start": taken.start.isoformat(), "practitioner": clinic.practitioner.pk, "reason": "Asked"},
    )

    assert response.status_code == 409
    page = html_of(response)
    assert "That time was just taken. The appointment is unchanged." in page
    assert "Friday 13 March 2026, 09:00 GMT" in page  # nearest free, before
    assert 'name="reason" value="Asked"' in page  # the reason is carried to the alternatives
    appt.refresh_from_db()
    assert appt.start == at(clinic, 12, 9)


def test_rescheduling_to_another_practitioner(front_desk_client, clinic):
    other = f.bookable_setup(location=clinic.location, service=clinic.service, rooms=0)
    appt = booked(clinic, at(clinic, 12, 9))

    page = html_of(front_desk_client.get(url("desk_reschedule", appt), {"practitioner": other.practitioner.pk}))
    assert f'<option value="{other.practitioner.pk}" selected>' in page
    response = front_desk_client.post(
        url("desk_reschedule", appt),
        {"start": at(clinic, 12, 9).isoformat(), "practitioner": other.practitioner.pk, "reason": "Prefers a woman"},
    )

    assert response.status_code == 302
    appt.refresh_from_db()
    assert appt.practitioner == other.practitioner and appt.start == at(clinic, 12, 9)


def test_a_reschedule_without_a_time_or_reason_says_what_is_missing(front_desk_client, clinic):
    appt = booked(clinic, at(clinic, 12, 9))

    response = front_desk_client.post(url("desk_reschedule", appt), {"practitioner": clinic.practitioner.pk})

    assert response.status_code == 400
    page = html_of(response)
    assert 'id="id_start_error">Choose a new time.' in page
    assert 'id="id_reason_error">Say why it is moved' in page


def test_a_started_appointment_cannot_be_rescheduled(front_desk_client, clinic, clock):
    appt = booked(clinic, at(clinic, 10, 9))
    clock.move_to(at(clinic, 10, 9, 5))

    response = front_desk_client.get(url("desk_reschedule", appt))

    assert response.status_code == 409
    assert "already started; it can no longer be moved" in html_of(response)


# --- the appointment page ---------------------------------------------------------------------


def test_the_appointment_page_shows_contact_details_actions_and_emails_sent(front_desk_client, clinic):
    patient = f.PatientFactory(full_name="Ed Email", phone="07700 900321", email="ed@example.org")
    appt = booked(clinic, at(clinic, 10, 15), patient=patient, booked_by=None)
    services.appointment_update_notes(appointment=appt, front_desk_notes="Parks in bay 3")
    from scheduling.models import Notification

    Notification.objects.create(kind="booking_confirmed", recipient=patient.email, patient=patient, appointment=appt)

    page = html_of(front_desk_client.get(url("desk_appointment", appt)))

    assert "Tuesday 10 March 2026, 15:00 GMT" in page
    assert "07700 900321" in page and "ed@example.org" in page
    assert "Parks in bay 3" in page
    assert 'data-testid="check-in"' in page
    assert url("desk_reschedule", appt) in page and url("desk_cancel", appt) in page
    assert "Cancel (would be late)" in page
    assert "Email: Booking confirmed" in page


def test_notes_are_saved(front_desk_client, clinic):
    appt = booked(clinic, at(clinic, 12, 9))

    response = front_desk_client.post(url("desk_notes", appt), {"front_desk_notes": "Bring scans"})

    assert "Notes saved." in follow(front_desk_client, response)
    appt.refresh_from_db()
    assert appt.front_desk_notes == "Bring scans"


def test_an_unknown_appointment_is_404(front_desk_client, clinic):
    assert front_desk_client.get(reverse("scheduling:desk_appointment", args=[999999])).status_code == 404


@pytest.mark.parametrize("name", ["desk_check_in", "desk_no_show", "desk_notes", "desk_cancel", "desk_reschedule"])
def test_patients_cannot_change_appointments_through_the_desk(client, patient_client, clinic, name):
    appt = booked(clinic, at(clinic, 10, 9))

    assert patient_client.post(url(name, appt), {"reason": "x"}).status_code == 403
    anonymous = client.post(url(name, appt), {"reason": "x"})
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    appt.refresh_from_db()
    assert appt.status == "booked" and appt.front_desk_notes == ""


@pytest.mark.parametrize("who", ["practitioner_client", "manager_client"])
def test_practitioners_and_managers_may_check_in_too(request, clinic, who):
    appt = booked(clinic, at(clinic, 10, 9))

    request.getfixturevalue(who).post(url("desk_check_in", appt))

    appt.refresh_from_db()
    assert appt.status == "checked_in"


def html_of(response) -> str:
    """The page as a person reads it (entities such as &#x27; turned back into characters)."""
    return html.unescape(response.content.decode())
