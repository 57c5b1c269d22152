"""The booking emails' outbox: a Notification row per email, sent once after commit."""

from __future__ import annotations

import logging

from django.db.models import F
from django.utils import timezone

from patients.models import Patient

from ..emails import build_email
from ..models import (
    Appointment,
    Notification,
    NotificationStatus,
    WaitlistOffer,
)

log = logging.getLogger(__name__)


def notify_patient(
    *,
    kind: str,
    patient: Patient,
    appointment: Appointment | None = None,
    waitlist_offer: WaitlistOffer | None = None,
    payload: dict | None = None,
) -> Notification | None:
    """Write the outbox row in the caller's transaction; queue the send for after commit.

    A patient without an email address, or who said no to email, gets none (the front desk
    phones them); the booking itself is unaffected.
    """
    if not patient.email or not patient.consent_email:
        return None
    n = Notification.objects.create(
        kind=kind,
        recipient=patient.email,
        patient=patient,
        appointment=appointment,
        waitlist_offer=waitlist_offer,
        payload=payload or {},
    )
    from ..tasks import send_notification  # tasks imports the services

    send_notification.delay_on_commit(n.pk)
    return n


class TransientSendError(Exception):
    """Sending failed in a way worth retrying (the task retries with backoff)."""


MAX_SEND_ATTEMPTS = 5


def notification_send(*, notification_id: int) -> bool:
    """Send one outbox email, exactly once. Returns True if this call sent it.

    The claim is a conditional UPDATE (pending → sending): a second delivery of the same task
    finds nothing to claim and does nothing.
    """
    claimed = Notification.objects.filter(pk=notification_id, status=NotificationStatus.PENDING).update(
        status=NotificationStatus.SENDING, attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    n = Notification.objects.select_related("appointment", "waitlist_offer").get(pk=notification_id)
    try:
        build_email(n).send(fail_silently=False)
    except Exception as exc:
        failed = n.attempts >= MAX_SEND_ATTEMPTS
        Notification.objects.filter(pk=n.pk).update(
            status=NotificationStatus.FAILED if failed else NotificationStatus.PENDING,
            last_error=f"{type(exc).__name__}: {exc}"[:500],
        )
        if failed:
            log.error("giving up on notification %s after %s attempts", n.pk, n.attempts)
            return False
        raise TransientSendError(str(exc)) from exc
    Notification.objects.filter(pk=n.pk).update(status=NotificationStatus.SENT, sent_at=timezone.now(), last_error="")
    return True
