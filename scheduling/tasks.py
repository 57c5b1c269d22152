"""Celery tasks for scheduling: thin wrappers that take ids and call services."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings

from . import dispatch, services


@shared_task(bind=True, acks_late=True)
def dispatch_outbox(self, helper: bool = False) -> dict:
    """Beat runs this every minute (and commits nudge it): send every due outbox message.

    Exactly-once comes from the rows, not from the task: a duplicate or redelivered task finds
    nothing left to claim. When more is due than one batch, it asks for OUTBOX_DISPATCHERS - 1
    helpers, so the worker's other processes share the backlog (helpers ask for none). Helpers go
    to the queue this task came from: the workers that serve the outbox, with its settings."""
    queue = (self.request.delivery_info or {}).get("routing_key") or None

    def ask_for_helpers() -> None:
        for _ in range(settings.OUTBOX_DISPATCHERS - 1):
            dispatch_outbox.apply_async(kwargs={"helper": True}, queue=queue)

    result = dispatch.outbox_dispatch(on_backlog=None if helper else ask_for_helpers)
    return {"sent": result.sent, "failed": result.failed, "retried": result.retried, "missed": result.missed}


@shared_task
def replan_reminders(service_ids: list[int] | None = None) -> int:
    """A manager changed reminder offsets: re-plan the booked future appointments they apply to."""
    return services.reminders_replan(service_ids=service_ids)


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
