"""Reads of the outbox for the desk: what will go out for one appointment, what failed, and the
patients' SMS replies still waiting for a person."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Appointment, Notification, NotificationStatus, SmsReply
from .templatetags.local_time import format_local

FAILED_LIST_LIMIT = 200
REPLY_LIST_LIMIT = 200


def appointment_messages(appt: Appointment) -> list[dict]:
    """Every message of the appointment, pending first in the order they will go out, each with
    its moment in the location's local time (zone shown), so the desk can tell a caller exactly
    when the reminder comes."""
    tz = appt.location.tz
    rows = Notification.objects.filter(appointment=appt).order_by("scheduled_for", "pk")
    out = []
    for n in rows:
        out.append(
            {
                "notification": n,
                "when": format_local(n.sent_at or n.scheduled_for, tz, r"D j M, H:i", zone=True),
                "pending": n.status in (NotificationStatus.PENDING, NotificationStatus.SENDING),
            }
        )
    out.sort(key=lambda r: (not r["pending"],))
    return out


def failed_messages() -> QuerySet[Notification]:
    """Messages the outbox gave up on and nobody has dealt with yet: the desk calls these patients."""
    return (
        Notification.objects.filter(status=NotificationStatus.FAILED, handled_at__isnull=True)
        .select_related("patient", "appointment__location", "appointment__service")
        .order_by("-scheduled_for")[:FAILED_LIST_LIMIT]
    )


def open_sms_replies() -> QuerySet[SmsReply]:
    """Replies the desk has to deal with (call-back requests, other text, unknown numbers), oldest
    first: whoever has waited longest is called first."""
    return (
        SmsReply.objects.filter(needs_desk=True, handled_at__isnull=True)
        .select_related("patient", "appointment__location", "appointment__service")
        .order_by("received_at", "pk")[:REPLY_LIST_LIMIT]
    )


def desk_inbox_counts() -> dict[str, int]:
    """The counts next to the desk's menu links (two indexed COUNTs): open replies, failed messages."""
    return {
        "replies": SmsReply.objects.filter(needs_desk=True, handled_at__isnull=True).count(),
        "failed": Notification.objects.filter(status=NotificationStatus.FAILED, handled_at__isnull=True).count(),
    }
