"""The dispatcher: claims due outbox rows in batches, re-checks them, sends, records.

Run by beat every minute (scheduling.tasks.dispatch_outbox) and nudged after a commit that queued
a message due now. Several dispatchers may run at once: a batch is claimed with
SELECT ... FOR UPDATE SKIP LOCKED and flipped to "sending" in one short transaction, so each row
is claimed by exactly one of them. The queries per batch are constant: claim (2), load (1, and 1
each for the services, locations, rooms and practitioners the rows share), record (1-2 UPDATEs),
whatever the batch size.

Delivery is at-least-once only across a crash between sending and recording (a worker killed
mid-batch): rows left in "sending" longer than OUTBOX_STUCK_SECONDS go back to pending. Every
message carries its outbox key (email Message-ID, SMS `key`) so a receiver can recognise a repeat.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Prefetch, Q
from django.utils import timezone

from clinic.messaging import SmsMessage, get_sms_backend
from clinic.models import PractitionerProfile
from patients import message_prefs

from . import reminders
from .emails import Renderer, build_email, sms_text
from .models import AppointmentStatus, Notification, NotificationKind, NotificationStatus, WaitlistOfferStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_BASE = dt.timedelta(minutes=1)

# kind -> function(notification) -> reason it no longer applies ("" if it does). Higher apps
# (plans) register theirs in their AppConfig.ready.
STILL_APPLIES: dict[str, Callable[[Notification], str]] = {}


def register_check(kind: str, check: Callable[[Notification], str]) -> None:
    STILL_APPLIES[kind] = check


@dataclass
class DispatchResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    withdrawn: int = 0
    deferred: int = 0
    missed: int = 0
    recovered: int = 0
    batches: int = 0
    errors: list[str] = field(default_factory=list)


def _withdraw_reason(n: Notification) -> str:
    """Why a claimed message must not go out any more ("" when it still applies)."""
    appt = n.appointment
    patient = n.patient
    if patient is not None and (blocked := message_prefs.block_reason(patient, n.kind, n.channel)):
        return blocked.text  # the patient's preferences as they are now (patients.message_prefs)
    if appt is not None:
        if n.kind == NotificationKind.BOOKING_CANCELLED:
            if appt.status != AppointmentStatus.CANCELLED:
                return "The appointment is not cancelled."
        elif appt.status != AppointmentStatus.BOOKED:
            return f"The appointment is {appt.get_status_display().lower()}."
        if (start := n.payload.get("start")) and dt.datetime.fromisoformat(start) != appt.start:
            return "The appointment has moved since this was planned."
    offer = n.waitlist_offer
    if offer is not None and offer.status != WaitlistOfferStatus.OPEN:
        return "The waitlist offer is no longer open."
    if check := STILL_APPLIES.get(n.kind):
        return check(n)
    return ""


def _intake_still_pending(n: Notification) -> str:
    from patients.queries import intake_status

    done = str(intake_status(n.patient)) in ("complete", "needs_review")
    return "The intake is complete." if done else ""


register_check(NotificationKind.INTAKE_PENDING, _intake_still_pending)


def _recover_and_expire(now: dt.datetime) -> tuple[int, int]:
    stuck_before = now - dt.timedelta(seconds=settings.OUTBOX_STUCK_SECONDS)
    recovered = Notification.objects.filter(status=NotificationStatus.SENDING, claimed_at__lt=stuck_before).update(
        status=NotificationStatus.PENDING, last_error="Recovered after the dispatcher stopped mid-send."
    )
    missed = Notification.objects.filter(status=NotificationStatus.PENDING, not_after__lt=now).update(
        status=NotificationStatus.MISSED, last_error="Too late to send: its moment had passed."
    )
    return recovered, missed


def _claim(now: dt.datetime, batch_size: int) -> list[Notification]:
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=NotificationStatus.PENDING, scheduled_for__lte=now)
            .order_by("scheduled_for", "pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return []
        Notification.objects.filter(pk__in=ids).update(
            status=NotificationStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now
        )
    return _load(ids)


def _load(ids: list[int]) -> list[Notification]:
    """The claimed rows with everything their messages show, in a fixed number of queries: a join
    for what is each row's own (patient, appointment, plan session, waitlist offer), and one query
    per kind of row that many messages share (service, location, room, practitioner), each row
    loaded once for the batch rather than once per message."""
    return list(
        Notification.objects.select_related(
            "patient",
            "appointment__patient",
            "appointment__plan_session",  # "session k of N" (plans' reverse one-to-one; no import)
            "waitlist_offer__entry__patient",
            "waitlist_offer__entry__service",
            "waitlist_offer__entry__location",
            "waitlist_offer__practitioner__user",
        )
        .prefetch_related(
            "appointment__service",
            "appointment__location",
            "appointment__room",
            Prefetch("appointment__practitioner", queryset=PractitionerProfile.objects.select_related("user")),
        )
        .filter(pk__in=ids)
        .order_by("scheduled_for", "pk")
    )


def _send_one(n: Notification, email_connection, sms_backend, renderer: Renderer) -> str:
    """Send; returns the provider's message id."""
    if n.channel == "sms":
        return sms_backend.send(SmsMessage(to=n.recipient, body=sms_text(n, renderer), key=n.key))
    message = build_email(n, renderer)
    message.connection = email_connection
    message.send(fail_silently=False)
    return ""  # an email's id is its Message-ID, emails.message_id(row)


def _open(connection, *, reopen: bool = False) -> None:
    """One session for the batch (one SMTP login, one file), not one per message; a new one after a
    failed send, so a broken session does not fail the rest of the batch. If it cannot be opened,
    each send tries on its own and records its own failure (retry with backoff)."""
    try:
        if reopen:
            connection.close()
        connection.open()
    except Exception as exc:  # the same error is recorded on each message that meets it
        log.warning("email backend not reachable for a batch: %s", exc)


def _deliver(
    rows: list[Notification], now: dt.datetime, result: DispatchResult, sms_backend, renderer: Renderer
) -> None:
    connection = get_connection()
    _open(connection)
    fields = ["status", "sent_at", "provider_message_id", "last_error", "scheduled_for", "attempts"]
    try:
        for n in rows:
            if reason := _withdraw_reason(n):
                n.status, n.last_error = NotificationStatus.CANCELLED, reason
                result.withdrawn += 1
                continue
            if n.channel == "sms" and n.appointment_id and reminders.in_quiet_hours(now, n.appointment.location.tz):
                n.status, n.attempts = NotificationStatus.PENDING, n.attempts - 1
                n.scheduled_for = reminders.out_of_quiet_hours(now, n.appointment.location.tz)
                result.deferred += 1
                continue
            try:
                n.provider_message_id = _send_one(n, connection, sms_backend, renderer)[:100]
            except Exception as exc:  # any failure of one message must not stop the batch
                if n.channel == "email":
                    _open(connection, reopen=True)
                transient = getattr(exc, "transient", True)
                n.last_error = f"{type(exc).__name__}: {exc}"[:500]
                if n.attempts >= MAX_ATTEMPTS or not transient:
                    n.status = NotificationStatus.FAILED
                    result.failed += 1
                    log.error("giving up on notification %s after %s attempts: %s", n.pk, n.attempts, exc)
                else:
                    n.status = NotificationStatus.PENDING
                    n.scheduled_for = now + RETRY_BASE * 2 ** (n.attempts - 1)
                    result.retried += 1
                continue
            n.status, n.sent_at, n.last_error = NotificationStatus.SENT, timezone.now(), ""
            result.sent += 1
    finally:
        connection.close()
        _record(rows, fields)


def _record(rows: list[Notification], fields: list[str]) -> None:
    """At most two UPDATEs per batch, whatever its size: one for the emails sent (the common case;
    their provider id is the Message-ID, derived from the row), one CASE update for the rest. Rows
    not reached (a crash) stay "sending" and are recovered later."""
    sent = [n for n in rows if n.status == NotificationStatus.SENT and n.channel == "email"]
    if sent:
        Notification.objects.filter(pk__in=[n.pk for n in sent]).update(
            status=NotificationStatus.SENT, sent_at=timezone.now(), last_error=""
        )
    rest = [n for n in rows if not (n.status == NotificationStatus.SENT and n.channel == "email")]
    if rest:
        Notification.objects.bulk_update(rest, fields)


def outbox_dispatch(
    *,
    now: dt.datetime | None = None,
    batch_size: int | None = None,
    max_batches: int = 400,
    sms_backend=None,
    on_backlog: Callable[[], object] | None = None,
) -> DispatchResult:
    """Send every due message (up to max_batches × batch_size). Safe to run twice at once.

    The batch size (settings.OUTBOX_BATCH_SIZE) bounds what a crash between sending and recording
    can offer twice (one batch); the queries of a batch do not depend on it. `on_backlog` is called
    once if the first batch is full (more is due than one batch), to start other dispatchers."""
    now = now or timezone.now()
    batch_size = batch_size or settings.OUTBOX_BATCH_SIZE
    result = DispatchResult()
    result.recovered, result.missed = _recover_and_expire(now)
    backend = sms_backend or get_sms_backend()
    renderer = None
    for _ in range(max_batches):
        rows = _claim(now, batch_size)
        if not rows:
            break
        result.batches += 1
        if result.batches == 1 and len(rows) == batch_size and on_backlog is not None:
            on_backlog()
        renderer = renderer or Renderer()
        _deliver(rows, now, result, backend, renderer)
    return result


def pending_for_appointment(appointment_id: int):
    """The desk's preview: the appointment's messages still to go out, earliest first."""
    return Notification.objects.filter(
        Q(appointment_id=appointment_id), status__in=[NotificationStatus.PENDING, NotificationStatus.SENDING]
    ).order_by("scheduled_for")
