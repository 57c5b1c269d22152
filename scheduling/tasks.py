"""Celery tasks for scheduling: thin wrappers that take ids and call services."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from . import services


@shared_task(bind=True, max_retries=services.MAX_SEND_ATTEMPTS, acks_late=True)
def send_notification(self, notification_id: int) -> bool:
    """Send one booking email. Queued with delay_on_commit, so a rolled-back change sends nothing."""
    try:
        return services.notification_send(notification_id=notification_id)
    except services.TransientSendError as exc:
        # Short backoff only (seconds to minutes): nothing far-future is scheduled as an ETA task.
        raise self.retry(exc=exc, countdown=min(300, 15 * 2**self.request.retries))


@shared_task
def offer_freed_time(practitioner_id: int, location_id: int, start: str, end: str) -> int:
    """A cancel or reschedule freed a time: offer it to the waitlist."""
    offers = services.waitlist_offer_freed_time(
        practitioner_id=practitioner_id,
        location_id=location_id,
        start=dt.datetime.fromisoformat(start),
        end=dt.datetime.fromisoformat(end),
    )
    return len(offers)
