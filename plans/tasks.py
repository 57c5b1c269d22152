"""Celery tasks for plans: thin wrappers over plans.reminders (run by beat)."""

from __future__ import annotations

from celery import shared_task

from . import reminders


@shared_task
def queue_plan_messages() -> dict:
    """Hourly: queue review check-ins and unbooked-plan nudges in the outbox (sent by its dispatcher)."""
    return {"checkins": reminders.plan_checkins_queue(), "unbooked": reminders.plan_unbooked_queue()}
