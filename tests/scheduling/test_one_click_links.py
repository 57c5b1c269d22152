"""One-click links in messages (scheduling.links): confirm attendance, cancel, the check-in.

They work without logging in, GET never changes anything (mail scanners prefetch links), and a
link that is forged, expired, made for another purpose or for the appointment's old time gets a
friendly refusal with the clinic's phone number, never another page and never a 500.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from clinic.messaging import backends as sms
from patients.services import checkin_request
from scheduling import dispatch, services
from scheduling.links import Purpose, link_path, make_token
from scheduling.models import AppointmentStatus, NotificationKind
from tests.factories import FUNCTION_INDEX_ANSWERS
from tests.scheduling.helpers import book, local

PHONE = "+44 20 7946 0000"  # the factory location's phone


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def anon():
    return Client()


@pytest.fixture
def appt(clinic, patient):
    return book(clinic, local(clinic, 5, 10), patient, notify=False)


def url(purpose: Purpose, appointment, **kw) -> str:
    return link_path(purpose, appointment, **kw)


def links_in(text: str) -> dict[str, str]:
    """{"confirm": path, "cancel": path, "check-in": path} found in a message."""
    return {kind: path for path, kind in re.findall(r"https?://[^/\s]+(/schedule/l/([a-z-]+)/[^\s\"<]+/)", text)}


def page(response) -> str:
    return response.content.decode()


# --- the links in the messages ------------------------------------------------------------------


def test_the_reminder_email_and_sms_carry_links_that_open_without_logging_in(
    clinic, patient, anon, frozen_clock, settings
):
    patient.phone, patient.consent_sms = "+447700900123", True
    patient.save()
    appointment = book(clinic, local(clinic, 5, 10), patient)
    dispatch.outbox_dispatch()
    confirmation = mail.outbox[-1]
    assert set(links_in(confirmation.body)) == {"cancel"}
    assert set(links_in(confirmation.alternatives[0][0])) == {"cancel"}

    mail.outbox.clear()
    frozen_clock.move_to(appointment.start - dt.timedelta(hours=48) + dt.timedelta(seconds=30))
    dispatch.outbox_dispatch()
    (reminder,) = mail.outbox
    text_links, html_links = links_in(reminder.body), links_in(reminder.alternatives[0][0])
    assert set(text_links) == {"confirm", "cancel"} and html_links == text_links

    frozen_clock.move_to(appointment.start - dt.timedelta(hours=2) + dt.timedelta(seconds=30))
    dispatch.outbox_dispatch()
    (text,) = sms.outbox
    assert "Reply C to confirm" in text.body and set(links_in(text.body)) == {"cancel"}

    confirm_page = anon.get(text_links["confirm"])
    assert confirm_page.status_code == 200
    assert "Will you come to this appointment?" in page(confirm_page)


def test_the_check_in_email_links_to_that_questionnaire(clinic, patient, appt):
    from scheduling.services import outbox_enqueue

    checkin = checkin_request(patient=patient)
    outbox_enqueue(
        key="plan_checkin:test",
        kind=NotificationKind.PLAN_CHECKIN,
        recipient=patient.email,
        patient=patient,
        appointment=appt,
        payload={"start": appt.start.isoformat(), "questionnaire_url": "/x/", "response_id": checkin.pk},
    )
    dispatch.outbox_dispatch()
    (email,) = mail.outbox
    assert links_in(email.body)["check-in"] == url(Purpose.CHECKIN, appt, response_id=checkin.pk)
    assert links_in(email.alternatives[0][0])["check-in"] == links_in(email.body)["check-in"]


# --- confirm ------------------------------------------------------------------------------------


def test_confirm_shows_the_appointment_and_only_a_post_confirms_it(appt, anon, front_desk_client):
    link = url(Purpose.CONFIRM, appt)

    shown = anon.get(link)
    appt.refresh_from_db()
    html = page(shown)
    assert appt.attendance_confirmed_at is None  # a mail scanner's GET changes nothing
    assert "Saturday 16 January 2027, 10:00 GMT" in html
    assert appt.practitioner.user.full_name in html and "1 High Street" in html
    assert shown["Referrer-Policy"] == "same-origin" and "noindex" in shown["X-Robots-Tag"]

    done = anon.post(link)
    assert done.status_code == 302 and done["Location"] == link
    appt.refresh_from_db()
    assert appt.attendance_confirmed_at is not None and appt.attendance_confirmed_via == "link"
    first = appt.attendance_confirmed_at

    again = anon.post(link, follow=True)
    appt.refresh_from_db()
    assert again.status_code == 200 and "You have confirmed" in page(again)
    assert appt.attendance_confirmed_at == first  # idempotent

    desk = front_desk_client.get(reverse("scheduling:desk_appointment", kwargs={"pk": appt.pk}))
    assert 'data-testid="attendance-confirmed"' in page(desk)
    board = front_desk_client.get(reverse("scheduling:schedule"), {"location": appt.location_id, "day": "2027-01-16"})
    assert page(board).count('data-testid="attendance-confirmed"') == 1


def test_a_cancelled_appointment_cannot_be_confirmed_by_link(appt, anon):
    link = url(Purpose.CONFIRM, appt)
    services.appointment_cancel(appointment=appt, notify=False)

    response = anon.post(link)

    appt.refresh_from_db()
    assert response.status_code == 410 and "nothing to confirm" in page(response)
    assert appt.attendance_confirmed_at is None


# --- cancel -------------------------------------------------------------------------------------


def test_cancel_shows_what_will_be_cancelled_then_the_post_cancels_it(appt, anon, patient):
    link = url(Purpose.CANCEL, appt)

    shown = anon.get(link)
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.BOOKED
    assert "Cancel this appointment?" in page(shown) and "Saturday 16 January 2027, 10:00 GMT" in page(shown)
    assert 'data-testid="late-warning"' not in page(shown)

    done = anon.post(link, {"reason": "Away that week"}, follow=True)

    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.CANCELLED and not appt.late_cancel
    assert appt.cancellation_reason == "Away that week" and appt.cancelled_by == patient.user
    assert "Your appointment is cancelled" in page(done)
    again = anon.post(link)  # twice: it says it is cancelled, and nothing else happens
    assert again.status_code == 200 and 'data-testid="cancelled"' in page(again)


def test_cancel_inside_the_window_warns_first_and_is_recorded_late(clinic, patient, anon, frozen_clock):
    appointment = book(clinic, local(clinic, 1, 9), patient, notify=False)  # tomorrow 09:00 (25 h)
    link = url(Purpose.CANCEL, appointment)
    assert 'data-testid="late-warning"' not in page(anon.get(link))
    frozen_clock.move_to(appointment.start - dt.timedelta(hours=3))

    shown = anon.get(link)
    done = anon.post(link, {"reason": ""}, follow=True)

    appointment.refresh_from_db()
    assert 'data-testid="late-warning"' in page(shown) and "24 hours" in page(shown)
    assert appointment.status == AppointmentStatus.CANCELLED and appointment.late_cancel
    assert "late cancellation" in page(done)


@pytest.mark.parametrize("reason", ["x" * 300, "nul\x00byte"])
def test_a_bad_reason_is_refused_next_to_the_field_and_nothing_is_cancelled(appt, anon, reason):
    response = anon.post(url(Purpose.CANCEL, appt), {"reason": reason})

    appt.refresh_from_db()
    assert response.status_code == 400 and "invalid-feedback" in page(response)
    assert appt.status == AppointmentStatus.BOOKED


# --- refusals -----------------------------------------------------------------------------------


def _assert_refused(response, status: int, *text: str) -> None:
    html = page(response)
    assert response.status_code == status, html
    assert 'data-testid="link-refused"' in html and PHONE in html
    for t in text:
        assert t in html


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_link_is_refused_and_changes_nothing(appt, anon, method):
    token = make_token(Purpose.CANCEL, appt)
    forged = token.replace(f"{appt.pk}.", f"{appt.pk + 1}.", 1)
    for bad in (forged, token[:-3], "nonsense", "x" * 500, f"{appt.pk}.0:abc"):
        response = getattr(anon, method)(reverse("scheduling:link_cancel", kwargs={"token": bad}))
        _assert_refused(response, 400, "not valid")
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.BOOKED


def test_a_link_opens_only_its_own_purpose(appt, anon, patient):
    cancel_token = make_token(Purpose.CANCEL, appt)
    confirm_token = make_token(Purpose.CONFIRM, appt)
    checkin_token = make_token(Purpose.CHECKIN, appt, response_id=checkin_request(patient=patient).pk)

    attempts = [
        ("scheduling:link_confirm", cancel_token),
        ("scheduling:link_checkin", cancel_token),
        ("scheduling:link_cancel", confirm_token),
        ("scheduling:link_cancel", checkin_token),
        ("scheduling:link_confirm", checkin_token),
    ]
    for name, token in attempts:
        _assert_refused(anon.post(reverse(name, kwargs={"token": token})), 400)
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.BOOKED and appt.attendance_confirmed_at is None


def test_links_expire_at_the_appointments_start(appt, anon, frozen_clock):
    confirm, cancel = url(Purpose.CONFIRM, appt), url(Purpose.CANCEL, appt)
    frozen_clock.move_to(appt.start + dt.timedelta(seconds=1))

    _assert_refused(anon.get(confirm), 410, "expired")
    _assert_refused(anon.post(cancel), 410, "expired")
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.BOOKED


def test_a_moved_appointments_old_links_stop_working_and_the_page_says_so(clinic, appt, anon):
    old_confirm, old_cancel = url(Purpose.CONFIRM, appt), url(Purpose.CANCEL, appt)

    moved = services.appointment_reschedule(appointment=appt, start=local(clinic, 6, 15), notify=False)

    _assert_refused(anon.get(old_confirm), 410, "moved")
    _assert_refused(anon.post(old_cancel), 410, "moved")
    moved.refresh_from_db()
    assert moved.status == AppointmentStatus.BOOKED
    assert anon.get(url(Purpose.CANCEL, moved)).status_code == 200  # the new message's link works


def test_a_link_page_shows_nothing_about_the_patient(appt, anon, patient):
    patient.phone = "+447700900555"
    patient.save()
    for purpose in (Purpose.CONFIRM, Purpose.CANCEL):
        html = page(anon.get(url(purpose, appt)))
        assert patient.full_name not in html and patient.email not in html and patient.phone not in html


# --- the check-in questionnaire -----------------------------------------------------------------


def test_the_check_in_link_opens_that_questionnaire_and_sends_it_without_logging_in(appt, anon, patient):
    checkin = checkin_request(patient=patient)
    link = url(Purpose.CHECKIN, appt, response_id=checkin.pk)

    first = anon.get(link)
    assert first.status_code == 200 and "part 1 of 2" in page(first)
    assert patient.full_name not in page(first)
    pain = anon.post(link + "?section=pain", {"leg_pain_now": "4", "leg_pain_average": "4",
                                               "back_pain_now": "3", "back_pain_average": "3"})  # fmt: skip
    assert pain.status_code == 302 and pain["Location"] == link + "?section=function"
    sent = anon.post(link + "?section=function", {k: "1" for k in FUNCTION_INDEX_ANSWERS}, follow=True)

    checkin.refresh_from_db()
    assert checkin.is_submitted and checkin.scores["function_index"]["value"] == 20
    assert 'data-testid="checkin-sent"' in page(sent)
    assert "leg_pain_now" not in page(anon.get(link))  # once sent, the answers are not shown here


def test_a_check_in_link_cannot_open_another_patients_questionnaire(appt, anon, other_patient):
    theirs = checkin_request(patient=other_patient)
    forged_but_signed = url(Purpose.CHECKIN, appt, response_id=theirs.pk)  # even with the secret key

    _assert_refused(anon.get(forged_but_signed), 410)
    _assert_refused(anon.post(forged_but_signed + "?section=pain", {"leg_pain_now": "1"}), 410)
    theirs.refresh_from_db()
    assert theirs.answers == {} and not theirs.drafts


def test_the_check_in_link_works_until_the_session_ends(appt, anon, patient, frozen_clock):
    link = url(Purpose.CHECKIN, appt, response_id=checkin_request(patient=patient).pk)
    frozen_clock.move_to(appt.start + dt.timedelta(minutes=5))
    assert anon.get(link).status_code == 200
    frozen_clock.move_to(appt.end + dt.timedelta(seconds=1))
    _assert_refused(anon.get(link), 410, "expired")


def test_a_cancelled_appointments_check_in_is_closed(appt, anon, patient):
    link = url(Purpose.CHECKIN, appt, response_id=checkin_request(patient=patient).pk)
    services.appointment_cancel(appointment=appt, notify=False)
    _assert_refused(anon.get(link), 410, "cancelled")


def test_a_token_is_short_enough_for_an_sms(appt):
    assert len(make_token(Purpose.CANCEL, appt)) < 70
