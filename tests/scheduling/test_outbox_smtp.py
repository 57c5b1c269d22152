"""Real SMTP: the dispatcher delivers a confirmation to a local aiosmtpd server started here."""

from __future__ import annotations

import email
import email.policy
import socket

import icalendar
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from scheduling import dispatch
from tests.scheduling.helpers import book, local


class Collect(Message):
    def __init__(self):
        super().__init__(message_class=None)
        self.received: list[bytes] = []

    def prepare_message(self, session, envelope):
        return envelope.original_content

    def handle_message(self, message):
        self.received.append(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield handler
    controller.stop()


def test_the_confirmation_reaches_a_real_smtp_server_with_local_time_and_ics(clinic, patient, smtp_server):
    appt = book(clinic, local(clinic, 3, 10), patient)
    assert dispatch.outbox_dispatch().sent == 1
    (raw,) = smtp_server.received
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["To"] == patient.email and ", 10:00 GMT" in message["Subject"]
    assert message["Message-ID"].startswith("<outbox-")
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "10:00 GMT" in text
    (ics,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    event = icalendar.Calendar.from_ical(ics.get_content()).events[0]
    assert event.start == appt.start
