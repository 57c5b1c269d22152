"""Every write in scheduling: booking, rescheduling, cancelling, arrivals, the waitlist, emails.

Public API (all keyword-only; each raises a BookingError subclass with a user-facing `.message`):

    patient_may_self_book(patient, service) -> SelfBookDecision          # for pages
    patient_online_hold(patient) -> str                                 # safety / email holds on online booking
    patient_self_book_decisions(patient, services) -> dict[service pk, SelfBookDecision]
    appointment_book(*, patient, service, practitioner, location, start, room=None, booked_by=None,
                     front_desk_notes="", override_notice=False, online=False, now=None, notify=True)
                     -> Appointment
    appointment_book_first_available(*, patient, service, location, start, practitioner_ids=None,
                     booked_by=None, online=False, now=None, notify=True) -> Appointment
    appointment_self_book(*, patient, service, location, start, practitioner=None, user=None, now=None)
                     -> Appointment        # the patient's "Confirm": online=True, first available if no practitioner
    appointment_book_series(*, patient, service, practitioner, location, starts, booked_by=None,
                     override_notice=False, online=False, now=None, notify=True) -> list[Appointment]
    appointment_reschedule(*, appointment, start, changed_by=None, room=None, practitioner=None,
                     reason="", override_notice=False, online=False, now=None, notify=True) -> Appointment
    appointment_cancel(*, appointment, cancelled_by=None, reason="", now=None, notify=True) -> Appointment
    appointment_check_in(*, appointment, by=None, now=None) -> Appointment
    appointment_confirm_attendance(*, appointment, via, by=None, now=None) -> Appointment
    appointment_mark_no_show(*, appointment, by=None, now=None) -> Appointment
    appointment_complete(*, appointment, by=None) -> Appointment
    appointment_update_notes(*, appointment, front_desk_notes, by=None) -> Appointment
    waitlist_join(*, patient, service, location, earliest, latest, practitioner=None, created_by=None,
                  note="", now=None) -> WaitlistEntry                    # FieldErrors by form field
    waitlist_withdraw(*, entry) -> WaitlistEntry
    waitlist_offer_freed_time(*, practitioner_id, location_id, start, end, now=None) -> list[WaitlistOffer]
    waitlist_claim(*, offer, user=None, now=None) -> Appointment
    practitioner_calendar_token_rotate(*, practitioner) -> str
    outbox_enqueue(*, key, kind, recipient, channel="email", ..., scheduled_for=None) -> Notification
    appointment_reminders_plan(*, appointment, now=None) -> list[Notification]
    reminder_offsets_for(service) -> list[reminders.Offset]     # the service's own, else the policy's default
    reminders_replan(*, service_ids=None, now=None) -> int       # after a manager changed the offsets
    notification_resend(*, notification, by=None) / notification_mark_handled(*, notification, by=None)
    (sending is scheduling.dispatch.outbox_dispatch, run by beat every minute)
    sms_reply_receive(*, provider_message_id, from_number, body, now=None) -> SmsReply   # the SMS webhook
    sms_reply_mark_handled(*, reply, by=None) -> SmsReply

Every booking path locks the patient row, then the practitioner rows, then the appointment row
(always in that order), applies the per-patient rules (policy.py) and the action rules
(scheduling/rules.py) under those locks, and writes its audit event in the same transaction.

Modules by concern: errors, policy (who may book what), locking (locks, re-check, insert),
booking, changes, waitlist, calendar, notifications, sms_replies. Import the public names from here.
"""

from .booking import appointment_book, appointment_book_first_available, appointment_book_series, appointment_self_book
from .calendar import practitioner_calendar_token_rotate
from .changes import (
    appointment_cancel,
    appointment_check_in,
    appointment_complete,
    appointment_confirm_attendance,
    appointment_mark_no_show,
    appointment_reschedule,
    appointment_update_notes,
)
from .errors import BookingError, FieldErrors, NotAllowed, SlotTaken, SlotUnavailable, problem_message
from .notifications import (
    MAX_SEND_ATTEMPTS,
    TransientSendError,
    appointment_reminders_plan,
    notification_delivery_report,
    notification_mark_handled,
    notification_resend,
    notify_patient,
    outbox_enqueue,
    reminder_offsets_for,
    reminders_replan,
)
from .policy import (
    SelfBookDecision,
    patient_booking_check,
    patient_booking_refusal,
    patient_may_self_book,
    patient_online_hold,
    patient_self_book_decisions,
)
from .sms_replies import sms_reply_mark_handled, sms_reply_receive
from .waitlist import (
    MAX_OFFERS_PER_FREED_TIME,
    waitlist_claim,
    waitlist_join,
    waitlist_offer_freed_time,
    waitlist_withdraw,
)

__all__ = [
    "BookingError",
    "FieldErrors",
    "NotAllowed",
    "SlotTaken",
    "SlotUnavailable",
    "problem_message",
    "SelfBookDecision",
    "patient_booking_check",
    "patient_booking_refusal",
    "patient_may_self_book",
    "patient_online_hold",
    "patient_self_book_decisions",
    "appointment_book",
    "appointment_book_first_available",
    "appointment_self_book",
    "appointment_book_series",
    "appointment_reschedule",
    "appointment_cancel",
    "appointment_check_in",
    "appointment_mark_no_show",
    "appointment_complete",
    "appointment_confirm_attendance",
    "sms_reply_receive",
    "sms_reply_mark_handled",
    "appointment_update_notes",
    "waitlist_join",
    "waitlist_withdraw",
    "waitlist_offer_freed_time",
    "waitlist_claim",
    "practitioner_calendar_token_rotate",
    "appointment_reminders_plan",
    "notification_delivery_report",
    "notification_mark_handled",
    "notification_resend",
    "notify_patient",
    "outbox_enqueue",
    "reminder_offsets_for",
    "reminders_replan",
    "MAX_SEND_ATTEMPTS",
    "MAX_OFFERS_PER_FREED_TIME",
    "TransientSendError",
]
