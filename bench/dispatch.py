"""Benchmark: the outbox dispatcher sends 10,000 due reminders through a real Celery worker.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/acu_bench_outbox \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/dispatch.py [--messages 10000]

It (re)builds the schema in the bench database, books 50 appointments, queues N due reminder
emails for them, starts `celery worker --pool solo` (emails to Django's file backend in a temporary
folder), sends one dispatch_outbox task and times until no message is left to send. Then it counts
the queries of one batch at two batch sizes in this process (they must be equal).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import ROOT, database_url, setup_django  # noqa: E402


def build(n: int):
    from django.core.management import call_command
    from django.utils import timezone

    from scheduling.models import Notification, NotificationKind
    from tests import factories as f

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)  # a bench database: rebuilt each run
    setup = f.bookable_setup(tz="Europe/London")
    now = timezone.now()
    appts = []
    for i in range(50):
        start = (now + dt.timedelta(days=3 + i // 8)).replace(hour=9 + i % 8, minute=0, second=0, microsecond=0)
        appts.append(
            f.AppointmentFactory(
                patient=f.PatientFactory(),
                service=setup.service,
                practitioner=setup.practitioner,
                location=setup.location,
                start=start,
            )
        )
    rows = [
        Notification(
            key=f"bench:{i}",
            kind=NotificationKind.REMINDER,
            recipient=appts[i % 50].patient.email,
            patient=appts[i % 50].patient,
            appointment=appts[i % 50],
            payload={"start": appts[i % 50].start.isoformat(), "offset": "48h"},
            scheduled_for=now - dt.timedelta(seconds=1),
        )
        for i in range(n)
    ]
    Notification.objects.bulk_create(rows, batch_size=2000)


def queries_per_batch(size: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from scheduling import dispatch
    from scheduling.models import Notification, NotificationStatus

    Notification.objects.filter(key__startswith="bench:").update(status=NotificationStatus.PENDING)
    with CaptureQueriesContext(connection) as ctx:
        dispatch.outbox_dispatch(batch_size=size, max_batches=1)
    return len(ctx)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()
    url = database_url()
    os.environ["EMAIL_URL"] = "memorymail://"  # this process's own batches (the query count)
    setup_django(url)
    from scheduling.models import Notification, NotificationStatus
    from scheduling.tasks import dispatch_outbox

    build(args.messages)
    outdir = tempfile.mkdtemp(prefix="bench-mail-")
    env = dict(os.environ, EMAIL_URL=f"filemail://{outdir}", LOG_LEVEL="WARNING")
    argv = [sys.executable, "-m", "celery", "-A", "clinic", "worker", "--pool", "solo", "--loglevel", "WARNING"]
    argv += ["--hostname", f"bench-dispatch-{os.getpid()}@%h", "--without-gossip", "--without-mingle"]
    worker = subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True)
    try:
        time.sleep(6)  # the worker connects to the broker
        started = time.perf_counter()
        dispatch_outbox.delay()
        while Notification.objects.filter(status=NotificationStatus.PENDING).exists() or (
            Notification.objects.filter(status=NotificationStatus.SENDING).exists()
        ):
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    sent = Notification.objects.filter(status=NotificationStatus.SENT).count()
    print(f"{sent} of {args.messages} sent in {elapsed:.2f} s: {sent / elapsed:,.0f} messages/s (worker, PostgreSQL)")
    small, large = queries_per_batch(50), queries_per_batch(200)
    print(f"queries for one batch: {small} at 50 messages, {large} at 200 messages")


if __name__ == "__main__":
    main()
