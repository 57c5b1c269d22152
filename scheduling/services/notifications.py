"""The outbox: every message the clinic sends is a Notification row, written in the caller's
transaction. Sending is the dispatcher's job (scheduling.dispatch); nothing here talks to a mail
server or an SMS provider.

- Messages caused by a change to an appointment are held `OUTBOX_HOLD_SECONDS` (3 minutes) and
  coalesce: a second change inside the hold withdraws the first message, so quick edits give one
  message (booked then moved = one confirmation at the new time; booked then cancelled = none).
- Every change re-plans the appointment's reminders in the same transaction: pending ones are
  withdrawn, new ones planned for the new time (scheduling.reminders), so nothing goes out for
  an old time.
- `key` is unique: queueing the same message twice returns the existing row.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clinic.audit import audit
from clinic.models import ClinicPolicy, ReminderOffset, Service, User
from patients import message_prefs
from patients.models import Patient

from .. import reminders
from ..models import (
    Appointment,
    AppointmentStatus,
    Notification,
    NotificationChannel,
    NotificationKind,
    NotificationStatus,
    WaitlistOffer,
)
from .locking import locked_appointment

log = logging.getLogger(__name__)

CHANGE_KINDS = (
    NotificationKind.BOOKING_CONFIRMED,
    NotificationKind.BOOKING_SERIES,
    NotificationKind.BOOKING_RESCHEDULED,
    NotificationKind.BOOKING_CANCELLED,
)
# Reminder-like kinds tied to one appointment at one time: withdrawn when it changes.
TIMED_KINDS = (NotificationKind.REMINDER, NotificationKind.INTAKE_PENDING, NotificationKind.PLAN_CHECKIN)
INTAKE_REMINDER_HOURS = 72


class TransientSendError(Exception):
    """Sending failed in a way worth retrying (the dispatcher retries with backoff)."""


MAX_SEND_ATTEMPTS = 5


def change_hold() -> dt.timedelta:
    return dt.timedelta(seconds=settings.OUTBOX_HOLD_SECONDS)


def _nudge_dispatcher() -> None:
    """Messages due now should not wait for the next beat tick: ask a worker to dispatch after
    commit. This is not an ETA task: the row is the message, and a lost nudge only means beat
    sends it within the minute."""
    from ..tasks import dispatch_outbox  # tasks imports the services

    dispatch_outbox.delay_on_commit()


def outbox_enqueue(
    *,
    key: str,
    kind: str,
    recipient: str,
    channel: str = NotificationChannel.EMAIL,
    patient: Patient | None = None,
    user: User | None = None,
    appointment: Appointment | None = None,
    waitlist_offer: WaitlistOffer | None = None,
    payload: dict | None = None,
    scheduled_for: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Notification:
    """Queue one message in the caller's transaction. The same key twice gives the first row."""
    now = now or timezone.now()
    scheduled_for = scheduled_for or now
    n, created = Notification.objects.get_or_create(
        key=key,
        defaults=dict(
            kind=kind,
            channel=channel,
            recipient=recipient[:254],
            patient=patient,
            user=user,
            appointment=appointment,
            waitlist_offer=waitlist_offer,
            payload=payload or {},
            scheduled_for=scheduled_for,
            not_after=not_after,
            created_at=now,
        ),
    )
    if created and scheduled_for <= now:
        _nudge_dispatcher()
    return n


def queue_rendered_email(
    *, kind: str, to: str, subject: str, text: str, html: str = "", user: User | None = None
) -> Notification:
    """Account emails (invitations, verification, login-email notices) are rendered by their own
    app when queued; clinic.messaging.queue_email hands them here (registered in apps.py)."""
    return outbox_enqueue(
        key=f"{kind}:{uuid.uuid4().hex}",
        kind=kind,
        recipient=to,
        user=user,
        payload={"subject": subject, "text": text, "html": html},
    )


def _withdraw(qs, reason: str) -> list[str]:
    kinds = list(qs.filter(status=NotificationStatus.PENDING).values_list("kind", flat=True))
    qs.filter(status=NotificationStatus.PENDING).update(status=NotificationStatus.CANCELLED, last_error=reason[:500])
    return kinds


def notify_patient(
    *,
    kind: str,
    patient: Patient,
    appointment: Appointment | None = None,
    waitlist_offer: WaitlistOffer | None = None,
    payload: dict | None = None,
    now: dt.datetime | None = None,
) -> Notification | None:
    """Queue a booking or waitlist email, and re-plan the appointment's reminders.

    A patient without an email address, or who switched this kind of email off, gets no email
    (the front desk phones them); booking confirmations are essential and go whenever there is an
    address (patients.message_prefs); SMS reminders follow their own consent.
    """
    now = now or timezone.now()
    if appointment is not None and kind in CHANGE_KINDS:
        withdrawn = _withdraw(
            Notification.objects.filter(appointment=appointment, kind__in=CHANGE_KINDS),
            "Replaced by a later change made within the hold time.",
        )
        if NotificationKind.BOOKING_CONFIRMED in withdrawn or NotificationKind.BOOKING_SERIES in withdrawn:
            if kind == NotificationKind.BOOKING_CANCELLED:
                appointment_reminders_plan(appointment=appointment, now=now)
                return None  # the patient never heard of it: nothing to cancel
            if kind == NotificationKind.BOOKING_RESCHEDULED:
                kind, payload = NotificationKind.BOOKING_CONFIRMED, {}
        for appt in _series_appointments(appointment, payload):
            appointment_reminders_plan(appointment=appt, now=now)
    if message_prefs.block_reason(patient, kind, NotificationChannel.EMAIL):
        return None
    if appointment is not None:
        key = f"{kind}:a{appointment.pk}:s{appointment.sequence}"
    elif waitlist_offer is not None:
        key = f"{kind}:o{waitlist_offer.pk}"
    else:
        key = f"{kind}:{uuid.uuid4().hex}"
    held = kind in CHANGE_KINDS
    return outbox_enqueue(
        key=key,
        kind=kind,
        recipient=patient.email,
        patient=patient,
        appointment=appointment,
        waitlist_offer=waitlist_offer,
        payload=payload,
        scheduled_for=now + change_hold() if held else now,
        now=now,
    )


def _series_appointments(appointment: Appointment, payload: dict | None) -> list[Appointment]:
    ids = (payload or {}).get("appointment_ids")
    if not ids:
        return [appointment]
    return list(Appointment.objects.select_related("location", "service", "patient").filter(pk__in=ids))


def reminder_offsets_for(service: Service, *, cache: dict | None = None) -> list[reminders.Offset]:
    """The service's own reminder offsets, or the clinic policy's default when it has none, plus
    the REMINDER_EXTRA_OFFSET_MINUTES email (a demo setting: 5 shows a reminder soon after booking)."""
    if cache is not None and service.pk in cache:
        return cache[service.pk]
    rows = list(
        ReminderOffset.objects.filter(Q(service=service) | Q(policy__isnull=False)).values_list(
            "service_id", "minutes_before", "channel"
        )
    )
    if not rows and not ClinicPolicy.objects.exists():
        ClinicPolicy.get()  # a new clinic: creates the policy with its default reminders
        return reminder_offsets_for(service, cache=cache)
    own = [r for r in rows if r[0] == service.pk]
    offsets = [reminders.Offset(minutes, channel) for _, minutes, channel in own or [r for r in rows if r[0] is None]]
    if extra := settings.REMINDER_EXTRA_OFFSET_MINUTES:
        offsets.append(reminders.Offset(extra, reminders.EMAIL))
    if cache is not None:
        cache[service.pk] = offsets
    return offsets


def appointment_reminders_plan(
    *, appointment: Appointment, now: dt.datetime | None = None, offsets_cache: dict | None = None
) -> list[Notification]:
    """Withdraw the appointment's pending reminders and, if it is still booked, plan new ones for
    its current time. Runs in the transaction of the change."""
    now = now or timezone.now()
    timed = Notification.objects.filter(appointment=appointment, kind__in=TIMED_KINDS)
    if appointment.status != AppointmentStatus.BOOKED:
        _withdraw(timed, "The appointment is no longer booked.")
        return []
    patient = appointment.patient
    tz = appointment.location.tz
    stamp = appointment.start.isoformat()
    # The sequence changes with every move or cancellation, so a time moved away and back gets
    # fresh rows rather than its withdrawn ones.
    prefix = f"a{appointment.pk}:s{appointment.sequence}"
    sms_ok = message_prefs.may_send(patient, NotificationKind.REMINDER, NotificationChannel.SMS)
    email_ok = message_prefs.may_send(patient, NotificationKind.REMINDER, NotificationChannel.EMAIL)
    planned = reminders.plan_reminders(
        start=appointment.start,
        tz=tz,
        offsets=reminder_offsets_for(appointment.service, cache=offsets_cache),
        now=now,
        sms_allowed=sms_ok,
        email_allowed=email_ok,
    )
    keys = {f"reminder:{prefix}:{r.key_part}" for r in planned} | {f"intake_pending:{prefix}"}
    _withdraw(timed.exclude(key__in=keys), "The appointment changed; its reminders were planned again.")
    rows = []
    for r in planned:
        recipient = patient.phone if r.channel == "sms" else patient.email
        row = outbox_enqueue(
            key=f"reminder:{prefix}:{r.key_part}",
            kind=NotificationKind.REMINDER,
            channel=r.channel,
            recipient=recipient,
            patient=patient,
            appointment=appointment,
            payload={"start": stamp, "offset": r.offset.label},
            scheduled_for=r.send_at,
            not_after=r.not_after,
            now=now,
        )
        if row.status == NotificationStatus.CANCELLED:
            # Same appointment, same time, same offset: an offset the manager removed and then
            # added back. Its withdrawn row is this reminder again (the key is unique).
            row.status, row.recipient, row.last_error = NotificationStatus.PENDING, recipient, ""
            row.scheduled_for, row.not_after = r.send_at, r.not_after
            row.save(update_fields=["status", "recipient", "last_error", "scheduled_for", "not_after"])
        rows.append(row)
    if appointment.service.kind == "initial" and message_prefs.may_send(
        patient, NotificationKind.INTAKE_PENDING, "email"
    ):
        # Like the reminders: booked less than 72 hours ahead, the confirmation's own intake
        # prompt covers it.
        send_at = appointment.start - dt.timedelta(hours=INTAKE_REMINDER_HOURS)
        if send_at > now:
            rows.append(
                outbox_enqueue(
                    key=f"intake_pending:{prefix}",
                    kind=NotificationKind.INTAKE_PENDING,
                    recipient=patient.email,
                    patient=patient,
                    appointment=appointment,
                    payload={"start": stamp},
                    scheduled_for=send_at,
                    not_after=appointment.start - dt.timedelta(hours=2),
                    now=now,
                )
            )
    return rows


def patient_preferences_applied(patient: Patient, now: dt.datetime | None = None) -> None:
    """The patient's message preferences changed (patients.services.preferences calls this in
    the same transaction): pending messages they no longer want are withdrawn now, with the
    reason, and the reminders of their future appointments are planned again, so switching
    reminders back on takes effect for visits already booked."""
    now = now or timezone.now()
    pending = Notification.objects.filter(patient=patient, status=NotificationStatus.PENDING)
    for n in pending.only("pk", "kind", "channel"):
        if blocked := message_prefs.block_reason(patient, n.kind, n.channel):
            Notification.objects.filter(pk=n.pk, status=NotificationStatus.PENDING).update(
                status=NotificationStatus.CANCELLED, last_error=blocked.text[:500]
            )
    upcoming = Appointment.objects.select_related("location", "service", "patient").filter(
        patient=patient, status=AppointmentStatus.BOOKED, start__gt=now
    )
    for appointment in upcoming:
        for n in appointment_reminders_plan(appointment=appointment, now=now):
            # Planned again under the same key as one withdrawn by an earlier opt-out: it goes back
            # in the queue (the unique key would otherwise keep it withdrawn).
            if n.status == NotificationStatus.CANCELLED and n.scheduled_for > now:
                Notification.objects.filter(pk=n.pk).update(status=NotificationStatus.PENDING, last_error="")


def reminders_replan(*, service_ids: list[int] | None = None, now: dt.datetime | None = None) -> int:
    """The reminder offsets changed: plan the reminders of every booked future appointment of
    these services again (None: the services that follow the clinic's default), as if each had
    just been moved to its own time. Pending reminders for removed offsets are withdrawn, new
    offsets are planned unless their moment has passed, unchanged ones keep their row (same key).

    One short transaction per appointment, under its row lock: a booking change at the same
    moment either happens first (and we plan for its new time) or waits and re-plans after us.
    Returns the number of appointments re-planned.
    """
    now = now or timezone.now()
    appts = Appointment.objects.filter(status=AppointmentStatus.BOOKED, start__gt=now)
    if service_ids is None:
        appts = appts.filter(service__in=Service.objects.filter(reminder_offsets__isnull=True))
    else:
        appts = appts.filter(service_id__in=service_ids)
    cache: dict = {}
    ids = list(appts.order_by("start").values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            appt = locked_appointment(Appointment(pk=pk))
            appointment_reminders_plan(appointment=appt, now=now, offsets_cache=cache)
    return len(ids)


@transaction.atomic
def notification_resend(*, notification: Notification, by: User | None = None) -> Notification:
    """The desk's "Resend" on a failed message: back in the queue, due now, with fresh attempts."""
    n = Notification.objects.select_for_update().get(pk=notification.pk)
    if n.status != NotificationStatus.FAILED:
        return n
    n.status = NotificationStatus.PENDING
    n.attempts = 0
    n.scheduled_for = timezone.now()
    n.not_after = None
    n.save(update_fields=["status", "attempts", "scheduled_for", "not_after"])
    audit(request=None, action="notification.resend", obj=n, patient_id=n.patient_id, detail=n.kind, actor=by)
    _nudge_dispatcher()
    return n


@transaction.atomic
def notification_mark_handled(*, notification: Notification, by: User | None = None) -> Notification:
    """The desk phoned the patient about a failed message: it leaves the list."""
    n = Notification.objects.select_for_update().get(pk=notification.pk)
    if n.handled_at is None:
        n.handled_at = timezone.now()
        n.save(update_fields=["handled_at"])
        audit(request=None, action="notification.handled", obj=n, patient_id=n.patient_id, detail=n.kind, actor=by)
    return n


FAILED_DELIVERY_STATUSES = ("failed", "undelivered")


@transaction.atomic
def notification_delivery_report(*, provider_message_id: str, provider_status: str, error_code: str = "") -> int:
    """The provider's delivery callback: an SMS it could not deliver becomes a failed message on
    the desk's list. Returns the rows updated (0 for an unknown id, which is ignored)."""
    if not provider_message_id:
        return 0
    rows = Notification.objects.filter(provider_message_id=provider_message_id)
    if provider_status in FAILED_DELIVERY_STATUSES:
        return rows.update(
            status=NotificationStatus.FAILED,
            last_error=f"Not delivered by the SMS provider ({provider_status}, error {error_code or 'none'}).",
        )
    return rows.filter(status=NotificationStatus.SENT).update(last_error=f"Provider: {provider_status}"[:500])
