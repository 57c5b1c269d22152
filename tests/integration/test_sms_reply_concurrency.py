"""The SMS provider retries a webhook it thinks failed, sometimes while the first is still running:
on PostgreSQL, four deliveries of one reply at once store it and act on it once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from clinic.models import AuditEvent
from scheduling import services
from scheduling.models import Notification, NotificationKind, SmsReply
from tests import factories as f

pytestmark = pytest.mark.usefixtures("transactional_db")


@pytest.mark.parametrize("body", ["R", "STOP"])
def test_four_deliveries_of_one_reply_at_once_act_once(body):
    patient = f.PatientFactory(phone="+447700900123", consent_sms=True)
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            start.wait()
            services.sms_reply_receive(provider_message_id="SM-same", from_number="+447700900123", body=body)
        except BaseException as exc:  # reported below: a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert not errors, errors
    assert SmsReply.objects.filter(provider_message_id="SM-same").count() == 1
    acks = Notification.objects.filter(kind=NotificationKind.SMS_REPLY_ACK).count()
    opt_outs = AuditEvent.objects.filter(patient_id=patient.pk, detail__startswith="SMS opt-out").count()
    assert (acks, opt_outs) == ((1, 0) if body == "R" else (0, 1))
