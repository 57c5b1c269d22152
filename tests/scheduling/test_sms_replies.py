"""Patients' SMS replies through the provider's signed webhook: "C" confirms, "R" asks for a call
back, STOP opts out, anything else (and any unknown number) lands on the desk's list; a retried
webhook acts once; a forged one is refused."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.conf import settings
from django.urls import reverse

from clinic.messaging import backends, twilio
from clinic.models import AuditEvent
from patients.models import ConsentSource
from scheduling import dispatch, services, sms_replies
from scheduling.models import Notification, NotificationKind, NotificationStatus, SmsReply, SmsReplyMeaning
from tests import factories as f
from tests.scheduling.helpers import book, local
from tests.scheduling.test_sms_provider import provider  # noqa: F401 - the fake provider server, a fixture

_sids = itertools.count(1)


@pytest.fixture(autouse=True)
def provider_settings(settings):
    settings.SMS_TWILIO_AUTH_TOKEN = "secret-token"  # the `provider` fixture sets the same token
    backends.outbox.clear()


def post_reply(client, body, sender="+447700900123", sid=None, token=None):
    params = {"MessageSid": sid or f"SM{next(_sids):032d}", "From": sender, "To": "+447700900000", "Body": body}
    sig = twilio.signature(twilio.inbound_url(), params, token=token)
    return client.post(reverse("scheduling:sms_inbound"), params, HTTP_X_TWILIO_SIGNATURE=sig)


def reminded(clinic, frozen_clock, phone="+447700900123", **kw):
    """A patient whose SMS reminder (2 hours before) has gone out; the clock is just after it."""
    patient = f.PatientFactory(consent_sms=True, phone=phone, consent_email=False, **kw)
    appt = book(clinic, local(clinic, 5, 14), patient)
    row = Notification.objects.get(appointment=appt, channel="sms", payload__offset="2h")
    frozen_clock.move_to(row.scheduled_for + dt.timedelta(seconds=1))
    dispatch.outbox_dispatch()
    backends.outbox.clear()
    return patient, appt


def acks() -> list[str]:
    dispatch.outbox_dispatch()
    return [m.body for m in backends.outbox]


@pytest.mark.parametrize("body", ["C", "c", " c. ", "C!"])
def test_c_confirms_the_appointment_the_reminder_was_about(clinic, frozen_clock, client, body):
    patient, appt = reminded(clinic, frozen_clock)
    response = post_reply(client, body)
    assert response.status_code == 200 and b"<Response>" in response.content
    appt.refresh_from_db()
    assert appt.attendance_confirmed_at is not None and appt.attendance_confirmed_via == "sms"
    reply = SmsReply.objects.get()
    assert (reply.patient, reply.appointment, reply.meaning) == (patient, appt, SmsReplyMeaning.CONFIRM)
    assert not reply.needs_desk
    assert acks() == [f"{settings.CLINIC_NAME}: Thank you, your appointment on Sat 16 Jan, 14:00 GMT is confirmed."]


def test_a_stored_national_number_still_matches(clinic, frozen_clock, client):
    """A number kept as typed ("07700 900123": flagged for the desk to check, so it gets no SMS) still matches
    the sender on its last nine digits."""
    patient = f.PatientFactory(consent_sms=True, phone="07700 900123")
    assert patient.phone_to_check
    post_reply(client, "R")
    reply = SmsReply.objects.get()
    assert reply.patient == patient and reply.needs_desk


def test_the_same_last_digits_in_another_country_do_not_match(clinic, frozen_clock, client):
    reminded(clinic, frozen_clock, phone="+27700900123")  # South African mobile, the same last nine digits
    post_reply(client, "C")
    reply = SmsReply.objects.get()
    assert reply.patient is None and reply.needs_desk and "No patient has this number" in reply.outcome


def test_c_with_nothing_to_confirm_goes_to_the_desk(clinic, frozen_clock, client):
    patient = f.PatientFactory(consent_sms=True, phone="+447700900123")  # no reminder was sent
    post_reply(client, "c")
    reply = SmsReply.objects.get()
    assert reply.patient == patient and reply.appointment is None and reply.needs_desk
    assert "Nothing confirmed" in reply.outcome
    assert acks() == [f"{settings.CLINIC_NAME}: We could not find an appointment to confirm. The clinic will call you."]


def test_c_after_a_cancellation_confirms_nothing(clinic, frozen_clock, client):
    patient, appt = reminded(clinic, frozen_clock)
    services.appointment_cancel(appointment=appt)
    post_reply(client, "C")
    appt.refresh_from_db()
    assert appt.attendance_confirmed_at is None
    assert SmsReply.objects.get().needs_desk


def test_r_asks_the_desk_to_call_back(clinic, frozen_clock, client, front_desk_client):
    patient, appt = reminded(clinic, frozen_clock, full_name="Rita Ring")
    post_reply(client, "r")
    reply = SmsReply.objects.get()
    assert reply.meaning == SmsReplyMeaning.CALL_BACK and reply.needs_desk and reply.appointment == appt
    appt.refresh_from_db()
    assert appt.attendance_confirmed_at is None
    assert acks() == [f"{settings.CLINIC_NAME}: Thank you, the clinic will call you back."]
    page = front_desk_client.get(reverse("scheduling:sms_replies")).content.decode()
    assert "Rita Ring" in page and "Asks for a call back (R)" in page and "tel:+447700900123" in page


@pytest.mark.parametrize(
    "body", ["STOP", "stop", "Stop.", "STOPALL", "unsubscribe", "CANCEL", "end", "Quit", "stop please"]
)
def test_opt_out_words_stop_sms_and_nothing_more_goes_out(clinic, frozen_clock, client, body):
    patient, appt = reminded(clinic, frozen_clock)
    pending = Notification.objects.create(
        key="pending-sms", kind=NotificationKind.REMINDER, channel="sms", recipient=patient.phone, patient=patient,
    )  # fmt: skip
    post_reply(client, body)
    patient.refresh_from_db()
    assert patient.consent_sms is False
    reply = SmsReply.objects.get()
    assert reply.meaning == SmsReplyMeaning.OPT_OUT and not reply.needs_desk
    # "CANCEL" is an opt-out word, never a cancellation.
    appt.refresh_from_db()
    assert appt.status == "booked"
    assert acks() == []  # no answer after STOP, and the pending SMS is withdrawn at send time
    pending.refresh_from_db()
    assert pending.status == NotificationStatus.CANCELLED
    assert AuditEvent.objects.filter(patient_id=patient.pk, detail="SMS opt-out (by an SMS STOP reply)").exists()
    assert patient.message_consent_changes.get().source == ConsentSource.SMS_STOP


def test_stop_opts_out_everyone_sharing_the_number(clinic, frozen_clock, client):
    parent = f.PatientFactory(consent_sms=True, phone="+447700900123")
    child = f.PatientFactory(consent_sms=True, phone="07700 900123")
    post_reply(client, "STOP")
    parent.refresh_from_db(), child.refresh_from_db()
    assert not parent.consent_sms and not child.consent_sms
    assert SmsReply.objects.get().patient is None  # two patients, no reminder saying which


def test_start_asks_the_desk_to_record_consent_again(clinic, frozen_clock, client):
    patient = f.PatientFactory(consent_sms=False, phone="+447700900123")
    post_reply(client, "START")
    patient.refresh_from_db()
    assert patient.consent_sms is False  # re-consent is recorded by a person, not by a text
    reply = SmsReply.objects.get()
    assert reply.meaning == SmsReplyMeaning.OPT_IN and reply.needs_desk
    assert acks() == []


@pytest.mark.parametrize("body", ["Running 10 min late, sorry", "cancel my appointment please", "", "CC"])
def test_anything_else_lands_on_the_desk_list(clinic, frozen_clock, client, front_desk_client, body):
    patient, appt = reminded(clinic, frozen_clock, full_name="Otto Other")
    post_reply(client, body)
    reply = SmsReply.objects.get()
    assert reply.meaning == SmsReplyMeaning.OTHER and reply.needs_desk and reply.body == body
    appt.refresh_from_db()
    assert appt.status == "booked" and appt.attendance_confirmed_at is None
    page = front_desk_client.get(reverse("scheduling:sms_replies")).content.decode()
    assert "Otto Other" in page and (body or "(empty)") in page


def test_an_unknown_number_lands_on_the_desk_list(clinic, client, front_desk_client):
    post_reply(client, "R", sender="+447700900999")
    reply = SmsReply.objects.get()
    assert reply.patient is None and reply.needs_desk
    page = front_desk_client.get(reverse("scheduling:sms_replies")).content.decode()
    assert "Unknown number" in page and "+447700900999" in page


def test_a_retried_webhook_is_stored_and_acted_on_once(clinic, frozen_clock, client):
    patient, appt = reminded(clinic, frozen_clock)
    assert post_reply(client, "R", sid="SM-retried").status_code == 200
    assert post_reply(client, "R", sid="SM-retried").status_code == 200
    assert SmsReply.objects.count() == 1
    assert Notification.objects.filter(kind=NotificationKind.SMS_REPLY_ACK).count() == 1
    assert len(acks()) == 1


def test_a_forged_or_unsigned_reply_is_refused(clinic, frozen_clock, client):
    patient, appt = reminded(clinic, frozen_clock)
    assert post_reply(client, "STOP", token="not-the-token").status_code == 403
    response = client.post(reverse("scheduling:sms_inbound"), {"MessageSid": "SM1", "From": "+447700900123"})
    assert response.status_code == 403
    patient.refresh_from_db()
    assert patient.consent_sms and not SmsReply.objects.exists()


def test_hostile_but_signed_input_is_stored_not_a_500(clinic, client):
    body = "x\x00" * 1000
    assert post_reply(client, body, sender="+44\x00" + "9" * 50).status_code == 200
    reply = SmsReply.objects.get()
    assert "\x00" not in reply.body and len(reply.from_number) <= 32
    params = {"Body": "C"}  # no MessageSid / From
    sig = twilio.signature(twilio.inbound_url(), params)
    assert client.post(reverse("scheduling:sms_inbound"), params, HTTP_X_TWILIO_SIGNATURE=sig).status_code == 400


def test_the_desk_marks_a_reply_handled(clinic, client, front_desk_client, front_desk_user):
    post_reply(client, "R", sender="+447700900999")
    reply = SmsReply.objects.get()
    url = reverse("scheduling:sms_reply_handled", kwargs={"pk": reply.pk})
    response = front_desk_client.post(url, follow=True)
    assert "Marked as dealt with" in response.content.decode()
    assert 'data-testid="no-replies"' in response.content.decode()
    reply.refresh_from_db()
    assert reply.handled_at is not None and reply.handled_by == front_desk_user
    assert AuditEvent.objects.filter(action="sms_reply.handled", actor=front_desk_user).count() == 1
    front_desk_client.post(url)  # twice: still one audit row
    assert AuditEvent.objects.filter(action="sms_reply.handled").count() == 1
    assert front_desk_client.post(reverse("scheduling:sms_reply_handled", kwargs={"pk": 999999})).status_code == 404


def test_the_desk_menu_links_both_lists_with_counts(clinic, client, front_desk_client):
    post_reply(client, "R", sender="+447700900999")
    page = front_desk_client.get(reverse("scheduling:schedule")).content.decode()
    assert reverse("scheduling:sms_replies") in page and reverse("scheduling:failed_messages") in page
    # The badges come after the page, from their own small request (htmx, every minute).
    assert reverse("scheduling:desk_inbox_counts") in page
    badges = front_desk_client.get(reverse("scheduling:desk_inbox_counts"), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="nav-replies-count">1<' in badges and 'data-testid="nav-failed-count"' not in badges


def test_the_list_costs_the_same_queries_for_many_rows(
    clinic, client, front_desk_client, django_assert_max_num_queries
):
    for i in range(12):
        patient = f.PatientFactory(phone=f"+4477009002{i:02d}")
        book(clinic, local(clinic, 5 + i // 6, 9 + i % 6), patient, notify=False)
        post_reply(client, "R", sender=patient.phone.replace(" ", ""))
    post_reply(client, "hello", sender="+447700900999")
    with django_assert_max_num_queries(12):
        page = front_desk_client.get(reverse("scheduling:sms_replies")).content.decode()
    assert page.count("Dealt with</button>") == 13


@pytest.mark.parametrize(
    "body,meaning",
    [
        ("C", "confirm"), ("c.", "confirm"), ("  'c' ", "confirm"), ("R", "call_back"), ("r!", "call_back"),
        ("CANCEL", "opt_out"), ("Stop texting me", "opt_out"), ("UNSUBSCRIBE me", "opt_out"),
        ("END", "opt_out"), ("quit", "opt_out"), ("START", "opt_in"), ("unstop", "opt_in"), ("Yes", "opt_in"),
        ("cancel my appointment", "other"), ("end of the week?", "other"), ("CR", "other"), ("confirm", "other"),
        ("", "other"), ("🙂", "other"),
    ],
)  # fmt: skip
def test_what_a_reply_means(body, meaning):
    assert sms_replies.interpret(body) == meaning


@pytest.mark.parametrize(
    "stored,matches",
    [
        ("+447700900123", True), ("+44 7700 900123", True), ("0044 7700 900123", True), ("07700 900123", True),
        ("7700900123", True), ("+33 7 7009 00123", False), ("+447700900124", False), ("", False),
    ],
)  # fmt: skip
def test_which_stored_numbers_are_the_sender(stored, matches):
    assert sms_replies.same_number("+447700900123", stored) is matches


def test_the_answer_goes_out_through_the_provider(clinic, frozen_clock, client, provider):  # noqa: F811 - fixture
    """Round trip with the Twilio-compatible provider (a local fake server): the reminder goes out,
    the patient's "C" comes back through the signed webhook, the answer goes out once."""
    patient, appt = reminded(clinic, frozen_clock)
    (reminder,) = provider.received
    post_reply(client, "C", sender=reminder["To"], sid="SM-round-trip")
    post_reply(client, "C", sender=reminder["To"], sid="SM-round-trip")  # the provider retries
    assert dispatch.outbox_dispatch().sent == 1
    assert dispatch.outbox_dispatch().sent == 0
    answer = provider.received[1]
    assert answer["To"] == "+447700900123" and "is confirmed" in answer["Body"]
    assert answer["StatusCallback"].endswith(reverse("scheduling:sms_status"))
    appt.refresh_from_db()
    assert appt.attendance_confirmed_via == "sms"


def test_stop_from_an_unknown_number_withdraws_the_answer_to_its_earlier_text(clinic, client):
    post_reply(client, "hello?", sender="+447700900999")
    post_reply(client, "STOP", sender="+447700900999")
    assert acks() == []
    stop = SmsReply.objects.get(body="STOP")
    assert stop.needs_desk and stop.outcome == "No patient has this number."


def test_managers_see_every_reply_read_only_in_the_admin(clinic, frozen_clock, client, manager_client):
    reminded(clinic, frozen_clock)
    post_reply(client, "C")  # settled alone: not on the desk's list, but kept
    page = manager_client.get(reverse("admin:scheduling_smsreply_changelist")).content.decode()
    assert "+447700900123" in page and "Attendance confirmed." in page
    assert manager_client.get(reverse("admin:scheduling_smsreply_add")).status_code == 403
