"""Reminder offsets: how long before an appointment a reminder goes out, and on which channel.
Pure (no database): the model (clinic.models.ReminderOffset), the manager's admin form and the
planner (scheduling.reminders) share these rules."""

from __future__ import annotations

from dataclasses import dataclass

EMAIL, SMS = "email", "sms"
CHANNELS = ((EMAIL, "Email"), (SMS, "SMS"))
# Shorter than 5 minutes would be sent after the appointment started (beat ticks every minute,
# and a reminder may go out up to 10 minutes late); longer than 14 days is a typo, not a reminder.
MIN_OFFSET_MINUTES = 5
MAX_OFFSET_MINUTES = 14 * 24 * 60


@dataclass(frozen=True, order=True)
class Offset:
    """One reminder `minutes` before the start, on `channel` ("email" or "sms")."""

    minutes: int
    channel: str

    @property
    def label(self) -> str:
        """Part of the outbox key: "48h", "90m". Whole hours read as hours, so the reminders queued
        before offsets were counted in minutes keep their keys."""
        return f"{self.minutes // 60}h" if self.minutes % 60 == 0 else f"{self.minutes}m"

    def describe(self) -> str:
        m = self.minutes
        amount = f"{m // 60} hour{'s' * (m != 60)}" if m % 60 == 0 else f"{m} minutes"
        return f"{dict(CHANNELS).get(self.channel, self.channel)} {amount} before"


# A new clinic's default: email 48 hours before, SMS 2 hours before.
DEFAULT_OFFSETS = (Offset(48 * 60, EMAIL), Offset(2 * 60, SMS))


def offset_problem(minutes: int) -> str | None:
    """Why an offset cannot be used, in words for the manager; None when it can."""
    if minutes < MIN_OFFSET_MINUTES:
        return f"A reminder must be at least {MIN_OFFSET_MINUTES} minutes before the appointment."
    if minutes > MAX_OFFSET_MINUTES:
        return "A reminder can be at most 14 days (336 hours) before the appointment."
    return None
