"""A real worker is SIGKILLed halfway through a batch of 200 and restarted: every message arrives,
none twice in the receiving mailbox, and every row ends "sent"."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest
from django.db import connection

from scheduling.models import Notification, NotificationStatus
from scheduling.tasks import dispatch_outbox

from .conftest import REPO_ROOT, database_url_for, wait_until_fn

pytestmark = pytest.mark.usefixtures("transactional_db")


QUEUE = f"outbox-crash-{uuid.uuid4().hex[:8]}"  # its own queue: other workers on the broker stay out
BATCH = 50  # the worker's batch size: 200 messages in 4 batches, so the kill can land inside one


def start_worker(tmp_path, receiver, name: str) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url_for(connection.settings_dict),
        DJANGO_SETTINGS_MODULE="tests.integration.outbox_worker_settings",
        TESTING="true",
        OUTBOX_RECEIVER_DIR=str(receiver),
        OUTBOX_STUCK_SECONDS="2",
        OUTBOX_BATCH_SIZE=str(BATCH),
        PYTHONUNBUFFERED="1",
    )
    hostname = f"outbox-{name}-{uuid.uuid4().hex[:6]}@{socket.gethostname()}"
    argv = [sys.executable, "-m", "celery", "-A", "clinic", "worker", "--pool", "solo", "--loglevel", "INFO"]
    argv += ["--hostname", hostname, "--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", QUEUE]
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - the worker writes to it until killed
    return subprocess.Popen(
        argv, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def kill(proc: subprocess.Popen, sig=signal.SIGKILL) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
    proc.wait(timeout=30)


def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_nothing(tmp_path, redis_broker):
    receiver = tmp_path / "receiver"
    (receiver / "inbox").mkdir(parents=True)
    (receiver / "repeats").mkdir()
    # bulk_create: no after-commit nudge, which the session's shared worker would pick up.
    Notification.objects.bulk_create(
        Notification(
            key=f"crash:{i}", kind="staff_invite", recipient=f"p{i}@example.org",
            payload={"subject": f"Message {i}", "text": "Hello"},
        )
        for i in range(200)
    )  # fmt: skip
    inbox = receiver / "inbox"

    first = start_worker(tmp_path, receiver, "first")
    try:
        dispatch_outbox.apply_async(queue=QUEUE)
        # Kill inside a batch, not between two: some of a batch's messages are out and at least ten are
        # still to go (each takes milliseconds), so the kill lands while its rows are "sending".
        wait_until_fn(
            lambda: len(os.listdir(inbox)) >= 100 and 0 < len(os.listdir(inbox)) % BATCH <= 40,
            timeout=90,
            message="half the messages delivered, in the middle of a batch",
        )
        kill(first)
    finally:
        kill(first)
    delivered_before_crash = len(os.listdir(inbox))
    assert delivered_before_crash < 200, "the worker finished before it was killed"
    assert Notification.objects.filter(status=NotificationStatus.SENDING).exists()

    second = start_worker(tmp_path, receiver, "second")
    try:
        time.sleep(2.5)  # past OUTBOX_STUCK_SECONDS: the killed worker's rows are recovered
        dispatch_outbox.apply_async(queue=QUEUE)
        wait_until_fn(
            lambda: not Notification.objects.exclude(status=NotificationStatus.SENT).exists(),
            timeout=120,
            message="every row sent",
        )
    finally:
        kill(second, signal.SIGTERM)

    assert len(os.listdir(inbox)) == 200  # none lost, each Message-ID once in the mailbox
    subjects = {(inbox / name).read_text() for name in os.listdir(inbox)}
    assert subjects == {f"Message {i}" for i in range(200)}
    # The messages sent but not yet recorded when the worker died were offered again with the same
    # Message-ID; the mailbox recognised them. At most one batch can be in that state.
    assert len(os.listdir(receiver / "repeats")) <= BATCH
