"""Several dispatchers at once on PostgreSQL: SKIP LOCKED gives each message to exactly one."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connection

from scheduling import dispatch
from scheduling.models import Notification, NotificationStatus

pytestmark = pytest.mark.usefixtures("transactional_db")


def test_four_dispatchers_at_once_send_every_message_exactly_once(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    # bulk_create: no after-commit nudge, which a session worker on the same broker would act on.
    Notification.objects.bulk_create(
        Notification(
            key=f"concurrent:{i}",
            kind="staff_invite",
            recipient=f"person{i}@example.org",
            payload={"subject": f"Message {i}", "text": "Hello"},
        )
        for i in range(200)
    )
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            dispatch.outbox_dispatch(batch_size=10)
        except BaseException as exc:  # reported below: a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert not errors, errors
    subjects = Counter(m.subject for m in mail.outbox)
    assert len(subjects) == 200 and set(subjects.values()) == {1}, subjects.most_common(3)
    assert Notification.objects.filter(status=NotificationStatus.SENT).count() == 200
