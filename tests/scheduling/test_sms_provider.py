"""The Twilio-compatible SMS provider against a local fake HTTP server (never the internet): a
send, a failed send retried, and the signed delivery-status callback."""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from clinic.messaging import twilio
from scheduling import dispatch
from scheduling.models import Notification, NotificationStatus
from tests import factories as f
from tests.scheduling.helpers import book, local


class FakeProvider(BaseHTTPRequestHandler):
    fail_next = 0
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        form = dict(urllib.parse.parse_qsl(body))
        cls = type(self)
        if cls.fail_next:
            cls.fail_next -= 1
            self.send_response(503)
            self.end_headers()
            self.wfile.write(b'{"message": "try later"}')
            return
        cls.received.append({"path": self.path, "auth": self.headers["Authorization"], **form})
        answer = json.dumps({"sid": f"SM{len(cls.received):032d}", "status": "queued"}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def provider(settings):
    FakeProvider.received, FakeProvider.fail_next = [], 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeProvider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "clinic.messaging.twilio.TwilioBackend"
    settings.SMS_TWILIO_API_BASE = f"http://127.0.0.1:{server.server_port}"
    settings.SMS_TWILIO_ACCOUNT_SID, settings.SMS_TWILIO_AUTH_TOKEN = "AC123", "secret-token"
    settings.SMS_TWILIO_FROM = "+447700900000"
    yield FakeProvider
    server.shutdown()
    server.server_close()


def sms_reminder(clinic, frozen_clock):
    patient = f.PatientFactory(consent_sms=True, phone="+447700900123", email="")  # SMS only
    appt = book(clinic, local(clinic, 5, 14), patient)
    row = Notification.objects.get(appointment=appt, channel="sms", payload__offset="2h")
    frozen_clock.move_to(row.scheduled_for + dt.timedelta(seconds=1))
    return row


def test_an_sms_reminder_goes_through_the_provider(clinic, provider, frozen_clock):
    row = sms_reminder(clinic, frozen_clock)
    assert dispatch.outbox_dispatch().sent == 1
    (sent,) = provider.received
    assert sent["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert sent["To"] == "+447700900123" and sent["From"] == "+447700900000" and "14:00 GMT" in sent["Body"]
    assert sent["StatusCallback"].endswith(reverse("scheduling:sms_status"))
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT and row.provider_message_id == "SM" + "1".zfill(32)


def test_a_provider_outage_is_retried_then_sent(clinic, provider, frozen_clock):
    row = sms_reminder(clinic, frozen_clock)
    provider.fail_next = 1
    assert dispatch.outbox_dispatch().retried == 1
    row.refresh_from_db()
    assert row.status == NotificationStatus.PENDING and "HTTP 503" in row.last_error
    frozen_clock.shift(dt.timedelta(minutes=1, seconds=1))
    assert dispatch.outbox_dispatch().sent == 1
    assert len(provider.received) == 1


def test_a_refused_number_fails_at_once(clinic, provider, frozen_clock, settings):
    row = sms_reminder(clinic, frozen_clock)
    settings.SMS_TWILIO_ACCOUNT_SID = ""  # misconfigured: retrying cannot help
    assert dispatch.outbox_dispatch().failed == 1
    row.refresh_from_db()
    assert row.status == NotificationStatus.FAILED


def post_status(client, params, sig):
    return client.post(reverse("scheduling:sms_status"), params, HTTP_X_TWILIO_SIGNATURE=sig)


def test_the_signed_delivery_callback_marks_an_undelivered_sms_failed(clinic, provider, frozen_clock, client):
    row = sms_reminder(clinic, frozen_clock)
    dispatch.outbox_dispatch()
    row.refresh_from_db()
    params = {"MessageSid": row.provider_message_id, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    url = twilio.status_callback_url()
    assert post_status(client, params, twilio.signature(url, params)).status_code == 204
    row.refresh_from_db()
    assert row.status == NotificationStatus.FAILED and "30003" in row.last_error


def test_a_callback_with_a_bad_signature_is_refused(clinic, provider, frozen_clock, client):
    row = sms_reminder(clinic, frozen_clock)
    dispatch.outbox_dispatch()
    row.refresh_from_db()
    params = {"MessageSid": row.provider_message_id, "MessageStatus": "undelivered"}
    forged = twilio.signature(twilio.status_callback_url(), params, token="not-the-token")
    assert post_status(client, params, forged).status_code == 403
    assert post_status(client, params, "").status_code == 403
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT
