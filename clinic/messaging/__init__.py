"""Outgoing messages below the apps: SMS backends in Django's email-backend style, and the hook
through which the lower apps (clinic, patients) put their emails in scheduling's outbox.

    get_sms_backend().send(SmsMessage(to="+447700900123", body="...", key="reminder:a1:..."))
        -> the provider's message id

SMS_BACKEND names the class: console (prints), file (one file per message in SMS_FILE_PATH),
locmem (tests: `clinic.messaging.backends.outbox`), twilio (a Twilio-compatible REST API).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str
    # The outbox key: the same key twice is the same message (a receiving side may dedupe on it).
    key: str = ""


class SmsError(Exception):
    """The provider refused or could not be reached. `transient` says whether a retry may help."""

    def __init__(self, message: str, *, transient: bool = True):
        super().__init__(message)
        self.transient = transient


def get_sms_backend(path: str | None = None):
    return import_string(path or settings.SMS_BACKEND)()


EmailSink = Callable[..., object]
_email_sink: EmailSink | None = None


def register_email_sink(sink: EmailSink) -> None:
    """scheduling registers its outbox here when the app registry is ready (scheduling/apps.py)."""
    global _email_sink
    _email_sink = sink


def queue_email(*, kind: str, to: str, subject: str, text: str, html: str = "", user=None) -> object:
    """Put an already rendered email in the outbox, in the caller's transaction."""
    if _email_sink is None:
        raise RuntimeError("No outbox registered: is the scheduling app installed?")
    return _email_sink(kind=kind, to=to, subject=subject, text=text, html=html, user=user)


ReminderReplanner = Callable[[list[int] | None], object]
_reminder_replanner: ReminderReplanner | None = None


def register_reminder_replanner(replanner: ReminderReplanner) -> None:
    """scheduling registers how it re-plans reminders (scheduling/apps.py), like the email sink."""
    global _reminder_replanner
    _reminder_replanner = replanner


def reminder_offsets_changed(service_ids: list[int] | None) -> None:
    """A manager changed reminder offsets (None: the clinic's default): queued reminders of booked
    future appointments are planned again after commit."""
    if _reminder_replanner is None:
        raise RuntimeError("No reminder planner registered: is the scheduling app installed?")
    _reminder_replanner(service_ids)
