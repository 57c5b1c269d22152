"""Patients' SMS replies: store each once, act on the codes, leave the rest to the front desk.

    sms_reply_receive(*, provider_message_id, from_number, body, now=None) -> SmsReply
    sms_reply_mark_handled(*, reply, by=None) -> SmsReply

"C" confirms the appointment the reminder was about (appointment_confirm_attendance, the one home
for confirming); "R" puts a call-back request on the desk's list; an opt-out word opts every
patient with that number out of SMS (patients.services.preferences.sms_opt_out), and the
dispatcher then withdraws their pending SMS; anything else, and any reply from a number no
patient has, lands on the desk's list.

The short answer to the sender goes through the outbox like every other message (key
"sms_reply_ack:<provider id>", so a retried webhook cannot queue it twice). Nothing is sent
after an opt-out or opt-in word: the carrier answers those itself, and texting a number that
just said STOP is what the opt-out forbids.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from clinic.audit import audit
from clinic.models import User
from patients.models import Patient, phone_key
from patients.services.preferences import sms_opt_out

from .. import sms_replies
from ..models import (
    Appointment,
    AppointmentStatus,
    Notification,
    NotificationChannel,
    NotificationKind,
    NotificationStatus,
    SmsReply,
    SmsReplyMeaning,
)
from ..templatetags.local_time import format_local
from .changes import appointment_confirm_attendance
from .errors import NotAllowed
from .notifications import outbox_enqueue

ACK_CONFIRMED = "Thank you, your appointment on {when} is confirmed."
ACK_NOTHING_TO_CONFIRM = "We could not find an appointment to confirm. The clinic will call you."
ACK_CALL_BACK = "Thank you, the clinic will call you back."
ACK_OTHER = "Thank you, the front desk will read your message. Reply C to confirm an appointment, R for a call back."


def patients_with_number(number: str) -> list[Patient]:
    """Every patient whose stored phone is this number (a family may share one). The indexed
    last-9-digits key narrows the search; sms_replies.same_number decides (E.164 where it can)."""
    key = phone_key(number)
    if len(key) < 9:
        return []
    candidates = Patient.objects.filter(phone_key=key).order_by("archived", "pk")
    return [p for p in candidates if sms_replies.same_number(number, p.phone)]


def reply_appointment(patients: list[Patient], now: dt.datetime) -> Appointment | None:
    """What a reply is about: the earliest booked, not yet started appointment of these patients
    that an SMS reminder went out for."""
    if not patients:
        return None
    return (
        Appointment.objects.select_related("patient", "location")
        .filter(
            patient__in=patients,
            status=AppointmentStatus.BOOKED,
            start__gt=now,
            notifications__kind=NotificationKind.REMINDER,
            notifications__channel=NotificationChannel.SMS,
            notifications__status=NotificationStatus.SENT,
        )
        .order_by("start", "pk")
        .first()
    )


@transaction.atomic
def sms_reply_receive(
    *, provider_message_id: str, from_number: str, body: str, now: dt.datetime | None = None
) -> SmsReply:
    """Store a reply and act on it, once: the same provider id again returns the first row untouched."""
    now = now or timezone.now()
    reply, created = SmsReply.objects.get_or_create(
        provider_message_id=provider_message_id,
        defaults=dict(from_number=from_number, body=body, received_at=now, meaning=sms_replies.interpret(body)),
    )
    if not created:
        return reply
    patients = patients_with_number(from_number)
    appt = reply_appointment(patients, now)
    reply.appointment = appt
    reply.patient = appt.patient if appt else (patients[0] if len(patients) == 1 else None)
    # Settled: the app did all there is to do (a "C" that confirmed, an opt-out). Everything else
    # is for a person: call-backs, other text, a "C" with nothing to confirm, a request to opt
    # in again, and any reply from an unknown number.
    ack, settled = "", False
    if reply.meaning == SmsReplyMeaning.OPT_OUT:
        source = f"SMS reply {sms_replies.keyword(body).upper()[:20]}"
        for patient in patients:
            sms_opt_out(patient=patient, source=source, now=now)
        # The dispatcher withdraws the patients' pending SMS at send time (consent re-checked); a
        # pending answer to an earlier text from this number has no patient to re-check.
        Notification.objects.filter(
            channel=NotificationChannel.SMS, recipient=from_number, status=NotificationStatus.PENDING
        ).update(status=NotificationStatus.CANCELLED, last_error="The number replied with an opt-out word.")
        reply.outcome = f"Opted out of SMS: {len(patients)} patient(s) with this number." if patients else ""
        settled = True
    elif reply.meaning == SmsReplyMeaning.OPT_IN:
        reply.outcome = "Asks for SMS again: confirm with the patient, then tick SMS consent on their details."
    elif reply.meaning == SmsReplyMeaning.CONFIRM and appt is not None:
        try:
            appointment_confirm_attendance(appointment=appt, via="sms", now=now)
        except NotAllowed as exc:
            reply.outcome = f"Nothing confirmed: {exc.message}"[:255]
            ack = ACK_NOTHING_TO_CONFIRM
        else:
            reply.outcome, settled = "Attendance confirmed.", True
            ack = ACK_CONFIRMED.format(when=format_local(appt.start, appt.location.tz, r"D j M, H:i", zone=True))
    elif reply.meaning == SmsReplyMeaning.CONFIRM:
        reply.outcome = "Nothing confirmed: no upcoming appointment with an SMS reminder for this number."
        ack = ACK_NOTHING_TO_CONFIRM
    elif reply.meaning == SmsReplyMeaning.CALL_BACK:
        reply.outcome = "Call the patient back."
        ack = ACK_CALL_BACK
    else:
        ack = ACK_OTHER
    if not patients:
        reply.outcome = f"No patient has this number. {reply.outcome}".strip()
    reply.needs_desk = not (settled and patients)
    reply.save(update_fields=["patient", "appointment", "outcome", "needs_desk"])
    if ack:
        outbox_enqueue(
            key=f"sms_reply_ack:{provider_message_id}",
            kind=NotificationKind.SMS_REPLY_ACK,
            channel=NotificationChannel.SMS,
            recipient=from_number,
            patient=reply.patient,
            # No appointment link on purpose: an answer to a text just received is not held back
            # by the quiet hours that apply to reminders.
            payload={"text": ack, "reply": reply.pk},
            now=now,
        )
    return reply


@transaction.atomic
def sms_reply_mark_handled(*, reply: SmsReply, by: User | None = None) -> SmsReply:
    """The desk called the patient back (or read the message and dealt with it): it leaves the list."""
    reply = SmsReply.objects.select_for_update().get(pk=reply.pk)
    if reply.handled_at is None:
        reply.handled_at = timezone.now()
        reply.handled_by = by
        reply.save(update_fields=["handled_at", "handled_by"])
        audit(
            request=None,
            action="sms_reply.handled",
            obj=reply,
            patient_id=reply.patient_id,
            detail=reply.meaning,
            actor=by,
        )
    return reply
